@testable import GongkaiServer
import XCTest

final class LogThrottleTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    /// The first failure is logged, the ones within the interval are counted, and the next
    /// one logged names how many were held back.
    func testOneLineAnIntervalCountingTheRest() {
        var throttle = LogThrottle(intervalNanos: second)
        XCTAssertEqual(throttle.admit(nowNanos: 10 * second).log, true)
        for step in 1...999 {
            let (log, heldBack) = throttle.admit(nowNanos: 10 * second + UInt64(step) * 1_000_000)
            XCTAssertFalse(log)
            XCTAssertEqual(heldBack, step)
        }
        let next = throttle.admit(nowNanos: 11 * second)
        XCTAssertEqual(next.log, true)
        XCTAssertEqual(next.heldBack, 999)
        let after = throttle.admit(nowNanos: 13 * second)
        XCTAssertEqual(after.log, true)
        XCTAssertEqual(after.heldBack, 0, "the count starts again after each line")
    }

    /// A clock that seems to go back (it should not: monotonic) logs rather than holding
    /// lines back for ever.
    func testAnEarlierTimeIsLogged() {
        var throttle = LogThrottle(intervalNanos: second)
        XCTAssertTrue(throttle.admit(nowNanos: 5 * second).log)
        XCTAssertTrue(throttle.admit(nowNanos: 4 * second).log)
    }
}
