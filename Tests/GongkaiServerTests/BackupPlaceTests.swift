@testable import GongkaiServer
import XCTest

/// BACKUP refuses the places a copy would be lost with what it copies or hidden from the
/// operator: the state directory, and a private /tmp of systemd's PrivateTmp=.
final class BackupPlaceTests: XCTestCase {
    /// A service's mount table under PrivateTmp= (abridged from a systemd 252 host).
    private let privateTmp = """
        25 1 254:1 / / ro,relatime shared:1 - ext4 /dev/vda1 rw
        26 25 254:1 /var/lib/gongkai /var/lib/gongkai rw,relatime shared:1 - ext4 /dev/vda1 rw
        27 25 254:1 /var/backups/gongkai /var/backups/gongkai rw,relatime shared:1 - ext4 /dev/vda1 rw
        40 25 254:1 /tmp/systemd-private-4f1c-gongkaid.service-AbCd/tmp /tmp rw,relatime shared:1 - ext4 /dev/vda1 rw
        41 25 254:1 /var/tmp/systemd-private-4f1c-gongkaid.service-EfGh/tmp /var/tmp rw,relatime shared:1 - ext4 /dev/vda1 rw
        """

    func testAPrivateTmpIsRefusedAndTheBackupDirectoryTaken() {
        let state = "/var/lib/gongkai"
        for hidden in ["/tmp/copy", "/tmp", "/var/tmp/b/c"] {
            let refusal = BackupPlace.refusal(directory: hidden, stateDirectory: state, mountInfo: privateTmp)
            XCTAssertTrue(refusal?.contains("PrivateTmp=") ?? false, "\(hidden): \(refusal ?? "taken")")
        }
        XCTAssertNil(BackupPlace.refusal(directory: "/var/backups/gongkai/2024-05-01", stateDirectory: state, mountInfo: privateTmp))
        XCTAssertNil(BackupPlace.refusal(directory: "/tmpfoo/copy", stateDirectory: state, mountInfo: privateTmp),
                     "a prefix of the name is not the mount point")
        XCTAssertNil(BackupPlace.refusal(directory: "/tmp/copy", stateDirectory: state,
                                         mountInfo: "25 1 254:1 / / rw - ext4 /dev/vda1 rw\n30 25 0:40 / /tmp rw - tmpfs tmpfs rw"),
                     "a shared /tmp is the operator's to choose")
    }

    func testTheStateDirectoryAndBelowAreRefused() {
        for inside in ["/var/lib/gongkai", "/var/lib/gongkai/ledger", "/var/lib/gongkai/b"] {
            XCTAssertTrue(BackupPlace.refusal(directory: inside, stateDirectory: "/var/lib/gongkai", mountInfo: "")?
                .contains("inside the state directory") ?? false, inside)
        }
        XCTAssertNil(BackupPlace.refusal(directory: "/var/lib/gongkai-backups", stateDirectory: "/var/lib/gongkai", mountInfo: ""))
    }

    func testAPathWhoseLastPartDoesNotExistYetIsResolvedByItsParent() throws {
        let directory = NSTemporaryDirectory() + "backup-place-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: directory + "/real")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let real = try XCTUnwrap(BackupPlace.resolved(directory + "/real"))
        XCTAssertEqual(BackupPlace.resolved(directory + "/link/new"), real + "/new")
        XCTAssertNil(BackupPlace.resolved(directory + "/missing/new"))
    }
}
