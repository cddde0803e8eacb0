import GongkaiJSON

/// Formats answer lines. Every answer is exactly one line ending in `\n`.
public enum AnswerEncoder {
    public static func ok(_ json: [UInt8], into output: inout [UInt8]) {
        output.append(contentsOf: "OK ".utf8)
        output.append(contentsOf: json)
        output.append(0x0A)
    }

    public static func ok(_ value: JSONValue, into output: inout [UInt8]) {
        output.append(contentsOf: "OK ".utf8)
        CanonicalJSON.append(value, to: &output)
        output.append(0x0A)
    }

    public static func error(_ error: ProtocolError, into output: inout [UInt8]) {
        output.append(contentsOf: "ERR ".utf8)
        output.append(contentsOf: error.code.rawValue.utf8)
        output.append(0x20)
        output.append(contentsOf: error.message.utf8)
        output.append(0x0A)
    }

    public static func event(_ record: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.append(contentsOf: "EVENT ".utf8)
        output.append(contentsOf: record)
        output.append(0x0A)
    }

    public static func end(_ value: JSONValue, into output: inout [UInt8]) {
        output.append(contentsOf: "END ".utf8)
        CanonicalJSON.append(value, to: &output)
        output.append(0x0A)
    }
}
