import CLMDB

/// An LMDB or file-system failure, with the operation that failed and LMDB's own message.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public let message: String

    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: mdb_strerror(code))
    }

    public init(_ operation: String, message: String) {
        self.operation = operation
        self.code = -1
        self.message = message
    }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var description: String { "\(operation): \(message)" }
}

/// Calls an LMDB function and turns a non-zero result into a `StorageError`.
@inline(__always)
func check(_ operation: @autoclosure () -> String, _ result: Int32) throws {
    if result != 0 { throw StorageError(operation(), code: result) }
}
