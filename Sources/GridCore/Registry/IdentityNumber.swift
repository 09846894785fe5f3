extension LocalDate {
    /// Whole years from this date to `date` (an age, for a birth date).
    public func yearsUntil(_ date: LocalDate) -> Int {
        date.year - year - ((date.month, date.day) < (month, day) ? 1 : 0)
    }
}

/// A resident identity number (公民身份号码, GB 11643-1999): 6 digits of region, 8 of birth date,
/// 3 of sequence (odd for men, even for women) and a check character over the first 17.
public struct IdentityNumber: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case wrongLength(Int)
        case notDigits
        case unknownRegion(String)
        case invalidBirthDate(String)
        case checkCharacterMismatch(expected: Character, found: Character)

        public var description: String {
            switch self {
            case .empty: "身份证号不能为空"
            case .wrongLength(15): "请填写 18 位身份证号（15 位旧号码请先升位）"
            case .wrongLength(let n): "身份证号应为 18 位，现为 \(n) 位"
            case .notDigits: "身份证号前 17 位必须是数字，最后一位是数字或 X"
            case .unknownRegion(let code): "身份证号前两位 \(code) 不是有效的省级行政区划代码"
            case .invalidBirthDate(let text): "身份证号中的出生日期 \(text) 无效"
            case .checkCharacterMismatch(let expected, let found): "身份证号校验位应为 \(expected)，实为 \(found)（号码可能抄错）"
            }
        }
    }

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, 1]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    /// First two digits of the provincial-level divisions (GB/T 2260), plus 71/81/82/83 and 91.
    static let provinces: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82", "83", "91",
    ]

    /// Validates and normalizes (spaces dropped, a lower-case x upper-cased).
    public init(_ raw: String) throws(Problem) {
        // The common case — 18 ASCII characters, nothing to drop — is checked on the bytes (a
        // million-row import checks a million numbers); anything else takes the general path.
        if let valid = Self.fastValidated(raw) { value = valid; return }
        let text = raw.filter { !$0.isWhitespace }.uppercased()
        guard !text.isEmpty else { throw .empty }
        let chars = Array(text)
        guard chars.count == 18 else { throw .wrongLength(chars.count) }
        guard chars.prefix(17).allSatisfy({ $0.isASCII && $0.isNumber }), chars[17].isASCII, chars[17].isNumber || chars[17] == "X" else {
            throw .notDigits
        }
        let region = String(chars[0..<2])
        guard Self.provinces.contains(region) else { throw .unknownRegion(region) }
        let birth = String(chars[6..<14])
        guard Self.birthDate(of: birth) != nil else { throw .invalidBirthDate(birth) }
        let expected = Self.checkCharacter(for: chars.prefix(17).map { Int(String($0))! })
        guard expected == chars[17] else { throw .checkCharacterMismatch(expected: expected, found: chars[17]) }
        value = text
    }

    /// The normalized number when `raw` is 18 ASCII digits (the last may be x/X) and valid; nil to
    /// let the general path decide (and name the problem).
    static func fastValidated(_ raw: String) -> String? {
        let utf8 = raw.utf8
        guard utf8.count == 18 else { return nil }
        var sum = 0, index = 0, last: UInt8 = 0
        var year = 0, month = 0, day = 0, region = 0
        for byte in utf8 {
            if index == 17 { last = byte; break }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let d = Int(byte - 0x30)
            sum += d * weights[index]
            switch index {
            case 0...1: region = region * 10 + d
            case 6...9: year = year * 10 + d
            case 10...11: month = month * 10 + d
            case 12...13: day = day * 10 + d
            default: break
            }
            index += 1
        }
        guard validRegions.contains(region), year >= 1880, (1...12).contains(month), day >= 1,
              day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        let expected = checkBytes[sum % 11]
        if last == expected { return raw }
        if last == UInt8(ascii: "x"), expected == UInt8(ascii: "X") { return raw.uppercased() }
        return nil
    }

    static let validRegions: Set<Int> = Set(provinces.map { Int($0)! })
    static let checkBytes: [UInt8] = checkCharacters.map { $0.asciiValue! }

    static func checkCharacter(for digits: [Int]) -> Character {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    static func birthDate(of yyyymmdd: String) -> LocalDate? {
        guard yyyymmdd.count == 8 else { return nil }
        let c = Array(yyyymmdd)
        guard let date = LocalDate("\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))"), date.year >= 1880 else { return nil }
        return date
    }

    /// Builds a valid number (used by the demo and tests): region (6 digits), birth date, sequence 0…999.
    public static func make(region: String, birth: LocalDate, sequence: Int) -> IdentityNumber {
        let body = region + String(format: "%04d%02d%02d", birth.year, birth.month, birth.day) + String(format: "%03d", sequence % 1000)
        let check = checkCharacter(for: body.map { Int(String($0))! })
        return try! IdentityNumber(body + String(check))
    }

    public var regionCode: String { String(value.prefix(6)) }
    /// Digits 7–14 (a valid number always holds a real date there).
    public var birthDate: LocalDate {
        var year = 0, month = 0, day = 0, index = 0
        for b in value.utf8 {
            let d = Int(b) - 0x30
            switch index {
            case 6...9: year = year * 10 + d
            case 10...11: month = month * 10 + d
            case 12...13: day = day * 10 + d
            default: break
            }
            index += 1
            if index == 14 { break }
        }
        return LocalDate(year: year, month: month, day: day)
    }

    /// The 17th digit: odd for men, even for women.
    public var gender: Gender {
        let utf8 = value.utf8
        return (utf8[utf8.index(utf8.startIndex, offsetBy: 16)] - 0x30) % 2 == 1 ? .male : .female
    }
    public var lastFour: String { String(value.suffix(4)) }

    /// Whole years of age on `date`.
    public func age(on date: LocalDate) -> Int { birthDate.yearsUntil(date) }

    /// `430204199001011234` → `4302**********1234`.
    public var masked: String { Self.mask(value) }

    public static func mask(_ value: String) -> String {
        guard value.count > 8 else { return String(repeating: "*", count: value.count) }
        return String(value.prefix(4)) + String(repeating: "*", count: value.count - 8) + String(value.suffix(4))
    }

    public var description: String { masked }
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-letter
/// alphabet (no I, O, Z, S, V), the last one a check character.
public struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case wrongLength(Int)
        case invalidCharacter(Character)
        case invalidRegion
        case checkCharacterMismatch(expected: Character, found: Character)

        public var description: String {
            switch self {
            case .empty: "统一社会信用代码不能为空"
            case .wrongLength(let n): "统一社会信用代码应为 18 位，现为 \(n) 位"
            case .invalidCharacter(let c): "统一社会信用代码不能含有字符“\(c)”（不使用 I、O、Z、S、V）"
            case .invalidRegion: "统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）"
            case .checkCharacterMismatch(let expected, let found): "统一社会信用代码校验位应为 \(expected)，实为 \(found)"
            }
        }
    }

    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    public init(_ raw: String) throws(Problem) {
        let text = raw.filter { !$0.isWhitespace }.uppercased()
        guard !text.isEmpty else { throw .empty }
        let chars = Array(text)
        guard chars.count == 18 else { throw .wrongLength(chars.count) }
        var values: [Int] = []
        for c in chars {
            guard let v = Self.alphabet.firstIndex(of: c) else { throw .invalidCharacter(c) }
            values.append(v)
        }
        guard chars[2..<8].allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalidRegion }
        let expected = Self.checkCharacter(for: Array(values.prefix(17)))
        guard expected == chars[17] else { throw .checkCharacterMismatch(expected: expected, found: chars[17]) }
        value = text
    }

    static func checkCharacter(for values: [Int]) -> Character {
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Completes 17 characters with their check character (demo data, tests).
    public static func make(_ body: String) -> CreditCode {
        let values = body.uppercased().map { alphabet.firstIndex(of: $0)! }
        return try! CreditCode(body.uppercased() + String(checkCharacter(for: values)))
    }

    public var description: String { value }
}
