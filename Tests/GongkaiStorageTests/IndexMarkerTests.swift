import Foundation
import XCTest
@testable import GongkaiStorage

final class IndexMarkerTests: LedgerTestCase {
    func testMarkersRoundTripAndOnlyCleanOrThisBootIsTrusted() throws {
        let cases: [(IndexMarker, trusted: Bool)] = [
            (.clean, true), (.openInBoot("boot-a"), true), (.openInBoot("boot-b"), false),
            (.flushFailed, false), (.refused("the log lacks records\nsecond line"), false), (.checking, false),
        ]
        for (marker, trusted) in cases {
            try marker.write(directory: directory.path)
            let read = try IndexMarker.read(directory: directory.path)
            if case .refused = marker {
                XCTAssertEqual(read, .refused("the log lacks records second line"), "one line on disk")
            } else {
                XCTAssertEqual(read, marker)
            }
            XCTAssertEqual(marker.trusted(inBoot: "boot-a"), trusted, "\(marker)")
        }
        XCTAssertFalse(IndexMarker.openInBoot("boot-a").trusted(inBoot: nil), "an unknown boot trusts nothing left open")
        // Not by the accident that no boot id reads "index-flush-failed".
        XCTAssertFalse(IndexMarker.flushFailed.trusted(inBoot: "index-flush-failed"))
    }

    func testAnUnreadableMarkerTrustsNothing() throws {
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: directory.path + "/" + IndexMarker.fileName))
        let marker = try IndexMarker.read(directory: directory.path)
        XCTAssertEqual(marker?.trusted(inBoot: "boot-a"), false)
        XCTAssertNil(try IndexMarker.read(directory: directory.path + "/absent"))
    }

    /// An append refused for want of room for the marker said "append log: write …/index-state".
    func testAMarkerThatCannotBeWrittenIsNamedAsTheMarker() throws {
        // Its temporary file's name taken by a directory: the open fails as on a full disk.
        try FileManager.default.createDirectory(atPath: directory.path + "/" + IndexMarker.fileName + ".new",
                                                withIntermediateDirectories: false)
        XCTAssertThrowsError(try IndexMarker.clean.write(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("write the index marker: "), "\(error)")
            XCTAssertFalse("\(error)".contains("append log"), "\(error)")
        }
    }
}
