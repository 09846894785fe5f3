import Foundation

/// How people write an address, brought to one form before matching: full-width digits and letters,
/// Chinese numerals before 号/栋/单元/网格, 幢/座/号楼 for 栋, spaces and punctuation, words like 附近 and 门口.
public enum AddressText {
    static let buildingWords = ["号楼", "栋楼", "幢", "座", "栋"]
    static let fillers = ["附近", "旁边", "门口", "门前", "对面", "路口", "交叉口", "一带", "这边", "那边", "后面", "里面", "楼下", "处"]
    static let numeralSuffixes: [Character] = ["号", "栋", "幢", "单", "楼", "座", "网", "室", "层", "组"]

    public static func normalize(_ raw: String) -> String {
        var chars: [Character] = []
        for scalar in raw.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: chars.append(Character(UnicodeScalar(scalar.value - 0xFEE0)!))
            case 0x3000: chars.append(" ")
            default: chars.append(Character(scalar))
            }
        }
        var s = String(chars).lowercased()
        s = arabicNumerals(in: s)
        s = s.filter { !$0.isWhitespace && !"，,。.、;；:：!！?？()（）【】[]\"'“”‘’·~～/\\_".contains($0) }
        // 3号楼, 3幢, 3座 → 3栋 ; "-" between digits stays (a flat number such as 2-301).
        for word in buildingWords where word != "栋" { s = replacing(word, with: "栋", afterDigitIn: s) }
        for filler in fillers { s = s.replacingOccurrences(of: filler, with: "") }
        return s
    }

    /// 三号 → 3号, 第十二网格 → 第12网格: Chinese numerals where an address uses numbers.
    static func arabicNumerals(in s: String) -> String {
        let digits: [Character: Int] = ["零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]
        let units: [Character: Int] = ["十": 10, "百": 100, "千": 1000]
        let chars = Array(s)
        var out = ""
        var i = 0
        while i < chars.count {
            var j = i
            while j < chars.count, digits[chars[j]] != nil || units[chars[j]] != nil { j += 1 }
            let follows = j < chars.count && numeralSuffixes.contains(chars[j])
            let ordinal = i > 0 && chars[i - 1] == "第"
            if j > i, follows || ordinal {
                var total = 0, current = 0
                for c in chars[i..<j] {
                    if let d = digits[c] { current = current * 10 + d }
                    else if let u = units[c] { total += max(current, 1) * u; current = 0 }
                }
                out += String(total + current)
                i = j
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    static func replacing(_ word: String, with replacement: String, afterDigitIn s: String) -> String {
        var result = ""
        var rest = Substring(s)
        while let range = rest.range(of: word) {
            let before = rest[rest.startIndex..<range.lowerBound]
            result += before
            result += (before.last?.isNumber ?? false) ? replacement : word
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// A road's name without its kind (建设北路 → 建设北), so "建设北 12号" still finds it.
    public static func stem(ofRoad road: String) -> String {
        for suffix in ["大道", "大街", "胡同", "路", "街", "巷", "道"] where road.hasSuffix(suffix) && road.count > suffix.count + 1 {
            return String(road.dropLast(suffix.count))
        }
        return road
    }

    /// A community's name without 社区/村/居委会.
    public static func stem(ofCommunity name: String) -> String {
        for suffix in ["社区居委会", "居委会", "社区", "村委会", "村"] where name.hasSuffix(suffix) && name.count > suffix.count + 1 {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// The leading road and number of a standard address ("建设北路12号" → ("建设北路", 12)).
    public static func roadAndNumber(_ address: String) -> (road: String, number: Int?) {
        let s = normalize(address)
        guard let firstDigit = s.firstIndex(where: \.isNumber) else { return (s, nil) }
        let road = String(s[..<firstDigit])
        let digits = s[firstDigit...].prefix { $0.isNumber }
        return (road, Int(digits))
    }

    /// Edit distance of two short strings (insertions, deletions, substitutions).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Where `needle` occurs in `text`, exactly or (for needles of three characters or more) with one
    /// character wrong, missing or extra: the end offset of the best occurrence and its edit distance.
    static func find(_ needle: [Character], in text: [Character]) -> (end: Int, distance: Int)? {
        guard !needle.isEmpty, !text.isEmpty else { return nil }
        if let exact = firstIndex(of: needle, in: text) { return (exact + needle.count, 0) }
        guard needle.count >= 3 else { return nil }
        var best: (end: Int, distance: Int)?
        for length in [needle.count - 1, needle.count, needle.count + 1] where length > 0 && length <= text.count {
            for start in 0...(text.count - length) {
                let d = distance(needle, Array(text[start..<start + length]))
                if d <= 1, best == nil || d < best!.distance { best = (start + length, d) }
            }
        }
        return best
    }

    static func firstIndex(of needle: [Character], in text: [Character]) -> Int? {
        guard needle.count <= text.count else { return nil }
        for start in 0...(text.count - needle.count) where Array(text[start..<start + needle.count]) == needle { return start }
        return nil
    }
}
