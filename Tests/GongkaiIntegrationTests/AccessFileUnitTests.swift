import Foundation
import XCTest

/// An access file naming an office whose unit no catalog has (a typo) is accepted, as the
/// file itself cannot know the units, but the daemon says so at start and at each reload.
final class AccessFileUnitTests: XCTestCase {
    func testAnOfficeOfNoKnownUnitIsWarnedAbout() throws {
        let directory = DaemonProcess.temporaryDirectory()
        let rules = directory + "/rules.json"
        try #"{"principals":[{"principal":"admin","users":[\#(getuid())]},{"principal":"office:czjj","users":[4242424]},{"principal":"office:东山镇","users":[4242425]}]}"#
            .write(toFile: rules, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess(stateDirectory: directory, arguments: ["--access", rules])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        XCTAssertTrue(daemon.log.contains("principal office:czjj names no unit of any adopted catalog"), daemon.log)
        XCTAssertFalse(daemon.log.contains("office:东山镇 names no unit"), "a unit's Chinese name is a unit")
    }
}
