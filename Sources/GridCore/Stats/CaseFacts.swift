import Foundation

/// What one case contributes to the statistics, as counters. The rollup tables hold, per area and
/// per day the case was **received** (a cohort), the sum of these over the cases; a change to a case
/// adds `after − before` in the same transaction, so the sums always equal a recount.
public struct CaseFacts: Equatable, Sendable {
    public static let counterNames = [
        "received", "closed", "closed_on_time", "overdue", "escalated", "rated", "satisfied", "on_site",
        "by_community", "by_street", "by_district", "by_department", "explained", "rejected", "handling_seconds",
    ]

    public var received = 0
    public var closed = 0
    /// Closed without any deadline missed.
    public var closedOnTime = 0
    /// Any deadline missed (超时), open or closed.
    public var overdue = 0
    /// Escalated to an upper level at least once.
    public var escalated = 0
    public var rated = 0
    /// Rated 满意 or 基本满意.
    public var satisfied = 0
    /// 小事不出格: fixed on the spot by the grid worker.
    public var onSite = 0
    /// The four-way split (四级分流) of closed cases: handled by the community, street or district
    /// itself, by a department, or closed with an explanation.
    public var byCommunity = 0
    public var byStreet = 0
    public var byDistrict = 0
    public var byDepartment = 0
    public var explained = 0
    public var rejected = 0
    /// Seconds from report to close, summed over closed cases (for the average handling time).
    public var handlingSeconds = 0
    /// The current status (one-hot), for the live queue counts.
    public var status: CaseStatus?

    public init() {}

    /// The facts of a case as it stands. `handlingLevel`: the level of the area that held it when it
    /// was handled locally (nil if a department or nobody handled it).
    public init(status: CaseStatus, overdue: Bool, escalated: Bool, satisfaction: Satisfaction?, resolution: Resolution?,
                handlingLevel: AreaLevel?, reportedAt: Date, closedAt: Date?) {
        received = 1
        self.status = status
        self.overdue = overdue ? 1 : 0
        self.escalated = escalated ? 1 : 0
        rated = satisfaction == nil ? 0 : 1
        satisfied = satisfaction?.countsAsSatisfied == true ? 1 : 0
        rejected = status == .rejected ? 1 : 0
        guard status == .closed else { return }
        closed = 1
        closedOnTime = overdue ? 0 : 1
        handlingSeconds = max(0, Int((closedAt ?? reportedAt).timeIntervalSince(reportedAt)))
        switch resolution {
        case .resolvedOnSite?: onSite = 1
        case .handledByDepartment?: byDepartment = 1
        case .explained?: explained = 1
        case .handledLocally?:
            switch handlingLevel {
            case .community?, .grid?, .microGrid?: byCommunity = 1
            case .street?: byStreet = 1
            default: byDistrict = 1
            }
        case nil: break
        }
    }

    public var counters: [Int] {
        [received, closed, closedOnTime, overdue, escalated, rated, satisfied, onSite,
         byCommunity, byStreet, byDistrict, byDepartment, explained, rejected, handlingSeconds]
    }

    public init(counters c: [Int]) {
        precondition(c.count == Self.counterNames.count)
        (received, closed, closedOnTime, overdue, escalated, rated, satisfied, onSite) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
        (byCommunity, byStreet, byDistrict, byDepartment, explained, rejected, handlingSeconds) = (c[8], c[9], c[10], c[11], c[12], c[13], c[14])
    }

    /// `after − before`, counter by counter (the status moves are separate: `statusMove`).
    public static func delta(from before: CaseFacts?, to after: CaseFacts) -> [Int] {
        let b = before?.counters ?? Array(repeating: 0, count: counterNames.count)
        return zip(after.counters, b).map { $0 - $1 }
    }

    public static func + (a: CaseFacts, b: CaseFacts) -> CaseFacts {
        CaseFacts(counters: zip(a.counters, b.counters).map { $0 + $1 })
    }

    /// Open and past a deadline: the big screen's 超时在办.
    public var openOverdue: Bool { status?.isOpen == true && overdue == 1 }

    public static func statusMove(from before: CaseFacts?, to after: CaseFacts) -> (from: CaseStatus?, to: CaseStatus?) {
        before?.status == after.status ? (nil, nil) : (before?.status, after.status)
    }
}

/// The rates on the statistics pages, each with the definition printed beside it. Cohort rates:
/// of the cases received in the period, how many are closed (on time, satisfied) now.
public struct CaseRates: Equatable, Sendable {
    public let facts: CaseFacts

    public init(_ facts: CaseFacts) { self.facts = facts }

    static func ratio(_ n: Int, _ d: Int) -> Double? { d == 0 ? nil : Double(n) / Double(d) }

    /// 办结率 = 已办结 ÷ 受理 (不予受理的不计入分母).
    public var closure: Double? { Self.ratio(facts.closed, facts.received - facts.rejected) }
    /// 按期办结率 = 按期办结 ÷ 已办结.
    public var onTime: Double? { Self.ratio(facts.closedOnTime, facts.closed) }
    /// 满意率 = (满意 + 基本满意) ÷ 已评价.
    public var satisfaction: Double? { Self.ratio(facts.satisfied, facts.rated) }
    /// 现场处置率 = 现场处置 ÷ 已办结.
    public var onSite: Double? { Self.ratio(facts.onSite, facts.closed) }
    /// 上报率 = 上报上级 ÷ 受理.
    public var escalation: Double? { Self.ratio(facts.escalated, facts.received) }
    /// 平均办理时长 (hours) = 办结用时之和 ÷ 已办结.
    public var averageHandlingHours: Double? { facts.closed == 0 ? nil : Double(facts.handlingSeconds) / Double(facts.closed) / 3600 }

    public static let definitions: [(String, String)] = [
        ("受理", "统计期内上报（受理日期在期内）的事件数；同一事件只计一次"),
        ("办结率", "期内受理的事件中，目前已办结的比例；不予受理的不计入分母"),
        ("按期办结率", "已办结事件中，所有时限（受理、到场、办结）均未超时的比例"),
        ("满意率", "已评价事件中，评价为“满意”或“基本满意”的比例"),
        ("现场处置率", "已办结事件中，由网格员现场处置（小事不出格）的比例"),
        ("四级分流", "已办结事件按最终处理方：社区、街道、区本级办理，交办部门办理，解释说明"),
        ("平均办理时长", "已办结事件从上报到办结的平均小时数"),
    ]

    public static func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }
}
