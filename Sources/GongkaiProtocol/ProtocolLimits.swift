/// Bounds of the line protocol. Every one is a number the daemon enforces.
public enum ProtocolLimits {
    /// Default longest request line, without its line ending.
    public static let defaultMaxLineBytes = 1 << 20
    /// Longest event JSON accepted by APPEND (a catalog document fits comfortably).
    public static let maxEventBytes = 256 << 10
    /// Records returned by READ when no limit is given.
    public static let defaultReadLimit = 1_000
    /// Most records one READ may ask for.
    public static let maxReadLimit = 10_000
    /// Longest event id, in Unicode scalars.
    public static let maxIdScalars = 128
    /// Largest seq a request may name: answers are JSON, whose numbers are exact only up to
    /// 2^53 − 1 (a READ from past it answered a `next` smaller than its `from`).
    public static let maxSeq: UInt64 = (1 << 53) - 1
}
