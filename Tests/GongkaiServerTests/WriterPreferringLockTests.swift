import Foundation
@testable import GongkaiServer
import XCTest

/// The domain state's lock: a waiting writer (the append path) goes before new readers
/// (queries), and readers still share the lock with each other.
final class WriterPreferringLockTests: XCTestCase {
    func testAWaitingWriterGoesBeforeNewReaders() throws {
        let lock = WriterPreferringLock()
        let order = NSLock()
        var events: [String] = []
        func note(_ event: String) { order.lock(); events.append(event); order.unlock() }

        let firstReaderIn = DispatchSemaphore(value: 0)
        let releaseFirstReader = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        func run(_ body: @escaping () -> Void) {
            done.enter()
            Thread { body(); done.leave() }.start()
        }
        run {
            lock.withReadLock {
                firstReaderIn.signal()
                releaseFirstReader.wait()
                note("reader 1 out")
            }
        }
        firstReaderIn.wait()
        run { lock.withWriteLock { note("writer") } }
        try waitUntil { lock.waitingWriters == 1 }
        run { lock.withReadLock { note("reader 2") } }
        usleep(200_000)  // reader 2 would be in by now if it could pass the waiting writer
        XCTAssertEqual(events, [], "nothing gets in while reader 1 holds the lock and the writer waits")
        releaseFirstReader.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(events, ["reader 1 out", "writer", "reader 2"])
    }

    func testReadersShareTheLock() {
        let lock = WriterPreferringLock()
        let bothIn = DispatchGroup()
        bothIn.enter()
        bothIn.enter()
        let done = DispatchGroup()
        for _ in 0..<2 {
            done.enter()
            Thread {
                lock.withReadLock {
                    bothIn.leave()
                    _ = bothIn.wait(timeout: .now() + 10)  // only returns early if both readers are in at once
                }
                done.leave()
            }.start()
        }
        XCTAssertEqual(bothIn.wait(timeout: .now() + 10), .success, "two readers hold the lock together")
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
    }

    private func waitUntil(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < deadline else { throw WaitTimedOut() }
            usleep(1_000)
        }
    }
}

private struct WaitTimedOut: Error {}
