import Glibc

/// A readers–writer lock under which a waiting writer keeps new readers out. glibc's
/// default rwlock prefers readers: queries from two event loops, overlapping, kept the one
/// writer out for seconds, and every append waited behind them. (glibc's writer-preferring
/// kind is a GNU extension Swift cannot see.) Not recursive: a thread must not take the read
/// side twice, or a writer waiting between the two would deadlock it.
final class WriterPreferringLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    // Guarded by `mutex`.
    private var readers = 0
    private var writing = false
    private var writersWaiting = 0

    /// Writers waiting for the lock (for tests).
    var waitingWriters: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return writersWaiting
    }

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        while writing || writersWaiting > 0 { pthread_cond_wait(&changed, &mutex) }
        readers += 1
        pthread_mutex_unlock(&mutex)
        defer {
            pthread_mutex_lock(&mutex)
            readers -= 1
            precondition(readers >= 0, "a read lock released twice")
            if readers == 0 && writersWaiting > 0 { pthread_cond_broadcast(&changed) }
            pthread_mutex_unlock(&mutex)
        }
        return try body()
    }

    func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        writersWaiting += 1
        while writing || readers > 0 { pthread_cond_wait(&changed, &mutex) }
        writersWaiting -= 1
        writing = true
        pthread_mutex_unlock(&mutex)
        defer {
            pthread_mutex_lock(&mutex)
            writing = false
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        return try body()
    }
}
