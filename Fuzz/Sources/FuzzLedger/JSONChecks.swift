import GongkaiJSON

/// Invariants of the strict parser and RFC 8785 encoder: what the ledger stores, hashes and
/// compares for idempotency must be a fixed point of parse ∘ encode.
public enum JSONChecks {
    /// Parses `bytes`; when they are JSON, checks the canonical form and returns the value.
    @discardableResult
    public static func check(_ bytes: [UInt8]) -> JSONValue? {
        // Start-up's scanner meets whatever is in a damaged log: it may refuse, never trap.
        _ = bytes.withUnsafeBufferPointer { buffer in
            CanonicalObjectScanner.members(of: buffer, in: 0..<buffer.count) { _, _ in true }
        }
        let value: JSONValue
        let calledCanonical: Bool
        do {
            (value, calledCanonical) = try JSONParser.parseNotingCanonical(bytes)
        } catch let error as JSONParseError {
            require(error.offset >= 0 && error.offset <= bytes.count, "parse error offset \(error.offset) outside 0…\(bytes.count)")
            return nil
        } catch {
            broken("JSONParser threw \(type(of: error)): \(error)")
        }
        require(depth(value) <= JSONParser.maxNestingDepth, "a value nested \(depth(value)) deep accepted")
        let canonical = CanonicalJSON.encode(value)
        // An append stores the bytes as sent when the parser calls them canonical.
        require(!calledCanonical || canonical == bytes, "text called canonical is not: \(String(decoding: bytes, as: UTF8.self))")
        // One line, no insignificant whitespace: TAIL and READ frame records by line.
        require(!canonical.contains(where: { $0 < 0x20 }), "canonical JSON with a control byte: \(canonical)")
        require(String(validating: canonical, as: UTF8.self) != nil, "canonical JSON that is not UTF-8")
        let reparsed: JSONValue
        do {
            let parsed = try JSONParser.parseNotingCanonical(canonical)
            reparsed = parsed.value
            // Plain canonical text takes the fast path (escapes and non-ASCII are left to the encoder).
            require(parsed.isCanonical || canonical.contains(where: { $0 == 0x5C || $0 >= 0x80 }),
                    "canonical text not called canonical: \(String(decoding: canonical, as: UTF8.self))")
        } catch {
            broken("canonical JSON \(String(decoding: canonical, as: UTF8.self)) does not parse: \(error)")
        }
        require(identical(value, reparsed), "canonical JSON parses to another value: \(String(decoding: canonical, as: UTF8.self))")
        require(CanonicalJSON.encode(reparsed) == canonical, "canonical JSON is not a fixed point")
        if case .object(let members) = value { checkScanner(canonical, members: members) }
        return value
    }

    /// On canonical bytes the scanner reads every plain member exactly as the parser does, and
    /// calls the rest `.other`; it refuses only an object with a key that needs an escape.
    static func checkScanner(_ canonical: [UInt8], members: [String: JSONValue]) {
        func needsEscape(_ text: String) -> Bool { text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        canonical.withUnsafeBufferPointer { buffer in
            var keys: [String] = []
            let read = CanonicalObjectScanner.members(of: buffer, in: 0..<buffer.count) { keyRange, scanned in
                let key = String(decoding: UnsafeBufferPointer(rebasing: buffer[keyRange]), as: UTF8.self)
                keys.append(key)
                guard let member = members[key] else { broken("the scanner read a key \(key) the parser did not") }
                switch scanned {
                case .string(let range):
                    require(member == .string(String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)), "scanner string differs at \(key)")
                case .integer(let number):
                    require(member == .number(Double(number)), "scanner integer \(number) differs from \(member) at \(key)")
                case .bool(let flag):
                    require(member == .bool(flag), "scanner bool differs at \(key)")
                case .object(let range):
                    require((try? JSONParser.parse(Array(buffer[range]))).map { identical($0, member) } ?? false, "scanner object differs at \(key)")
                case .other:
                    if case .string(let text) = member { require(needsEscape(text), "a plain string at \(key) was not read") }
                    if case .bool = member { broken("a bool at \(key) was not read") }
                    if case .object = member { broken("an object at \(key) was not read") }
                }
                return true
            }
            require(read == !members.keys.contains(where: needsEscape), "the scanner refused canonical bytes with plain keys, or read an escaped key")
            if read { require(keys == CanonicalJSON.sortedKeys(members), "the scanner's keys are not the object's, in order") }
        }
    }

    /// ECMAScript number formatting round-trips every finite double (RFC 8785 section 3.2.2.3).
    static func checkNumber(bitPattern: UInt64) {
        let number = Double(bitPattern: bitPattern)
        guard number.isFinite else { return }
        let text = ECMAScriptNumber.format(number)
        guard case .number(let parsed)? = try? JSONParser.parse(text) else {
            broken("\(number.bitPattern) formats as \(text), which does not parse as a number")
        }
        require(parsed == number, "\(number) (bits \(bitPattern)) formats as \(text), which parses as \(parsed)")
        require(text == ECMAScriptNumber.format(parsed), "number formatting is not a fixed point for \(text)")
    }

    /// Equality down to the bytes of strings and keys (Swift's String == is canonical
    /// equivalence, too weak for bytes that are hashed), and to the sign of zero only as
    /// RFC 8785 sees it (-0 is written 0).
    static func identical(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(identical)
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let index = b.index(forKey: key), b[index].key.utf8.elementsEqual(key.utf8),
                      identical(value, b[index].value) else { return false }
            }
            return true
        default: return false
        }
    }

    static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): return 1 + (items.map(depth).max() ?? 0)
        case .object(let members): return 1 + (members.values.map(depth).max() ?? 0)
        default: return 0
        }
    }
}
