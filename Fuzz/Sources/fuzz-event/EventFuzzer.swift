import FuzzLedger

/// libFuzzer entry: lines of events through envelope, domain decoding, validation and the
/// facts (FuzzLedger.EventChecks). Fast; the query verbs are fuzz-query's.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    EventChecks.check(input)
    return 0
}
