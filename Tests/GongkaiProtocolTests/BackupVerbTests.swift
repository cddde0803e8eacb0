import GongkaiProtocol
import XCTest

/// BACKUP request lines: one absolute directory without whitespace or . / .. components.
final class BackupVerbTests: XCTestCase {
    func testBackupParses() {
        assertRequest("BACKUP /srv/backups/gongkai-1", .backup(directory: "/srv/backups/gongkai-1"))
        assertRequest("backup  /srv//backups/x/", .backup(directory: "/srv/backups/x"))
        assertRequest("BACKUP /备份/二〇二四", .backup(directory: "/备份/二〇二四"))
        XCTAssertTrue(Request.verbs.contains("BACKUP"))
    }

    func testBadBackupLinesAreBadRequests() {
        assertRefused("BACKUP", .badRequest, "usage: BACKUP <absolute directory>")
        assertRefused("BACKUP /a /b", .badRequest, "usage: BACKUP <absolute directory>")
        assertRefused("BACKUP relative/dir", .badRequest, "BACKUP needs an absolute directory, got \"relative/dir\"")
        assertRefused("BACKUP ./x", .badRequest)
        assertRefused("BACKUP /a\tb", .badRequest, "the BACKUP directory must not contain whitespace")
        assertRefused("BACKUP /a\u{3000}b", .badRequest, "the BACKUP directory must not contain whitespace")
        assertRefused("BACKUP /", .badRequest)
        assertRefused("BACKUP /tmp/../etc", .badRequest)
        assertRefused("BACKUP /tmp/./x", .badRequest)
    }
}
