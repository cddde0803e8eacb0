import Foundation
import XCTest
@testable import GongkaiStorage

/// `recorded` is UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`, and parse is format's exact inverse.
final class RecordedTimeTests: XCTestCase {
    private static let known: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (78_796_799_999, "1972-06-30T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (946_684_799_999, "1999-12-31T23:59:59.999Z"),
        (1_683_334_923_004, "2023-05-06T01:02:03.004Z"),
        (1_704_067_199_999, "2023-12-31T23:59:59.999Z"),
        (1_704_067_200_000, "2024-01-01T00:00:00.000Z"),
        (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
        (1_735_689_599_999, "2024-12-31T23:59:59.999Z"),
        (1_795_707_824_123, "2026-11-26T15:43:44.123Z"),
        (2_147_483_648_000, "2038-01-19T03:14:08.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"), // 2100 is not a leap year
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ]

    func testFormatOfKnownInstants() {
        for (millis, text) in Self.known {
            XCTAssertEqual(RecordedTime.format(millis: millis), text)
        }
    }

    func testParseOfKnownInstants() {
        for (millis, text) in Self.known {
            XCTAssertEqual(RecordedTime.parse(text), millis, text)
        }
    }

    func testLeapDayFollowsFebruary28AndPrecedesMarch1() {
        let day: Int64 = 86_400_000
        let leap = RecordedTime.parse("2024-02-29T00:00:00.000Z")!
        XCTAssertEqual(RecordedTime.format(millis: leap - day), "2024-02-28T00:00:00.000Z")
        XCTAssertEqual(RecordedTime.format(millis: leap + day), "2024-03-01T00:00:00.000Z")
        XCTAssertEqual(RecordedTime.format(millis: RecordedTime.parse("2023-02-28T00:00:00.000Z")! + day), "2023-03-01T00:00:00.000Z")
    }

    func testSeededInstantsAgreeWithFoundationCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var state: UInt64 = 0x7469_6D65
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = Int64(state >> 16) % 253_402_300_800_000
            let text = RecordedTime.format(millis: millis)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                from: Date(timeIntervalSince1970: TimeInterval(millis / 1000)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!,
                                  parts.hour!, parts.minute!, parts.second!, Int(millis % 1000))
            XCTAssertEqual(text, expected, "\(millis)")
            XCTAssertEqual(RecordedTime.parse(text), millis, text)
        }
    }

    func testParseRejectsMalformedText() {
        let bad = [
            "", "2023-05-06T01:02:03.004", "2023-05-06T01:02:03.004z", "2023-05-06t01:02:03.004Z",
            "2023-05-06 01:02:03.004Z", "2023-05-06T01:02:03.04Z", "2023-05-06T01:02:03.0040Z",
            "2023-05-06T01:02:03Z", "2023-05-06T01:02:03.004+00:00", "2023-05-06T01:02:03,004Z",
            "2023-5-06T01:02:03.004Z", "23-05-06T01:02:03.004Z", "+2023-05-06T01:02:03.004Z",
            "2023/05/06T01:02:03.004Z", "2023-05-06T01-02-03.004Z",
            "2023-13-01T00:00:00.000Z", "2023-00-10T00:00:00.000Z", "2023-05-00T00:00:00.000Z",
            "2023-05-32T00:00:00.000Z", "2023-02-30T00:00:00.000Z", "2023-02-29T00:00:00.000Z",
            "2100-02-29T00:00:00.000Z", "2023-04-31T00:00:00.000Z",
            "2023-05-06T24:00:00.000Z", "2023-05-06T23:60:00.000Z", "2023-05-06T23:59:60.000Z",
            "2023-05-06T0a:02:03.004Z", "2023-05-06T01:02:03.-04Z", "２023-05-06T01:02:03.004Z",
            " 2023-05-06T01:02:03.004Z", "2023-05-06T01:02:03.004Z ",
        ]
        for text in bad {
            XCTAssertNil(RecordedTime.parse(text), text)
        }
    }
}
