import CLMDB
import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Starting and restarting: one daemon per state directory, format versions, map growth.
final class StartupTests: XCTestCase {
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

    /// Rewrites the format version the way a future gongkaid might have left it.
    static func setFormat(_ format: String, ledger: String) throws {
        var env: OpaquePointer?
        XCTAssertEqual(mdb_env_create(&env), 0)
        defer { mdb_env_close(env) }
        mdb_env_set_maxdbs(env, 8)
        XCTAssertEqual(mdb_env_open(env, ledger, 0, 0o600), 0)
        var txn: OpaquePointer?
        XCTAssertEqual(mdb_txn_begin(env, nil, 0, &txn), 0)
        var dbi: MDB_dbi = 0
        XCTAssertEqual(mdb_dbi_open(txn, "meta", 0, &dbi), 0)
        var key = Array("format".utf8), value = Array(format.utf8)
        let result = key.withUnsafeMutableBytes { k in
            value.withUnsafeMutableBytes { v in
                var keyValue = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                var dataValue = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                return mdb_put(txn, dbi, &keyValue, &dataValue, 0)
            }
        }
        XCTAssertEqual(result, 0)
        XCTAssertEqual(mdb_txn_commit(txn), 0)
    }
}
