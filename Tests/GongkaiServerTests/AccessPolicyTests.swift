import GongkaiProtocol
@testable import GongkaiServer
import XCTest

final class AccessPolicyTests: XCTestCase {
    private let resolver = AccessFile.NameResolver(
        user: { ["zfb-clerk": 2000, "czj-clerk": 2001][$0] },
        group: { ["czj-office": 3001, "gongkai-audit": 3002][$0] })

    private let pinned = #"{"principals":[{"principal":"supervisor","users":["zfb-clerk"]},{"principal":"office:czj","users":["czj-clerk",1001],"groups":["czj-office"]},{"principal":"auditor","groups":["gongkai-audit"]}]}"#

    private func parse(_ text: String) throws -> AccessPolicy {
        try AccessFile.parse(Array(text.utf8), resolver: resolver)
    }

    private func assertRefused(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func testParsesThePinnedExample() throws {
        let policy = try parse(pinned)
        XCTAssertEqual(policy.rules, [
            AccessRule(principal: .supervisor, uids: [2000]),
            AccessRule(principal: .office("czj"), uids: [2001, 1001], gids: [3001]),
            AccessRule(principal: .auditor, gids: [3002]),
        ])
    }

    /// The refusal says why and how the daemon expects to read the file.
    func testAnUnreadableFileIsRefusedWithItsReasonAndTheInstallCommand() {
        XCTAssertThrowsError(try AccessFile.load(path: "/nonexistent/gongkai/access.json", resolver: resolver)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot read access file /nonexistent/gongkai/access.json: No such file or directory"), text)
            XCTAssertTrue(text.contains("install -m 0640 -o root -g gongkai"), text)
        }
    }

    func testRefusesUnknownNamesPrincipalsAndShapes() {
        assertRefused(#"{"principals":[{"principal":"office:czj","users":["nobody-here"]}]}"#, #"unknown user "nobody-here""#)
        assertRefused(#"{"principals":[{"principal":"auditor","groups":["no-group"]}]}"#, #"unknown group "no-group""#)
        assertRefused(#"{"principals":[{"principal":"root","users":[0]}]}"#, #"unknown principal "root""#)
        assertRefused(#"{"principals":[{"principal":"office:","users":[0]}]}"#, "unknown principal")
        assertRefused(#"{"principals":[{"principal":"office:a/b","users":[0]}]}"#, "unknown principal")
        assertRefused(#"{"principals":[{"principal":"admin","users":[-1]}]}"#, "name or a number")
        assertRefused(#"{"principals":[{"principal":"admin","users":[1.5]}]}"#, "name or a number")
        assertRefused(#"{"principals":[{"principal":"admin","user":[0]}]}"#, #"unknown field "user""#)
        assertRefused(#"{"principal":[]}"#, "unknown field")
        assertRefused(#"{"principals":{}}"#, "must be an array")
        assertRefused(#"{"principals":["#, "not JSON")
    }

    func testUsersWinBeforeGroupsAndGroupsMatchGidOrSupplementary() throws {
        let policy = try parse(pinned)
        // Named in users: wins even though a group of the auditor matches too.
        XCTAssertEqual(policy.principal(uid: 1001, gid: 3002) { [3002] }, .office("czj"))
        XCTAssertEqual(policy.principal(uid: 2000, gid: 3001) { [3001] }, .supervisor)
        // Primary gid.
        XCTAssertEqual(policy.principal(uid: 5000, gid: 3002) { [] }, .auditor)
        // Supplementary group; the first matching rule wins.
        XCTAssertEqual(policy.principal(uid: 5000, gid: 100) { [100, 3002] }, .auditor)
        XCTAssertEqual(policy.principal(uid: 5000, gid: 100) { [3002, 3001] }, .office("czj"))
        // Not named.
        XCTAssertNil(policy.principal(uid: 5000, gid: 100) { [100] })
    }

    func testDevDefaultKnowsOnlyTheOwner() {
        let policy = AccessPolicy.owner(uid: 42)
        XCTAssertEqual(policy.principal(uid: 42, gid: 42) { XCTFail("no groups needed"); return [] }, .admin)
        XCTAssertNil(policy.principal(uid: 43, gid: 42) { XCTFail("no groups needed"); return [] })
    }

    func testVerbs() {
        let reads = ["GET", "FIND", "READ", "TAIL", "HEAD", "STATS", "COMPLIANCE", "INQUIRIES", "ESCALATIONS", "BULLETIN",
                     "CATALOG", "UNITS", "PROOF", "VERIFY"]
        for verb in ["PING", "HELP", "WHOAMI"] {
            for principal: Principal? in [nil, .auditor, .office("czj"), .supervisor, .admin] {
                XCTAssertTrue(AccessPolicy.allows(principal, verb: verb))
            }
        }
        for verb in reads + ["APPEND", "BACKUP"] { XCTAssertFalse(AccessPolicy.allows(nil, verb: verb), verb) }
        for verb in reads {
            for principal: Principal in [.auditor, .office("czj"), .supervisor, .admin] {
                XCTAssertTrue(AccessPolicy.allows(principal, verb: verb), "\(principal) \(verb)")
            }
        }
        XCTAssertFalse(AccessPolicy.allows(.auditor, verb: "APPEND"))
        XCTAssertFalse(AccessPolicy.allows(.auditor, verb: "BACKUP"))
        XCTAssertTrue(AccessPolicy.allows(.office("czj"), verb: "APPEND"))
        XCTAssertTrue(AccessPolicy.allows(.supervisor, verb: "APPEND"))
        XCTAssertTrue(AccessPolicy.allows(.admin, verb: "BACKUP"))
        XCTAssertEqual(AccessPolicy.denial(nil, uid: 7, request: .get(seq: 1))?.code, .denied)
        XCTAssertEqual(AccessPolicy.denial(.auditor, uid: 7, request: .backup(directory: "/x")),
                       ProtocolError(.denied, "auditor may not BACKUP"))
        XCTAssertNil(AccessPolicy.denial(nil, uid: 7, request: .ping))
    }

    func testEventTypes() {
        for type in EventType.allCases {
            XCTAssertTrue(AccessPolicy.mayAppend(.admin, type: type))
            XCTAssertTrue(AccessPolicy.mayAppend(.supervisor, type: type))
            XCTAssertFalse(AccessPolicy.mayAppend(.auditor, type: type))
            let office = type == .publicationRecorded || type == .taskCompleted || type == .meetingHeld
                || type.rawValue.hasPrefix("inquiry.")
            XCTAssertEqual(AccessPolicy.mayAppend(.office("czj"), type: type), office, type.rawValue)
        }
    }

    func testByAndWhoamiScope() {
        XCTAssertEqual(Principal.office("czj").by(uid: 1001), "office:czj/uid:1001")
        XCTAssertEqual(Principal(by: "office:czj/uid:1001"), .office("czj"))
        XCTAssertEqual(Principal(by: "admin/uid:0"), .admin)
        XCTAssertNil(Principal(by: "system"))
        for text in ["admin", "admin/", "admin/uid", "admin/gid:0", "office:a/b/uid:1", "office:/uid:1", "/uid:1", "office:中 文/uid:1"] {
            XCTAssertNil(Principal(by: text), text)
        }
        XCTAssertEqual(Principal(by: "office:县政府办/uid:1001"), .office("县政府办"))
        XCTAssertEqual(Principal(by: "supervisor/uid:"), .supervisor, "the uid is not checked, only its marker")
        XCTAssertEqual(AccessPolicy.may(nil), ["HELP", "PING", "WHOAMI"])
        XCTAssertTrue(AccessPolicy.may(.office("czj")).contains("append:czj/inquiry.*"))
        XCTAssertFalse(AccessPolicy.may(.auditor).contains("APPEND"))
        XCTAssertTrue(AccessPolicy.may(.admin).contains("append:*"))
    }

    /// Group rules see the user's primary group even when the client runs under another gid
    /// (`sg`, a service's `Group=`), and the gid it connected with as well.
    func testUserGroupsHoldThePrimaryGroupAndThePeersGid() throws {
        guard let root = getpwuid(0) else { throw XCTSkip("no passwd entry for uid 0") }
        let groups = UserGroups.of(uid: 0, gid: 65_534)
        XCTAssertTrue(groups.contains(root.pointee.pw_gid), "\(groups)")
        XCTAssertTrue(groups.contains(65_534), "\(groups)")
    }
}
