import Foundation
import GongkaiClient
import GongkaiDomain
import GongkaiJSON
import XCTest

/// Rules are data: another catalog at start-up, and a later catalog.adopted replacing the
/// rules from its record on while known= still answers with the old ones.
final class CatalogAdoptionTests: XCTestCase {
    /// The seed catalog turned into a 2024 table without T02.
    static func catalog2024() throws -> JSONValue {
        guard case .object(var document) = try JSONParser.parse(BundledDocuments.catalog),
              case .array(let obligations) = document["obligations"]! else { throw TestFailure("seed catalog") }
        document["catalog"] = "test-2024"
        document["year"] = 2024
        document["obligations"] = .array(obligations.filter { $0["id"]?.stringValue != "T02" })
        return .object(document)
    }

    func testCatalogFileIsAdoptedOnAnEmptyLogAndOnlyWhenItChanges() throws {
        let directory = DaemonProcess.temporaryDirectory()
        let file = directory + "/catalog-2024.json"
        try Data(CanonicalJSON.encode(try Self.catalog2024())).write(to: URL(fileURLWithPath: file))
        let daemon = DaemonProcess(stateDirectory: directory + "/var", arguments: ["--catalog", file])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try daemon.start()
        var connection = try daemon.connect()
        let catalog = try LedgerFixtures.okJSON(try connection.readLineAfter("CATALOG"))
        XCTAssertEqual(catalog["catalog"]?["catalog"]?.stringValue, "test-2024")
        XCTAssertEqual(catalog["seq"]?.integerValue, 1)
        let head = try connection.readLineAfter("HEAD")
        XCTAssertEqual(daemon.stop(), 0)

        // The same file again adopts nothing; the bundled seed is not adopted over it either.
        try daemon.start()
        connection = try daemon.connect()
        XCTAssertEqual(try connection.readLineAfter("HEAD"), head)
        XCTAssertEqual(daemon.stop(), 0)

        // A daemon started with a different catalog adopts it as a new record.
        let other = directory + "/catalog-2025.json"
        guard case .object(var document) = try Self.catalog2024() else { return }
        document["catalog"] = "test-2025"
        document["year"] = 2025
        try Data(CanonicalJSON.encode(.object(document))).write(to: URL(fileURLWithPath: other))
        let again = DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: ["--catalog", other])
        try again.start()
        let adopted = try LedgerFixtures.okJSON(try again.connect().readLineAfter("CATALOG"))
        XCTAssertEqual(adopted["catalog"]?["catalog"]?.stringValue, "test-2025")
        XCTAssertGreaterThan(adopted["seq"]!.integerValue!, 5)
        XCTAssertEqual(again.stop(), 0)

        // A broken catalog file stops the daemon with a clear message.
        let broken = directory + "/broken.json"
        try Data("{\"catalog\":".utf8).write(to: URL(fileURLWithPath: broken))
        let (status, log) = try DaemonProcess(stateDirectory: daemon.stateDirectory, arguments: ["--catalog", broken]).startExpectingFailure()
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(log.contains("is not valid JSON"), log)
    }

    func testLaterCatalogReplacesTheRulesFromItsRecordOn() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let t02: JSONValue = ["id": "t02-2023", "type": "publication.recorded", "unit": "fgw", "obligation": "T02", "title": "数字经济", "at": "2023-05-10"]
        _ = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(t02)))
        let before = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue!
        let oldAnswer = try connection.readLineAfter("COMPLIANCE fgw asof=2023-06-30")

        let adoption: JSONValue = ["id": "catalog-2024", "type": "catalog.adopted", "catalog": try Self.catalog2024()]
        _ = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(adoption)))
        let refused = try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(
            ["id": "t02-2024", "type": "publication.recorded", "unit": "fgw", "obligation": "T02", "title": "数字经济", "at": "2024-05-10"]))
        XCTAssertTrue(refused.hasPrefix("ERR invalid-event obligation: unknown obligation T02"), refused)
        XCTAssertFalse(refused.contains("did you mean"), "nothing near enough: \(refused)")

        let now = try LedgerFixtures.okJSON(try connection.readLineAfter("COMPLIANCE fgw asof=2024-06-30"))
        XCTAssertFalse(now["obligations"]!.arrayValue!.contains { $0["id"]?.stringValue == "T02" })
        XCTAssertEqual(now["catalog"]?.stringValue, "test-2024")
        XCTAssertTrue(now["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == "T01" }!["periods"]!.arrayValue!.first!["period"]?.stringValue == "2024-01")
        XCTAssertEqual(try connection.readLineAfter("COMPLIANCE fgw asof=2023-06-30 known=\(before)"), oldAnswer,
                       "what the ledger said under the old rules is still what it says with known=")
    }
}
