import Foundation

/// A thread of the daemon's own (the writer, the syncer), named for the kernel, whose end can
/// be waited for.
final class NamedThread {
    private let finished = DispatchSemaphore(value: 0)
    private var waitedFor = false

    /// Starts `body` on a new thread called `name` (at most 15 bytes: the kernel's limit).
    init(name: String, _ body: @escaping () -> Void) {
        precondition(name.utf8.count <= 15, "the kernel keeps 15 bytes of a thread's name")
        let thread = Thread { [finished] in
            // On Linux Foundation gives the kernel a name set from the thread itself only;
            // that name is what `top -H`, `perf` and scripts/bench's CPU split see.
            Thread.current.name = name
            body()
            finished.signal()
        }
        thread.start()
    }

    /// Waits until the body has returned (once; later calls return at once).
    func waitUntilFinished() {
        guard !waitedFor else { return }
        waitedFor = true
        finished.wait()
    }
}
