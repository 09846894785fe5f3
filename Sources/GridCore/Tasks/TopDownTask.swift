import Foundation

/// 扁平化派发: a task a district, street or community sends straight to a set of grids (e.g. "collect
/// fire-safety data for every shop"), with a checklist each grid works through and a deadline.
public enum TopDownTask {
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case title, noItems, tooManyItems, itemTooLong(Int), noGrids, deadlineInPast, notIssuer
        public var description: String {
            switch self {
            case .title: "任务名称需 2–60 个字"
            case .noItems: "请至少填写一项任务内容（每行一项）"
            case .tooManyItems: "任务内容最多 50 项"
            case .itemTooLong(let n): "第 \(n) 项超过 100 字"
            case .noGrids: "请选择接收任务的网格"
            case .deadlineInPast: "完成期限不能早于今天"
            case .notIssuer: "只有区、街道、社区指挥中心或领导可以派发任务"
            }
        }
    }

    /// The checklist from the form's text: one item per line, blank lines dropped.
    public static func items(from text: String) throws(Problem) -> [String] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw .noItems }
        guard lines.count <= 50 else { throw .tooManyItems }
        if let long = lines.firstIndex(where: { $0.count > 100 }) { throw .itemTooLong(long + 1) }
        return lines
    }

    /// Checks a new task: its title, items, grids and a deadline no earlier than today (Beijing time).
    public static func validate(title: String, items: [String], grids: Int, due: LocalDate, today: LocalDate) throws(Problem) {
        guard (2...60).contains(title.trimmingCharacters(in: .whitespaces).count) else { throw .title }
        guard !items.isEmpty else { throw .noItems }
        guard grids > 0 else { throw .noGrids }
        guard due >= today else { throw .deadlineInPast }
    }

    /// One grid's progress on a task.
    public struct Progress: Equatable, Sendable {
        public let done: Int
        public let total: Int
        public let due: LocalDate
        public let today: LocalDate

        public init(done: Int, total: Int, due: LocalDate, today: LocalDate) {
            self.done = min(done, total); self.total = total; self.due = due; self.today = today
        }

        public var complete: Bool { total > 0 && done >= total }
        /// Past the deadline day and not complete: counted against the grid.
        public var overdue: Bool { !complete && today > due }
        public var percent: Int { total == 0 ? 0 : done * 100 / total }
        public var label: String { complete ? "已完成" : overdue ? "已逾期" : done == 0 ? "未开始" : "进行中" }
    }

    /// The whole task: grids complete, overdue, and items done over all grids.
    public static func summary(_ grids: [Progress]) -> (complete: Int, overdue: Int, percent: Int) {
        let done = grids.reduce(0) { $0 + $1.done }, total = grids.reduce(0) { $0 + $1.total }
        return (grids.filter(\.complete).count, grids.filter(\.overdue).count, total == 0 ? 0 : done * 100 / total)
    }
}
