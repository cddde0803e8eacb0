import Foundation
import GongkaiDomain
import GongkaiJSON
import XCTest

/// The seed compiled into the daemon must be exactly the documents shipped in Schemas/.
final class BundledDocumentsTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testBundledDocumentsEqualTheShippedFiles() throws {
        let texts = [BundledDocuments.catalog] + BundledDocuments.calendars
        XCTAssertEqual(BundledDocuments.sources.count, texts.count)
        for (source, text) in zip(BundledDocuments.sources, texts) {
            let file = try String(contentsOf: Self.repository.appendingPathComponent(source), encoding: .utf8)
            XCTAssertEqual(try JSONParser.parse(file), try JSONParser.parse(text), "\(source) changed: run scripts/embed-seed")
        }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("Schemas/calendars").path)
            .filter { $0.hasSuffix(".json") }.map { "Schemas/calendars/" + $0 }.sorted()
        XCTAssertEqual(Array(BundledDocuments.sources.dropFirst()), shipped, "every shipped calendar is bundled")
    }

    func testBundledSeedDecodes() throws {
        let catalog = try Catalog(json: try JSONParser.parse(BundledDocuments.catalog))
        XCTAssertEqual(catalog.units.count, 37)
        XCTAssertEqual(catalog.groups["townships"]?.count, 14)
        XCTAssertEqual(catalog.groups["departments"]?.count, 23)
        XCTAssertEqual(catalog.obligations.count, 25)
        XCTAssertEqual(catalog.obligation("T13")?.units.sorted(), (["xzspj"] + catalog.groups["townships"]!).sorted())
        XCTAssertEqual(catalog.obligation("T07")?.units.sorted(), ["shexi", "zfb"])
        XCTAssertEqual(catalog.unitId(for: "县财政局"), "czj")
        XCTAssertEqual(catalog.escalationRules.map(\.id), ["E1", "E2"])
        guard case .reply(let limit, let simple, let extensionDays, let channels)? = catalog.obligation("T18b")?.rule else {
            return XCTFail("T18b is a reply obligation")
        }
        XCTAssertEqual([limit, simple, extensionDays], [20, 7, 20])
        XCTAssertEqual(channels, ["application"])
        let calendars = try BundledDocuments.calendars.map { try CalendarDocument(json: try JSONParser.parse($0)) }
        XCTAssertEqual(calendars.map(\.year), [2023, 2024, 2025, 2026])
    }
}
