import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Access control with real, different uids: test users are created if missing and the
/// `gongkai` client runs as each of them through `runuser`.
final class AccessTests: XCTestCase {
    private static let office = "gkt-czj"
    private static let auditor = "gkt-audit"
    private static let stranger = "gkt-stranger"
    private static let auditGroup = "gkt-auditors"
    private static let officeGroup = "gkt-offices"

    private var daemon: DaemonProcess!
    private var accessPath: String!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("access tests create users and switch uids: they need root") }
        try Self.ensureUsers()
        daemon = DaemonProcess(arguments: [])
        accessPath = daemon.stateDirectory + "/rules.json"
        try write(Self.rules(withOffice: true))
        daemon = DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: ["--access", accessPath])
        try daemon.start()
        // The test users must reach the socket.
        chmod(daemon.stateDirectory, 0o755)
        chmod(daemon.socketPath, 0o666)
    }

    override func tearDown() {
        daemon?.stop()
        daemon?.removeFiles()
    }

    func testEachRoleIsHeldToItsRights() throws {
        let officeUid = try Self.uid(of: Self.office)
        let sizeBefore = try headSize()

        // The office's own append is recorded with its principal and uid.
        let own = try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-own"))
        XCTAssertEqual(own.status, 0, own.output)
        let record = try daemon.connect().request("GET \(sizeBefore + 1)")
        guard case .ok(let json) = record else { return XCTFail("GET: \(record)") }
        XCTAssertEqual(try JSONParser.parse(json)["by"]?.stringValue, "office:czj/uid:\(officeUid)")

        // Another unit, even through its Chinese name or a valid event: denied.
        let other = try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-other", unit: "dongshan"))
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.output.contains("denied"), other.output)
        let notice = try run(as: Self.office, "APPEND", #"{"id":"acc-notice","type":"notice.issued","unit":"czj","at":"2023-05-06","level":"county","reason":"test"}"#)
        XCTAssertTrue(notice.output.contains("denied"), notice.output)

        // The auditor (by a supplementary group) reads but may not append.
        let audit = try run(as: Self.auditor, "APPEND", LedgerFixtures.event(id: "acc-audit"))
        XCTAssertTrue(audit.output.contains("denied"), audit.output)
        let auditRead = try run(as: Self.auditor, "GET", "1")
        XCTAssertEqual(auditRead.status, 0, auditRead.output)
        let auditWho = try run(as: Self.auditor, "WHOAMI")
        XCTAssertTrue(auditWho.output.contains("auditor"), auditWho.output)

        // A uid the file does not name: PING yes, GET no.
        let strangerGet = try run(as: Self.stranger, "GET", "1")
        XCTAssertNotEqual(strangerGet.status, 0)
        XCTAssertTrue(strangerGet.output.contains("denied"), strangerGet.output)
        let strangerPing = try run(as: Self.stranger, "PING")
        XCTAssertEqual(strangerPing.status, 0, strangerPing.output)
        XCTAssertTrue(strangerPing.output.contains("pong"), strangerPing.output)

        // Re-sending another unit's event word for word is denied too, not answered with
        // that unit's receipt as a duplicate.
        let dongshan = LedgerFixtures.event(id: "acc-dongshan", unit: "dongshan")
        XCTAssertTrue(try daemon.connect().readLineAfter("APPEND " + dongshan).hasPrefix("OK "), "the admin may")
        let repeated = try run(as: Self.office, "APPEND", dongshan)
        XCTAssertNotEqual(repeated.status, 0)
        XCTAssertTrue(repeated.output.contains("denied"), repeated.output)

        // Denials wrote nothing.
        XCTAssertEqual(try headSize(), sizeBefore + 2)
    }

    func testSighupKeepsOldRulesOnABrokenFileAndAppliesAFixedOne() throws {
        try write(#"{"principals":[{"principal":"office:czj","users":["gkt-no-such-user"]}]}"#)
        try reload(waitingFor: "keeping the old rules")
        XCTAssertTrue(daemon.log.contains("gkt-no-such-user"), daemon.log)
        let still = try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-after-broken"))
        XCTAssertEqual(still.status, 0, still.output)

        try write(Self.rules(withOffice: false))
        try reload(waitingFor: "access rules reloaded")
        let denied = try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-after-fixed"))
        XCTAssertNotEqual(denied.status, 0)
        XCTAssertTrue(denied.output.contains("denied"), denied.output)
    }

    /// The default access file (no --access) removed and SIGHUP: the old rules stay. Falling
    /// back to the no-file default would leave only the daemon's own uid known, and lock
    /// every clerk out (an operator's test).
    func testSighupKeepsOldRulesWhenTheDefaultFileIsGone() throws {
        daemon.stop()
        accessPath = daemon.stateDirectory + "/access.json"
        try write(Self.rules(withOffice: true))
        daemon = DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: [])
        try daemon.start()
        chmod(daemon.socketPath, 0o666)
        XCTAssertEqual(try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-default-file")).status, 0)
        try FileManager.default.removeItem(atPath: accessPath)
        try reload(waitingFor: "keeping the old rules")
        XCTAssertTrue(daemon.log.contains("access.json does not exist"), daemon.log)
        let still = try run(as: Self.office, "APPEND", LedgerFixtures.event(id: "acc-file-gone"))
        XCTAssertEqual(still.status, 0, still.output)
    }

    /// A reload applies to open connections, and that includes a change of groups: a clerk
    /// removed from the group that made them an office loses the office on the connection
    /// they hold open (the groups were once looked up only when it opened). The records it
    /// appends name the principal in force at each append (the connection keeps the text).
    func testSighupLooksGroupsUpAgainForOpenConnections() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("needs /usr/bin/python3 for a client that stays open") }
        if getgrnam(Self.officeGroup) == nil { _ = try Self.command("/usr/sbin/groupadd", ["--system", Self.officeGroup]) }
        _ = try Self.command("/usr/sbin/usermod", ["-a", "-G", Self.officeGroup, Self.office])
        defer { _ = try? Self.command("/usr/bin/gpasswd", ["-d", Self.office, Self.officeGroup]) }
        try write(#"{"principals":[{"principal":"admin","users":[0]},{"principal":"office:czj","groups":["\#(Self.officeGroup)"]}]}"#)
        try reload(waitingFor: "access rules reloaded")

        // One connection, held open by a client running as the clerk: a line in, an answer out.
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); f = s.makefile("rb")
            for line in sys.stdin:
                s.sendall(line.encode()); sys.stdout.write(f.readline().decode()); sys.stdout.flush()
            """
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        client.arguments = ["-u", Self.office, "--", "/usr/bin/python3", "-c", script, daemon.socketPath]
        let input = Pipe(), output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        try client.run()
        defer { try? input.fileHandleForWriting.close(); client.waitUntilExit() }
        var answers = LineReader(output.fileHandleForReading)
        func ask(_ line: String) throws -> String {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            guard let answer = answers.next() else { throw TestFailure("the held connection ended") }
            return answer
        }
        XCTAssertTrue(try ask("WHOAMI").contains(#""principal":"office:czj""#))
        // Records name the principal in force when each was appended, on the same connection.
        let officeUid = try Self.uid(of: Self.office)
        let asOffice = try ask("APPEND " + LedgerFixtures.event(id: "acc-held-office"))
        XCTAssertTrue(asOffice.hasPrefix("OK"), asOffice)
        try write(#"{"principals":[{"principal":"admin","users":[0]},{"principal":"admin","groups":["\#(Self.officeGroup)"]}]}"#)
        try reload(waitingFor: "access rules reloaded")
        XCTAssertTrue(try ask("WHOAMI").contains(#""principal":"admin""#))
        let asAdmin = try ask("APPEND " + LedgerFixtures.event(id: "acc-held-admin"))
        XCTAssertTrue(asAdmin.hasPrefix("OK"), asAdmin)
        let size = try headSize()
        for (seq, by) in [(size - 1, "office:czj/uid:\(officeUid)"), (size, "admin/uid:\(officeUid)")] {
            guard case .ok(let json) = try daemon.connect().request("GET \(seq)") else { return XCTFail("GET \(seq)") }
            XCTAssertEqual(try JSONParser.parse(json)["by"]?.stringValue, by)
        }

        _ = try Self.command("/usr/bin/gpasswd", ["-d", Self.office, Self.officeGroup])
        try reload(waitingFor: "access rules reloaded")
        XCTAssertTrue(try ask("WHOAMI").contains(#""principal":null"#), "the open connection lost the office")
        XCTAssertTrue(try ask("APPEND " + LedgerFixtures.event(id: "acc-after-removal")).hasPrefix("ERR denied"))
    }

    // MARK: Helpers

    /// Lines from a pipe, read a byte at a time (the answers are short).
    private struct LineReader {
        let handle: FileHandle
        init(_ handle: FileHandle) { self.handle = handle }
        mutating func next() -> String? {
            var bytes: [UInt8] = []
            while true {
                let byte = handle.readData(ofLength: 1)
                guard let first = byte.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
                if first == 0x0A { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(first)
            }
        }
    }

    private static func rules(withOffice: Bool) -> String {
        let office = withOffice ? #"{"principal":"office:czj","users":["\#(Self.office)"]},"# : ""
        return #"{"principals":[{"principal":"admin","users":[0]},\#(office){"principal":"auditor","groups":["\#(auditGroup)"]}]}"#
    }

    private func write(_ text: String) throws {
        try text.write(toFile: accessPath, atomically: true, encoding: .utf8)
    }

    private func reload(waitingFor message: String) throws {
        let before = daemon.log.components(separatedBy: message).count
        kill(daemon.process!.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while daemon.log.components(separatedBy: message).count == before {
            guard Date() < deadline else { return XCTFail("no \"\(message)\" in the log: \(daemon.log)") }
            usleep(20_000)
        }
    }

    private func headSize() throws -> Int {
        guard case .ok(let json) = try daemon.connect().request("HEAD") else { throw TestFailure("HEAD failed") }
        return Int(try JSONParser.parse(json)["size"]!.integerValue!)
    }

    /// Runs `gongkai request WORDS…` as `user`; returns its exit status and stdout+stderr.
    private func run(as user: String, _ words: String...) throws -> (status: Int32, output: String) {
        let client = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
        return try Self.command("/usr/sbin/runuser", ["-u", user, "--", client, "request"] + words + ["--socket", daemon.socketPath])
    }

    private static func command(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ToolProcess.run(path, arguments)
    }

    private static func uid(of user: String) throws -> UInt32 {
        guard let entry = getpwnam(user) else { throw TestFailure("no user \(user)") }
        return entry.pointee.pw_uid
    }

    private static func ensureUsers() throws {
        if getgrnam(auditGroup) == nil { _ = try command("/usr/sbin/groupadd", ["--system", auditGroup]) }
        for user in [office, auditor, stranger] where getpwnam(user) == nil {
            _ = try command("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user])
        }
        // The auditor is one through a supplementary group, not its own gid.
        _ = try command("/usr/sbin/usermod", ["-a", "-G", auditGroup, auditor])
        for user in [office, auditor, stranger] where getpwnam(user) == nil { throw TestFailure("cannot create user \(user)") }
    }
}
