/// Phone numbers: validation and on-screen masking. Phones are personal data: stored encrypted,
/// shown masked, revealed only on request and then logged.
public enum PhoneNumber {
    /// Normalizes a mainland mobile (11 digits starting 1[3-9]) or a landline with area code
    /// (e.g. 0731-22334455). Spaces, dashes and a +86/86 prefix are accepted on input.
    public static func normalize(_ raw: String) -> String? {
        if isPlainMobile(raw) { return raw }
        var digits = raw.filter { !" -()".contains($0) }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("86"), digits.count == 13 { digits.removeFirst(2) }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let chars = Array(digits)
        if chars.count == 11, chars[0] == "1", ("3"..."9").contains(chars[1]) { return digits }
        if chars.first == "0", (10...12).contains(chars.count) { return digits }
        return nil
    }

    /// 11 ASCII digits `1[3-9]…`: already normal (most cells of an import), checked without copying.
    static func isPlainMobile(_ raw: String) -> Bool {
        let utf8 = raw.utf8
        guard utf8.count == 11 else { return false }
        var i = 0
        for b in utf8 {
            guard b >= 0x30, b <= 0x39 else { return false }
            if i == 0, b != 0x31 { return false }
            if i == 1, b < 0x33 { return false }
            i += 1
        }
        return true
    }

    /// `13812345678` → `138****5678`; landlines keep area code and last four.
    public static func mask(_ phone: String) -> String {
        let chars = Array(phone)
        guard chars.count >= 7 else { return String(repeating: "*", count: chars.count) }
        let keepHead = chars.count == 11 && chars[0] == "1" ? 3 : min(4, chars.count - 4)
        return String(chars.prefix(keepHead)) + String(repeating: "*", count: chars.count - keepHead - 4) + String(chars.suffix(4))
    }
}

/// Masks a Chinese name for lists shown to people who do not need it in full: 张三丰 → 张*丰, 李四 → 李*.
public enum NameMask {
    public static func mask(_ name: String) -> String {
        let chars = Array(name)
        switch chars.count {
        case 0, 1: return name
        case 2: return String(chars[0]) + "*"
        default: return String(chars[0]) + String(repeating: "*", count: chars.count - 2) + String(chars[chars.count - 1])
        }
    }
}
