/// Number to text as ECMAScript's Number.prototype.toString does (ECMA-262 7.1.12.1),
/// which RFC 8785 requires. Swift's `description` already yields the shortest digits that
/// round-trip; this re-lays those digits out in ECMAScript's notation.
public enum ECMAScriptNumber {
    public static func format(_ number: Double) -> String {
        precondition(number.isFinite, "canonical JSON has no NaN or infinity")
        if number == 0 { return "0" }
        if number.rounded(.towardZero) == number, abs(number) < 1e21 {
            // Exact integers below 10^21 print as plain digits (no exponent, no ".0").
            if abs(number) <= 9_007_199_254_740_992 { return String(Int64(number)) }
        }
        let (digits, pointPosition) = shortestDigits(abs(number))
        let sign = number < 0 ? "-" : ""
        let digitCount = digits.count
        let n = pointPosition
        if digitCount <= n && n <= 21 {
            return sign + digits + String(repeating: "0", count: n - digitCount)
        }
        if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            return sign + digits[..<split] + "." + digits[split...]
        }
        if -6 < n && n <= 0 {
            return sign + "0." + String(repeating: "0", count: -n) + digits
        }
        let exponent = n - 1
        let exponentText = (exponent < 0 ? "-" : "+") + String(abs(exponent))
        if digitCount == 1 { return sign + digits + "e" + exponentText }
        return sign + String(digits.first!) + "." + digits.dropFirst() + "e" + exponentText
    }

    /// The shortest round-tripping decimal digits of a positive finite number, without
    /// leading or trailing zeros, and n such that the value is 0.digits × 10^n.
    static func shortestDigits(_ number: Double) -> (String, Int) {
        let text = number.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        } else {
            integerPart = mantissa
            fractionPart = ""
        }
        var digits = String(integerPart) + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, pointPosition)
    }
}
