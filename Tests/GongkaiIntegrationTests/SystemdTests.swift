import Foundation
import GongkaiClient
import XCTest

/// Deployment under systemd, without systemd as PID 1: socket activation through
/// `systemd-socket-activate`, the watchdog pings, and the unit files checked by
/// `systemd-analyze` (verify, and the offline security exposure score).
final class SystemdTests: XCTestCase {
    typealias NotifyListener = SystemdNotifyTests.NotifyListener

    /// The repository's `systemd/` folder.
    static let unitDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd").path

    /// `name` on PATH (or the usual system folders); skips the test when it is missing.
    func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("\(name) is not installed")
    }

    /// Runs a tool to its end; its exit status and its output and errors together.
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ToolProcess.run(executable, arguments)
    }

    /// gongkaid started by `systemd-socket-activate`, which binds the socket(s), waits for a
    /// first connection and execs the daemon with LISTEN_FDS/LISTEN_PID (same pid).
    final class ActivatedDaemon {
        let directory = DaemonProcess.temporaryDirectory("activate")
        var socketPath: String { directory + "/gongkai.sock" }
        var notifyPath: String { directory + "/notify.sock" }
        var stateDirectory: String { directory + "/state" }
        var logPath: String { directory + "/gongkaid.log" }
        let process = Process()

        init(activator: String, environment extra: [String] = [], extraSockets: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: activator)
            process.arguments = (["-l", socketPath] + extraSockets.flatMap { ["-l", $0] }
                + (["NOTIFY_SOCKET=\(notifyPath)"] + extra).flatMap { ["-E", $0] }
                + [DaemonProcess.binary, "--state-directory", stateDirectory])
            var environment = ProcessInfo.processInfo.environment
            for name in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID"] {
                environment.removeValue(forKey: name)
            }
            process.environment = environment
            FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
        }

        func start() throws {
            try process.run()
            // systemd-socket-activate creates the socket, then waits for a first connection.
            let deadline = Date().addingTimeInterval(10)
            while !FileManager.default.fileExists(atPath: socketPath) && Date() < deadline { usleep(10_000) }
        }

        /// The first connection starts gongkaid; PING answers once it serves.
        func connect() throws -> LineConnection {
            let connection = try LineConnection(path: socketPath)
            connection.setReadTimeout(seconds: 60)
            return connection
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func stop() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// With standard error the journal stream systemd names, each line starts with its syslog
    /// priority (`<5>` notice, `<3>` error), so `journalctl -p err` sees the daemon's errors.
    func testLinesCarryTheirPriorityWhenStandardErrorIsTheJournal() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: daemon.logPath, contents: nil))
        var info = stat()
        XCTAssertEqual(stat(daemon.logPath, &info), 0)
        daemon.environment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        try daemon.start()
        XCTAssertEqual(daemon.stop(), 0)
        let lines = daemon.log.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty)
        XCTAssertTrue(lines.allSatisfy { $0.range(of: #"^<[2-7]>"#, options: .regularExpression) != nil }, daemon.log)
        XCTAssertTrue(lines.contains { $0.hasPrefix("<5>notice gongkaid") }, daemon.log)

        // Not the journal (another stream named): plain lines, as before.
        let plain = DaemonProcess()
        plain.environment["JOURNAL_STREAM"] = "1:1"
        defer { plain.stop(); plain.removeFiles() }
        try plain.start()
        XCTAssertEqual(plain.stop(), 0)
        XCTAssertFalse(plain.log.hasPrefix("<"), plain.log)
    }

    func testServesTheSocketSystemdPasses() throws {
        let daemon = try ActivatedDaemon(activator: try tool("systemd-socket-activate"))
        let listener = try NotifyListener(name: daemon.notifyPath)
        try daemon.start()
        let modeBefore = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: daemon.socketPath)[.posixPermissions] as? Int)
        let connection = try daemon.connect()
        XCTAssertEqual(try connection.request("PING"), .ok(#"{"pong":true}"#), daemon.log)
        let ready = listener.waitFor("READY=1")
        XCTAssertTrue(ready.last?.contains("READY=1") ?? false, "READY=1 arrives: \(ready)")
        XCTAssertEqual(try daemon.connect().request("PING"), .ok(#"{"pong":true}"#), "a second connection is served too")
        XCTAssertTrue(daemon.log.contains("fd 3 from systemd"), daemon.log)
        XCTAssertEqual(daemon.stop(), 0, daemon.log)
        let stopping = listener.waitFor("STOPPING=1")
        XCTAssertTrue(stopping.last?.contains("STOPPING=1") ?? false, "STOPPING=1 arrives: \(stopping)")
        // The socket is systemd-socket-activate's: gongkaid neither re-created, chmod-ed nor removed it.
        let modeAfter = (try? FileManager.default.attributesOfItem(atPath: daemon.socketPath))?[.posixPermissions] as? Int
        XCTAssertEqual(modeAfter, modeBefore, "the socket file stays as the activator made it")
        XCTAssertNotEqual(modeAfter, 0o660, "gongkaid did not chmod the inherited socket")
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/gongkai.sock"), "no socket of its own")
    }

    func testRefusesMoreThanOneSocket() throws {
        let directory = DaemonProcess.temporaryDirectory("activate-two")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try ActivatedDaemon(activator: try tool("systemd-socket-activate"), extraSockets: [directory + "/second.sock"])
        try daemon.start()
        _ = try? LineConnection(path: daemon.socketPath)
        daemon.process.waitUntilExit()
        XCTAssertEqual(daemon.process.terminationStatus, 1, daemon.log)
        XCTAssertTrue(daemon.log.contains("passed 2 sockets"), daemon.log)
    }

    func testWatchdogPingsFromTheWriter() throws {
        let daemon = try ActivatedDaemon(activator: try tool("systemd-socket-activate"), environment: ["WATCHDOG_USEC=200000"])
        let listener = try NotifyListener(name: daemon.notifyPath)
        try daemon.start()
        XCTAssertEqual(try daemon.connect().request("PING"), .ok(#"{"pong":true}"#), daemon.log)
        _ = listener.waitFor("READY=1")
        // Idle: the writer wakes every 100 ms to ping; over ~1 s expect several pings.
        var pings = 0
        let deadline = Date().addingTimeInterval(1.2)
        while Date() < deadline, let message = listener.receive() {
            if message.split(separator: "\n").contains("WATCHDOG=1") { pings += 1 }
        }
        XCTAssertGreaterThanOrEqual(pings, 5, "WATCHDOG=1 keeps arriving while the writer is alive")
        XCTAssertEqual(daemon.stop(), 0, daemon.log)
    }

    /// The units with ExecStart= pointing at the built daemon, in a fresh folder.
    func unitCopies() throws -> String {
        let directory = DaemonProcess.temporaryDirectory("units")
        for name in ["gongkaid.service", "gongkaid.socket"] {
            var text = try String(contentsOfFile: Self.unitDirectory + "/" + name, encoding: .utf8)
            text = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("ExecStart=") ? "ExecStart=\(DaemonProcess.binary)" : String(line)
            }.joined(separator: "\n")
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return directory
    }

    func testUnitFilesVerify() throws {
        let analyze = try tool("systemd-analyze")
        let directory = try unitCopies()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try run(analyze, ["verify", directory + "/gongkaid.socket", directory + "/gongkaid.service"])
        // Only a missing gongkai user/group would be acceptable noise on a machine without it.
        let complaints = output.split(separator: "\n").filter { line in
            !(line.contains("gongkai") && line.localizedCaseInsensitiveContains("not found") && (line.contains("User") || line.contains("Group")))
        }
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(complaints, [], output)
    }

    /// A start refused for a cause the operator mends (a full disk, an unreadable access
    /// file) must keep being retried: systemd gives up, and takes the socket down, after
    /// StartLimitBurst starts (default 5) within StartLimitIntervalSec (default 10 s).
    func testRestartsAreSpacedPastTheStartLimit() throws {
        let text = try String(contentsOfFile: Self.unitDirectory + "/gongkaid.service", encoding: .utf8)
        func seconds(_ key: String, default value: Double) -> Double {
            guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix(key + "=") }) else { return value }
            let setting = line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
            return setting.hasSuffix("ms") ? Double(setting.dropLast(2))! / 1000
                : Double(setting.hasSuffix("s") ? String(setting.dropLast()) : setting)!
        }
        let burst = seconds("StartLimitBurst", default: 5)
        let interval = seconds("StartLimitIntervalSec", default: 10)
        let spacing = seconds("RestartSec", default: 0.1)
        XCTAssertTrue(text.contains("Restart=on-failure"))
        XCTAssertGreaterThan((burst - 1) * spacing, interval, "\(Int(burst)) restarts \(spacing) s apart fit in \(interval) s: systemd would give up")
    }

    func testSecurityExposureIsOKOrBetter() throws {
        let analyze = try tool("systemd-analyze")
        let directory = try unitCopies()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (_, output) = try run(analyze, ["security", "--offline=yes", directory + "/gongkaid.service"])
        let pattern = try NSRegularExpression(pattern: #"Overall exposure level for gongkaid\.service: ([0-9]+\.[0-9]+) (\S+)"#)
        let match = try XCTUnwrap(pattern.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)), output)
        let score = try XCTUnwrap(Double(output[Range(match.range(at: 1), in: output)!]))
        let rating = String(output[Range(match.range(at: 2), in: output)!])
        print("systemd-analyze security --offline=yes gongkaid.service: exposure \(score) \(rating)")
        XCTAssertLessThanOrEqual(score, 4.9, "exposure must rate OK or better:\n\(output)")
    }
}
