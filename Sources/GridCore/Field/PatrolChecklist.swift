import Foundation

/// 日常巡查清单: what a grid's patrol looks at each time, and how a problem found there becomes a
/// case without typing it all again.
public enum PatrolChecklist {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case component, hazard, site, place

        public var displayName: String {
            switch self {
            case .component: "城市部件"
            case .hazard: "隐患点"
            case .site: "在建工地"
            case .place: "重点场所"
            }
        }
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case title, place, tooMany, note, noteRequired(String)

        public var description: String {
            switch self {
            case .title: "巡查项名称需 2–40 个字"
            case .place: "位置说明不超过 60 字"
            case .tooMany: "每个网格的巡查清单最多 60 项"
            case .note: "巡查说明不超过 200 字"
            case let .noteRequired(item): "“\(item)”有问题，请简要写明情况"
            }
        }
    }

    public static let maxItems = 60

    public static func validateItem(title: String, place: String, existing: Int) throws(Problem) {
        guard (2...40).contains(title.trimmingCharacters(in: .whitespaces).count) else { throw .title }
        guard place.trimmingCharacters(in: .whitespaces).count <= 60 else { throw .place }
        guard existing < maxItems else { throw .tooMany }
    }

    /// One item's finding on a patrol.
    public struct Finding: Equatable, Sendable {
        public let item: String
        public let ok: Bool
        public let note: String
        public init(item: String, ok: Bool, note: String) { self.item = item; self.ok = ok; self.note = note }
    }

    /// A problem needs a word about what is wrong; a fine item may carry a remark.
    public static func validate(_ findings: [Finding]) throws(Problem) {
        for f in findings {
            let note = f.note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard note.count <= 200 else { throw .note }
            if !f.ok, note.isEmpty { throw .noteRequired(f.item) }
        }
    }

    /// The pre-filled description of the case a problem becomes.
    public static func caseDescription(item: String, place: String, note: String) -> String {
        let where_ = place.trimmingCharacters(in: .whitespaces)
        return "巡查发现【\(item)】" + (where_.isEmpty ? "" : "（\(where_)）") + "：" + note.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The week's visits (走访计划): Monday to Sunday around today, what is already late, and what is due
/// each day of the week.
public struct VisitWeek: Equatable, Sendable {
    public let monday: LocalDate
    public let today: LocalDate

    public init(containing today: LocalDate) {
        self.today = today
        monday = today.adding(days: -(today.weekday - 1))  // weekday: 1 = Monday … 7 = Sunday
    }

    public var days: [LocalDate] { (0..<7).map { monday.adding(days: $0) } }
    public var sunday: LocalDate { monday.adding(days: 6) }

    public enum Slot: Equatable, Sendable {
        /// Due before today and not yet visited (missed).
        case overdue
        /// Due on this day of the week (0 = Monday), today or later.
        case day(Int)
        /// Due after this week.
        case later
    }

    public func slot(of due: LocalDate) -> Slot {
        if due < today { return .overdue }
        if due > sunday { return .later }
        return .day(due.daysSinceEpoch - monday.daysSinceEpoch)
    }

    public static let dayNames = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
}

/// How much a patrol check-in proves. Offline sync is allowed (up to 7 days late), but a check-in
/// that arrives more than `syncGrace` after the time it claims *and* has no position is only the
/// worker's word: it is kept and shown marked 离线补报·无定位, and the monthly assessment does not
/// count it as a patrol day.
public enum PatrolEvidence {
    public static let syncGrace: TimeInterval = 3600

    public static func isUnverified(at: Date, receivedAt: Date?, hasPosition: Bool) -> Bool {
        guard let receivedAt, !hasPosition else { return false }
        return receivedAt.timeIntervalSince(at) > syncGrace
    }
}
