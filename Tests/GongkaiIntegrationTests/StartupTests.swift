import CLMDB
import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Starting and restarting: one daemon per state directory, format versions, map growth.
final class StartupTests: XCTestCase {
    /// Root starting the daemon on the service's state directory would leave files the
    /// service cannot read: the start says so.
    func testRootOnAnotherUsersStateDirectoryIsWarnedAbout() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        XCTAssertEqual(chown(daemon.stateDirectory, 65_534, 65_534), 0)
        try daemon.start()
        XCTAssertTrue(daemon.log.contains("running as root on a state directory owned by uid 65534"), daemon.log)
    }

    /// A state directory that does not exist yet, with the socket in it (the defaults of
    /// `scripts/run`): the daemon makes the directory and serves.
    func testAStateDirectoryThatDoesNotExistYetIsMadeAndServed() throws {
        let parent = DaemonProcess()
        defer { parent.removeFiles() }
        let fresh = parent.stateDirectory + "/not/yet"
        let daemon = DaemonProcess(stateDirectory: parent.stateDirectory, arguments: ["--state-directory", fresh, "--socket", fresh + "/gongkai.sock"])
        let process = try daemon.launchWithoutWaiting()
        defer { process.terminate(); process.waitUntilExit() }
        var answer: String?
        let deadline = Date().addingTimeInterval(30)
        while answer == nil, Date() < deadline, process.isRunning {
            answer = try? LineConnection(path: fresh + "/gongkai.sock").readLineAfter("PING")
            if answer == nil { usleep(20_000) }
        }
        XCTAssertEqual(answer, #"OK {"pong":true}"#, daemon.log)
    }

    /// A socket path the daemon cannot bind is refused before the ledger is opened (folding a
    /// large one takes seconds), and the refusal names the path.
    func testAnUnbindableSocketPathIsRefusedFirstAndNamed() throws {
        let probe = DaemonProcess()
        defer { probe.removeFiles() }
        let long = probe.stateDirectory + "/" + String(repeating: "s", count: 120) + ".sock"
        let (status, log) = try DaemonProcess(stateDirectory: probe.stateDirectory, arguments: ["--socket", long]).startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("cannot listen on \(long): the path is \(long.utf8.count) bytes, and a Unix socket's may be at most 107"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: probe.stateDirectory + "/ledger"), "refused before the ledger was opened")
    }

    func testSecondDaemonOnTheSameStateDirectoryIsRefused() throws {
        let first = DaemonProcess()
        defer { first.stop(); first.removeFiles() }
        try first.start()
        let (status, log) = try DaemonProcess(stateDirectory: first.stateDirectory, arguments: ["--socket", first.stateDirectory + "/other.sock"])
            .startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("already running on state directory"), log)
        XCTAssertEqual(try first.connect().readLineAfter("PING"), #"OK {"pong":true}"#, "the first daemon still serves")
    }

    /// Package.swift links the daemon with jemalloc for its speed (BENCHMARKS.md); a build
    /// that lost the link setting would still run, only slower, so it is checked here.
    func testDaemonAllocatesWithJemalloc() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let maps = try String(contentsOfFile: "/proc/\(daemon.process!.processIdentifier)/maps", encoding: .utf8)
        XCTAssertTrue(maps.contains("libjemalloc.so"), "gongkaid does not map libjemalloc")
    }

    /// A SIGTERM as soon as the socket exists stops the daemon cleanly (exit 0): the stop
    /// signals are taken before the socket is bound (a test once stopped a daemon it had just
    /// PINGed, and it died by the signal's default action, exit status 15).
    func testAStopRightAfterTheSocketAppearsIsClean() throws {
        for _ in 0..<10 {
            let daemon = DaemonProcess()
            defer { daemon.removeFiles() }
            let process = try daemon.launchWithoutWaiting()
            let deadline = Date().addingTimeInterval(30)
            while !FileManager.default.fileExists(atPath: daemon.socketPath), process.isRunning, Date() < deadline { usleep(200) }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .exit, daemon.log)
            XCTAssertEqual(process.terminationStatus, 0, daemon.log)
        }
    }

    /// The writer gets a core of its own: by default one event loop per core but one (at
    /// least one); `--event-loops` sets the count within its bounds.
    func testEventLoopsLeaveTheWriterACore() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        // NIO may count fewer cores than Foundation (a cgroup CPU quota), never more.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let loops = try Self.eventLoopThreads(of: daemon)
        XCTAssertTrue(daemon.log.contains("event_loops=\(loops) "), daemon.log)
        XCTAssertGreaterThanOrEqual(loops, 1)
        XCTAssertLessThanOrEqual(loops, max(1, cores - 1), "the writer keeps a core of its own")
        daemon.stop()

        let three = DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: ["--event-loops", "3"])
        defer { three.stop() }
        try three.start()
        XCTAssertEqual(try Self.eventLoopThreads(of: three), 3)
        XCTAssertTrue(three.log.contains("event_loops=3"), three.log)
        XCTAssertEqual(try three.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
        three.stop()

        // A negative number is a value, not an unknown option ("Missing value").
        for wrong in ["0", "257", "-1", "-3"] {
            let refused = DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: ["--event-loops", wrong])
            let earlier = refused.log.count  // the state directory's log is shared: read only this run's lines
            let (status, log) = try refused.startExpectingFailure()
            XCTAssertEqual(status, 64, log)
            XCTAssertTrue(log.dropFirst(earlier).contains("--event-loops must be between 1 and 256"), "\(wrong): \(log.dropFirst(earlier))")
        }
    }

    /// Threads named by SwiftNIO's event loops (`NIO-ELT-…`) in the daemon's process.
    private static func eventLoopThreads(of daemon: DaemonProcess) throws -> Int {
        let tasks = "/proc/\(daemon.process!.processIdentifier)/task"
        return try FileManager.default.contentsOfDirectory(atPath: tasks).filter { task in
            (try? String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8))?.hasPrefix("NIO-ELT") == true
        }.count
    }

    func testSocketServedByAnotherDaemonIsNotStolen() throws {
        let first = DaemonProcess()
        defer { first.stop(); first.removeFiles() }
        try first.start()
        let otherState = DaemonProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: otherState) }
        let (status, log) = try DaemonProcess(stateDirectory: otherState, arguments: ["--socket", first.socketPath]).startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("is being served by another process"), log)
        XCTAssertEqual(try first.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
    }

    func testUnknownStorageFormatIsRefusedWithAClearMessage() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        _ = try daemon.connect().readLineAfter("APPEND " + LedgerFixtures.event(id: "fmt-1"))
        XCTAssertEqual(daemon.stop(), 0)
        try Self.setFormat("gongkai-ledger/99", ledger: daemon.stateDirectory + "/ledger")
        let (status, log) = try daemon.startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains(#"storage format "gongkai-ledger/99""#), log)
        XCTAssertTrue(log.contains(#"reads only "gongkai-ledger/2""#), log)
    }

    func testMapGrowsByItselfAndRecordsSurviveRestart() throws {
        let daemon = DaemonProcess(arguments: ["--initial-map-bytes", "1048576"])
        defer { daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let count = 15_000
        let answers = try LedgerFixtures.pipeline(connection, (0..<count).map { "APPEND " + LedgerFixtures.event(id: "grow-\($0)") })
        XCTAssertEqual(answers.filter { $0.hasPrefix("OK ") }.count, count, answers.first { !$0.hasPrefix("OK") } ?? "")
        let stats = try LedgerFixtures.okJSON(try connection.readLineAfter("STATS"))
        XCTAssertGreaterThan(stats["storage"]!["mapBytes"]!.integerValue!, 1_048_576, "the map grew")
        let head = try connection.readLineAfter("HEAD")
        XCTAssertEqual(daemon.stop(), 0)
        try daemon.start()
        XCTAssertEqual(try daemon.connect().readLineAfter("HEAD"), head, "the same head after restart")
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// A flipped bit in a stored Merkle peak (LMDB keeps no checksums) would give the daemon a
    /// second root for a size it had already signed. Start-up checks each peak against its
    /// children and refuses; the start after that rebuilds the index from the log, right root.
    func testADamagedStoredMerkleNodeIsRefusedThenRebuiltFromTheLog() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        XCTAssertTrue(try LedgerFixtures.pipeline(connection, (0..<40).map { "APPEND " + LedgerFixtures.event(id: "node-\($0)") })
            .allSatisfy { $0.hasPrefix("OK ") })
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        connection.close()
        XCTAssertEqual(daemon.stop(), 0)

        // The node over leaves 0...31: a peak of any tree of 32 to 63 records. Its key is the
        // big-endian index of its last leaf (from 0), then its level.
        try Self.flipFirstBit(database: "tree", key: withUnsafeBytes(of: UInt64(31).bigEndian) { Array($0) } + [5],
                              ledger: daemon.stateDirectory + "/ledger")
        let (status, log) = try daemon.startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("Merkle node at level 5 index 0"), log)
        XCTAssertTrue(log.contains("marked to be rebuilt from the log at the next start"), log)

        try daemon.start()
        let again = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))
        XCTAssertEqual(again["root"], head["root"])
        XCTAssertEqual(again["size"], head["size"])
        XCTAssertEqual(try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("VERIFY"))["ok"], .bool(true))
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// One byte of a record in a middle frame of the append log, changed while the daemon is
    /// stopped so that every length and the JSON stay whole: the projections are folded from
    /// the log, so the start stops there (answers would differ from the signed records), and
    /// every later start is refused too.
    func testAChangedByteInAMiddleFrameOfTheLogStopsTheStartForGood() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        for round in 0..<2 {  // two rounds, two frames at least: the open reads only the last one
            XCTAssertTrue(try LedgerFixtures.pipeline(connection, (0..<20).map { "APPEND " + LedgerFixtures.event(id: "mid-\(round)-\($0)") })
                .allSatisfy { $0.hasPrefix("OK ") })
        }
        connection.close()
        XCTAssertEqual(daemon.stop(), 0)

        let logPath = daemon.stateDirectory + "/ledger/append.log"
        var log = try Data(contentsOf: URL(fileURLWithPath: logPath))
        let target = try XCTUnwrap(log.range(of: Data(#""id":"mid-0-3""#.utf8)))
        log[target.upperBound - 2] = UInt8(ascii: "7")  // "mid-0-3" → "mid-0-7": still JSON, same length
        try log.write(to: URL(fileURLWithPath: logPath))

        let (status, firstLog) = try daemon.startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(firstLog.contains("fails its SHA-256"), firstLog)
        XCTAssertTrue(firstLog.contains("restore a backup"), firstLog)
        let (again, secondLog) = try daemon.startExpectingFailure()
        XCTAssertNotEqual(again, 0)
        XCTAssertTrue(secondLog.contains("an earlier start refused this ledger"), secondLog)
    }

    static func flipFirstBit(database: String, key: [UInt8], ledger: String) throws {
        try rewrite(database: database, key: key, ledger: ledger) { stored in
            guard var value = stored else { throw TestFailure("no node stored under that key") }
            value[0] ^= 1
            return value
        }
    }

    /// Rewrites the format version the way a future gongkaid might have left it.
    static func setFormat(_ format: String, ledger: String) throws {
        try rewrite(database: "meta", key: Array("format".utf8), ledger: ledger) { _ in Array(format.utf8) }
    }

    /// Replaces the value under `key` in one database of a stopped daemon's LMDB file with
    /// what `change` makes of the stored one (nil if none), in one transaction.
    static func rewrite(database: String, key: [UInt8], ledger: String, _ change: ([UInt8]?) throws -> [UInt8]) throws {
        var env: OpaquePointer?
        XCTAssertEqual(mdb_env_create(&env), 0)
        defer { mdb_env_close(env) }
        mdb_env_set_maxdbs(env, 8)
        XCTAssertEqual(mdb_env_open(env, ledger, 0, 0o600), 0)
        var txn: OpaquePointer?
        XCTAssertEqual(mdb_txn_begin(env, nil, 0, &txn), 0)
        var dbi: MDB_dbi = 0
        XCTAssertEqual(mdb_dbi_open(txn, database, 0, &dbi), 0)
        var key = key
        do {
            let result = try key.withUnsafeMutableBytes { k -> Int32 in
                var keyValue = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                var found = MDB_val()
                let stored = mdb_get(txn, dbi, &keyValue, &found) == 0
                    ? Array(UnsafeRawBufferPointer(start: found.mv_data, count: found.mv_size)) : nil
                var value = try change(stored)
                return value.withUnsafeMutableBytes { v in
                    var dataValue = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                    return mdb_put(txn, dbi, &keyValue, &dataValue, 0)
                }
            }
            XCTAssertEqual(result, 0)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        XCTAssertEqual(mdb_txn_commit(txn), 0)
    }
}
