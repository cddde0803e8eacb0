/// Text from the ledger made safe for a terminal: control characters (C0, DEL, C1) and the
/// bidirectional overrides are shown as `\u{…}` escapes instead of acting. An event's text
/// may hold any of them (JSON can carry them), and printed raw they could clear the screen,
/// recolour it, or forge lines in what an auditor reads. Pure.
public enum VisibleText {
    public static func of(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var shown = ""
        shown.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                shown += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
