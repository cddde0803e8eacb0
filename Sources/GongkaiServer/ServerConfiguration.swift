import NIOCore

/// Settings of a running daemon, each with its bound.
public struct ServerConfiguration: Sendable {
    /// Directory holding the ledger and the daemon's lock file.
    public var stateDirectory: String
    /// Where to bind the socket (ignored when systemd passes one).
    public var socketPath: String
    /// Longest request line accepted, in bytes.
    public var maxLineBytes: Int
    /// Initial LMDB map; it grows on its own.
    public var initialMapBytes: Int
    /// Most client connections open at once; more are answered `ERR unavailable` and closed.
    public var maxConnections: Int
    /// Threads that read, parse and answer the connections (SwiftNIO event loops).
    public var eventLoops: Int
    /// Most event loops: more than any machine this runs on has cores to give them.
    public static let maxEventLoops = 256
    /// One event loop per core but the writer's: the writer is the one serial stage of every
    /// append, so it gets a core of its own (on 2 cores, one loop did 8% more appends at
    /// 32×64 than two, BENCHMARKS.md eleventh session). Queries run off the loops anyway.
    public static func defaultEventLoops(cores: Int) -> Int { min(max(1, cores - 1), maxEventLoops) }
    /// Most connections one uid may hold at once, so one peer (a runaway script) cannot take
    /// every place: by default three quarters of `maxConnections` (see `defaultPerUid`).
    public var maxConnectionsPerUid: Int
    public static func defaultPerUid(maxConnections: Int) -> Int { max(1, maxConnections - maxConnections / 4) }
    /// Requests in flight on one connection before the daemon stops reading from it.
    public var maxPipelinedRequests: Int
    /// A catalog document to adopt instead of the bundled seed (or, on a ledger that has one,
    /// to adopt if it differs from the catalog in force).
    public var catalogFile: String?
    /// File holding a C2SP signer key (`PRIVATE+KEY+...`); with one, HEAD also answers a signed
    /// checkpoint. The file must be private to its owner (mode 0600 or 0400).
    public var signingKey: String?
    /// Origin line of the checkpoints (default: the signing key's name).
    public var checkpointOrigin: String?
    /// The access file (DESIGN.md section 4); nil: the daemon's own uid is `admin`, nobody else known.
    public var accessFile: String?
    /// Whether `accessFile` must exist (named by `--access`); a missing default file means the dev default.
    public var accessFileRequired: Bool = false
    /// Longest time from the first byte of a request line to its end; nil: no limit.
    public var lineTimeoutSeconds: Int?
    /// Longest time a connection may send nothing while owing nothing (no answers in
    /// flight, no TAIL), and longest time a client may leave its answers unread without
    /// taking any; nil: no limit.
    public var idleTimeoutSeconds: Int?
    /// Longest wait at shutdown for clients to take their last answers. (A connection that
    /// closes otherwise waits while its client takes answers; see `idleTimeoutSeconds`.)
    public var shutdownGraceSeconds: Int

    public init(stateDirectory: String, socketPath: String) {
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
        self.maxLineBytes = 1 << 20
        self.initialMapBytes = 1 << 30
        self.maxConnections = 4_096
        self.maxPipelinedRequests = 1_024
        self.maxConnectionsPerUid = Self.defaultPerUid(maxConnections: maxConnections)
        self.eventLoops = Self.defaultEventLoops(cores: System.coreCount)
        self.shutdownGraceSeconds = 5
        self.lineTimeoutSeconds = 30
        self.idleTimeoutSeconds = 900
    }
}
