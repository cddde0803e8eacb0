import Foundation
import GongkaiClient
import XCTest

/// The real `gongkaid` binary, started on a temporary state directory and spoken to over
/// its real socket. Every integration test goes through this.
final class DaemonProcess {
    let stateDirectory: String
    let socketPath: String
    let logPath: String
    private(set) var process: Process?
    private let extraArguments: [String]
    /// Extra environment for the daemon (e.g. NOTIFY_SOCKET).
    var environment: [String: String] = [:]

    /// The daemon in the build's products folder, where the test bundle also sits.
    static var binary: String {
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
            ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("gongkaid").path
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory(_ name: String = "gongkai-test") -> String {
        let path = NSTemporaryDirectory() + "\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    init(stateDirectory: String? = nil, arguments: [String] = []) {
        let directory = stateDirectory ?? Self.temporaryDirectory()
        self.stateDirectory = directory
        self.socketPath = directory + "/gongkai.sock"
        self.logPath = directory + "/gongkaid.log"
        self.extraArguments = arguments
    }

    /// Starts the daemon and waits until it answers PING.
    func start(file: StaticString = #filePath, line: UInt = #line) throws {
        let process = try launch()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let connection = try? LineConnection(path: socketPath),
               (try? connection.request("PING")) == .ok(#"{"pong":true}"#) {
                return
            }
            if !process.isRunning {
                XCTFail("gongkaid exited with \(process.terminationStatus) at start: \(log)", file: file, line: line)
                throw DaemonError.didNotStart(log)
            }
            usleep(20_000)
        }
        throw DaemonError.didNotStart(log)
    }

    /// Starts the daemon and returns at once, without waiting for it to serve.
    func launchWithoutWaiting() throws -> Process { try launch() }

    /// Starts the daemon expecting it to refuse; returns its exit status and log. A daemon
    /// still running after 60 s did not refuse: it is stopped and that is a test failure.
    func startExpectingFailure() throws -> (status: Int32, log: String) {
        let process = try launch()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            self.process = nil
            throw TestFailure("the daemon started instead of refusing; its log: \(log.suffix(2_000))")
        }
        process.waitUntilExit()
        self.process = nil
        return (process.terminationStatus, log)
    }

    private func launch() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--state-directory", stateDirectory, "--socket", socketPath] + extraArguments
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logHandle.seekToEndOfFile()
        process.standardError = logHandle
        process.standardOutput = logHandle
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        // The daemon runs as built, with no preloaded allocator (StartupTests checks its link).
        environment.removeValue(forKey: "LD_PRELOAD")
        environment.merge(self.environment) { _, mine in mine }
        process.environment = environment
        try process.run()
        self.process = process
        return process
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func connect() throws -> LineConnection {
        let connection = try LineConnection(path: socketPath)
        connection.setReadTimeout(seconds: 60)
        return connection
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard let process else { return 0 }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// The daemon's resident memory (VmRSS), or nil when it is not running.
    var residentBytes: Int? {
        guard let process, let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// SIGKILL: no chance to clean up, as in a power cut of the process.
    func kill9() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    enum DaemonError: Error { case didNotStart(String) }
}
