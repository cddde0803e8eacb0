import GongkaiClient
import XCTest

/// Tests that each need a daemon of their own: started on a fresh state directory with a
/// connection open before each test; after it, stopped with SIGTERM (which must exit 0) and
/// its files removed.
class DaemonTestCase: XCTestCase {
    var daemon: DaemonProcess!
    var connection: LineConnection!

    /// The daemon's command-line arguments; a subclass overrides them.
    var daemonArguments: [String] { [] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        daemon = DaemonProcess(arguments: daemonArguments)
        try daemon.start()
        connection = try daemon.connect()
    }

    override func tearDown() {
        connection = nil
        if let daemon {
            XCTAssertEqual(daemon.stop(), 0, "gongkaid exits 0 on SIGTERM; log:\n\(daemon.log)")
            daemon.removeFiles()
        }
        super.tearDown()
    }
}
