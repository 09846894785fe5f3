import Foundation

/// 办事指南: one service item as the catalogue searches it.
public struct ServiceEntry: Sendable, Equatable {
    public var code: String
    public var name: String
    public var department: String
    public var keywords: String

    public init(code: String, name: String, department: String, keywords: String = "") {
        self.code = code; self.name = name; self.department = department; self.keywords = keywords
    }

    /// The initials the search matches typed letters against: of the name, and of each keyword.
    public var initials: String { ([name] + keywordList).map(PinyinInitials.of).joined(separator: " ") }
    public var keywordList: [String] {
        keywords.split(whereSeparator: { " ,，、;；".contains($0) }).map(String.init)
    }
}

/// Search in Chinese the way residents and grid workers type: a substring of the name, a keyword or
/// the department, or pinyin initials (dbsq → 低保申请). Best matches first.
public enum ServiceSearch {
    public static func score(_ query: String, _ entry: ServiceEntry) -> Int {
        let q = query.trimmingCharacters(in: .whitespaces).lowercased()
        guard !q.isEmpty else { return 1 }
        if entry.code.lowercased() == q { return 100 }
        if entry.name == q { return 90 }
        if entry.name.hasPrefix(q) { return 80 }
        if entry.name.contains(q) { return 70 }
        if entry.keywordList.contains(where: { $0.contains(q) }) { return 60 }
        if entry.department.contains(q) { return 40 }
        let letters = q.filter { $0.isLetter || $0.isNumber }
        if !letters.isEmpty, letters.allSatisfy(\.isASCII) {
            let name = PinyinInitials.of(entry.name)
            if name.hasPrefix(letters) { return 50 }
            if name.contains(letters) { return 45 }
            if entry.keywordList.map(PinyinInitials.of).contains(where: { $0.hasPrefix(letters) }) { return 35 }
        }
        // Every character of a multi-character query somewhere in the name (社保 卡 → 社会保障卡).
        let chars = q.filter { !$0.isWhitespace }
        if chars.count >= 2, !chars.allSatisfy(\.isASCII), chars.allSatisfy({ entry.name.contains($0) }) { return 30 }
        return 0
    }

    public static func rank(_ query: String, _ entries: [ServiceEntry]) -> [ServiceEntry] {
        let scored: [(entry: ServiceEntry, score: Int)] = entries.map { ($0, score(query, $0)) }
        let kept = scored.filter { $0.score > 0 }
        let sorted = kept.sorted { a, b in a.score != b.score ? a.score > b.score : a.entry.code < b.entry.code }
        return sorted.map(\.entry)
    }
}
