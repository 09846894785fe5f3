import Foundation

/// Pinyin initials of Chinese text (低保申请 → dbsq), for searching the service catalogue the way
/// people type on a phone. GB 2312's first level (the 3,755 most used characters) is ordered by
/// pinyin, so a character's initial follows from its GB 2312 code and the first code of each
/// letter; letters and digits are kept (lower case); other characters give nothing.
public enum PinyinInitials {
    /// The first GB 2312 code of each initial (no words start with i, u or v).
    static let boundaries: [(Character, UInt16)] = [
        ("a", 0xB0A1), ("b", 0xB0C5), ("c", 0xB2C1), ("d", 0xB4EE), ("e", 0xB6EA), ("f", 0xB7A2), ("g", 0xB8C1),
        ("h", 0xB9FE), ("j", 0xBBF7), ("k", 0xBFA6), ("l", 0xC0AC), ("m", 0xC2E8), ("n", 0xC4C3), ("o", 0xC5B6),
        ("p", 0xC5BE), ("q", 0xC6DA), ("r", 0xC8BB), ("s", 0xC8F6), ("t", 0xCBFA), ("w", 0xCDDA), ("x", 0xCEF4),
        ("y", 0xD1B9), ("z", 0xD4D1),
    ]
    static let lastLevelOne: UInt16 = 0xD7F9

    /// Common characters outside GB 2312's first level that service names use.
    static let extra: [Character: Character] = ["泸": "l", "琛": "c", "湘": "x", "株": "z", "醴": "l"]

    public static func of(_ text: String) -> String {
        var result = ""
        for ch in text {
            if ch.isASCII {
                if ch.isLetter || ch.isNumber { result.append(Character(ch.lowercased())) }
                continue
            }
            if let initial = initial(of: ch) { result.append(initial) }
        }
        return result
    }

    public static func initial(of ch: Character) -> Character? {
        if let known = extra[ch] { return known }
        guard let bytes = LegacyText.encodeGB18030(String(ch)), bytes.count == 2 else { return nil }
        let code = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard code >= boundaries[0].1, code <= lastLevelOne else { return nil }
        return boundaries.last { code >= $0.1 }?.0
    }
}
