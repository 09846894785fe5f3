import Foundation

/// One 办事指南 item as imported from a clerk's spreadsheet (CSV or XLSX, one row per item).
public struct ServiceRecord: Sendable, Equatable {
    public var code: String
    public var name: String
    public var department: String
    public var category: String
    public var conditions: String
    public var materials: [String]
    public var steps: [String]
    public var timeLimit: String
    public var fees: String
    public var location: String
    /// 可帮办代办: a grid worker may collect the materials and submit for the resident.
    public var agentHandled: Bool
    public var keywords: String

    public var entry: ServiceEntry { ServiceEntry(code: code, name: name, department: department, keywords: keywords + " " + category) }
}

public enum CatalogImport {
    public static let header = ["编码", "事项名称", "主管部门", "类别", "申请条件", "申请材料", "办理流程", "办理时限", "收费标准", "办理地点", "帮办代办", "关键词"]

    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public let row: Int
        public let reason: String
        public var description: String { row == 0 ? reason : "第 \(row) 行：\(reason)" }
    }

    /// Every row checked; all items or, with any problem, none (the problems say which rows and why).
    public static func parse(_ rows: [[String]]) -> (items: [ServiceRecord], problems: [Problem]) {
        guard let head = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) else { return ([], [Problem(row: 0, reason: "文件是空的")]) }
        var index: [String: Int] = [:]
        for (i, name) in head.enumerated() { index[name] = i }
        let missing = header.prefix(10).filter { index[$0] == nil }
        guard missing.isEmpty else { return ([], [Problem(row: 1, reason: "缺少列：" + missing.joined(separator: "、") + "（请使用导入模板）")]) }
        var items: [ServiceRecord] = [], problems: [Problem] = [], seen: [String: Int] = [:]
        for (offset, row) in rows.dropFirst().enumerated() {
            let line = offset + 2
            func cell(_ name: String) -> String {
                guard let i = index[name], i < row.count else { return "" }
                return row[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let code = cell("编码"), name = cell("事项名称")
            var reasons: [String] = []
            if code.isEmpty || code.count > 20 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                reasons.append("编码应为 1–20 位字母、数字或 -")
            }
            if !(2...60).contains(name.count) { reasons.append("事项名称需 2–60 个字") }
            if cell("主管部门").isEmpty { reasons.append("主管部门必填") }
            if cell("办理时限").isEmpty { reasons.append("办理时限必填") }
            let materials = split(cell("申请材料")), steps = split(cell("办理流程"))
            if materials.isEmpty { reasons.append("申请材料必填（用“；”分隔）") }
            if steps.isEmpty { reasons.append("办理流程必填（用“；”分隔）") }
            let agentText = cell("帮办代办")
            guard ["", "是", "否", "Y", "N", "y", "n"].contains(agentText) else { reasons.append("帮办代办应为“是”或“否”"); problems += reasons.map { Problem(row: line, reason: $0) }; continue }
            if let first = seen[code] { reasons.append("编码 \(code) 与第 \(first) 行重复") }
            seen[code] = seen[code] ?? line
            guard reasons.isEmpty else { problems += reasons.map { Problem(row: line, reason: $0) }; continue }
            items.append(ServiceRecord(code: code, name: name, department: cell("主管部门"), category: cell("类别").isEmpty ? cell("主管部门") : cell("类别"),
                                       conditions: cell("申请条件"), materials: materials, steps: steps, timeLimit: cell("办理时限"),
                                       fees: cell("收费标准").isEmpty ? "不收费" : cell("收费标准"), location: cell("办理地点"),
                                       agentHandled: ["是", "Y", "y"].contains(agentText), keywords: cell("关键词")))
        }
        if items.isEmpty && problems.isEmpty { problems.append(Problem(row: 0, reason: "文件中没有事项")) }
        return problems.isEmpty ? (items, []) : ([], problems)
    }

    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { "；;\n|".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
