import CLMDB

/// Small wrappers so the ledger code reads as puts and gets rather than MDB_val plumbing.
enum LMDBValues {
    // MDB_val wants mutable pointers, but mdb_get and mdb_put only read the key and data
    // they are given (MDB_RESERVE, which would write, is never used), so the arrays' own
    // storage is passed. Making it mutable would copy each array on every call: a record's
    // bytes and its keys, several allocations per append.

    static func get(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { keyBuffer in
            var keyValue = MDB_val(mv_size: keyBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: keyBuffer.baseAddress))
            var dataValue = MDB_val()
            let result = mdb_get(txn, dbi, &keyValue, &dataValue)
            if result == MDB_NOTFOUND { return nil }
            try check("mdb_get", result)
            // Valid until the transaction ends: LMDB hands out pointers into the map.
            return UnsafeRawBufferPointer(start: dataValue.mv_data, count: dataValue.mv_size)
        }
    }

    static func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: [UInt8], value: [UInt8], flags: Int32 = 0) throws {
        try key.withUnsafeBytes { keyBuffer in
            try value.withUnsafeBytes { valueBuffer in try put(txn, dbi, key: keyBuffer, value: valueBuffer, flags: flags) }
        }
    }

    /// The same from bytes already in memory (on the stack: the writer's keys and hashes).
    static func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                    flags: Int32 = 0) throws {
        precondition(flags & MDB_RESERVE == 0, "MDB_RESERVE would write through the value's pointer")
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check("mdb_put", mdb_put(txn, dbi, &keyValue, &dataValue, UInt32(flags)))
    }

    /// Deletes `key`; false if it was not there.
    @discardableResult
    static func delete(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBuffer in
            var keyValue = MDB_val(mv_size: keyBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: keyBuffer.baseAddress))
            let result = mdb_del(txn, dbi, &keyValue, nil)
            if result == MDB_NOTFOUND { return false }
            try check("mdb_del", result)
            return true
        }
    }

    /// The last key of a database, or nil when it is empty.
    static func lastKey(_ txn: OpaquePointer, _ dbi: MDB_dbi) throws -> [UInt8]? {
        var cursor: OpaquePointer?
        try check("mdb_cursor_open", mdb_cursor_open(txn, dbi, &cursor))
        defer { mdb_cursor_close(cursor) }
        var keyValue = MDB_val()
        var dataValue = MDB_val()
        let result = mdb_cursor_get(cursor, &keyValue, &dataValue, MDB_LAST)
        if result == MDB_NOTFOUND { return nil }
        try check("mdb_cursor_get(MDB_LAST)", result)
        return Array(UnsafeRawBufferPointer(start: keyValue.mv_data, count: keyValue.mv_size))
    }

    /// Calls `body` for each entry from `startKey` on (from the first when it is empty), in
    /// key order, until it returns false.
    static func scan(_ txn: OpaquePointer, _ dbi: MDB_dbi, from startKey: [UInt8],
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try check("mdb_cursor_open", mdb_cursor_open(txn, dbi, &cursor))
        defer { mdb_cursor_close(cursor) }
        var keyBytes = startKey
        try keyBytes.withUnsafeMutableBytes { keyBuffer in
            var keyValue = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
            var dataValue = MDB_val()
            var operation = startKey.isEmpty ? MDB_FIRST : MDB_SET_RANGE
            while true {
                let result = mdb_cursor_get(cursor, &keyValue, &dataValue, operation)
                if result == MDB_NOTFOUND { return }
                try check("mdb_cursor_get", result)
                let key = UnsafeRawBufferPointer(start: keyValue.mv_data, count: keyValue.mv_size)
                let data = UnsafeRawBufferPointer(start: dataValue.mv_data, count: dataValue.mv_size)
                if try !body(key, data) { return }
                operation = MDB_NEXT
            }
        }
    }
}
