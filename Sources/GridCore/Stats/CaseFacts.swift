import Foundation

/// What one case contributes to the statistics, as counters. The rollup tables hold, per area and
/// per day the case was **received** (a cohort), the sum of these over the cases; a change to a case
/// adds `after − before` in the same transaction, so the sums always equal a recount.
public struct CaseFacts: Equatable, Sendable {
    /// The counters the rollup tables were created with (migrations 011 and 014).
    public static let firstCounterNames = [
        "received", "closed", "closed_on_time", "overdue", "escalated", "rated", "satisfied", "on_site",
        "by_community", "by_street", "by_district", "by_department", "explained", "rejected", "handling_seconds",
    ]
    /// The workflow's counters (migration 023): the standard's indicators and the hotline's 三率.
    public static let workflowCounterNames = [
        "accepted", "accepted_on_time", "dispatched", "dispatched_on_time", "dispatches", "redispatches", "signed", "signed_on_time",
        "extended", "returns_refused", "reworks", "suspended", "withdrawn", "voided",
        "callback_due", "callback_reached", "callback_resolved", "callback_satisfied",
    ]
    public static let counterNames = firstCounterNames + workflowCounterNames

    /// What a case's own columns say about its passage through the workflow.
    public struct Workflow: Equatable, Sendable {
        public var accepted = false
        public var acceptedOnTime: Bool?
        public var dispatchedOnTime: Bool?
        public var signedOnTime: Bool?
        public var dispatches = 0
        public var redispatches = 0
        public var extensions = 0
        public var returnsRefused = 0
        public var reworks = 0
        public var callback: CallbackStatus?
        public var callbackResolved: Bool?
        public var callbackSatisfaction: Satisfaction?
        public init() {}
    }

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
    /// 立案数, and accepted within the acceptance clock.
    public var accepted = 0
    public var acceptedOnTime = 0
    /// Dispatched at least once; the first dispatch within the acceptance clock.
    public var dispatched = 0
    public var dispatchedOnTime = 0
    /// Dispatches in all, and those after the first (改派).
    public var dispatches = 0
    public var redispatches = 0
    /// Signed for by the department, and signed within the acceptance hours after dispatch (响应).
    public var signed = 0
    public var signedOnTime = 0
    /// Extended at least once (延期).
    public var extended = 0
    /// Returns the dispatcher refused (against the department's 退回率).
    public var returnsRefused = 0
    /// Sent back by a callback (重办 / 返工).
    public var reworks = 0
    /// Now suspended (缓办), withdrawn (撤件) or voided (作废).
    public var suspended = 0
    public var withdrawn = 0
    public var voided = 0
    /// Callbacks due, reached, and of those: solved, satisfied.
    public var callbackDue = 0
    public var callbackReached = 0
    public var callbackResolved = 0
    public var callbackSatisfied = 0
    /// The current status (one-hot), for the live queue counts.
    public var status: CaseStatus?

    public init() {}

    /// The facts of a case as it stands. `handlingLevel`: the level of the area that held it when it
    /// was handled locally (nil if a department or nobody handled it).
    public init(status: CaseStatus, overdue: Bool, escalated: Bool, satisfaction: Satisfaction?, resolution: Resolution?,
                handlingLevel: AreaLevel?, reportedAt: Date, closedAt: Date?, workflow w: Workflow = Workflow()) {
        received = 1
        accepted = w.accepted ? 1 : 0
        acceptedOnTime = w.acceptedOnTime == true ? 1 : 0
        dispatched = w.dispatches > 0 ? 1 : 0
        dispatchedOnTime = w.dispatches > 0 && w.dispatchedOnTime == true ? 1 : 0
        dispatches = w.dispatches
        redispatches = w.redispatches
        signed = w.signedOnTime == nil ? 0 : 1
        signedOnTime = w.signedOnTime == true ? 1 : 0
        extended = w.extensions > 0 ? 1 : 0
        returnsRefused = w.returnsRefused
        reworks = w.reworks
        suspended = status == .suspended ? 1 : 0
        withdrawn = status == .withdrawn ? 1 : 0
        voided = status == .voided ? 1 : 0
        callbackDue = w.callback == nil ? 0 : 1
        callbackReached = w.callback == .reached ? 1 : 0
        callbackResolved = w.callback == .reached && w.callbackResolved == true ? 1 : 0
        callbackSatisfied = w.callback == .reached && w.callbackSatisfaction?.countsAsSatisfied == true ? 1 : 0
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
         byCommunity, byStreet, byDistrict, byDepartment, explained, rejected, handlingSeconds,
         accepted, acceptedOnTime, dispatched, dispatchedOnTime, dispatches, redispatches, signed, signedOnTime,
         extended, returnsRefused, reworks, suspended, withdrawn, voided,
         callbackDue, callbackReached, callbackResolved, callbackSatisfied]
    }

    public init(counters c: [Int]) {
        precondition(c.count == Self.counterNames.count)
        (received, closed, closedOnTime, overdue, escalated, rated, satisfied, onSite) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
        (byCommunity, byStreet, byDistrict, byDepartment, explained, rejected, handlingSeconds) = (c[8], c[9], c[10], c[11], c[12], c[13], c[14])
        (accepted, acceptedOnTime, dispatched, dispatchedOnTime, dispatches, redispatches, signed, signedOnTime) =
            (c[15], c[16], c[17], c[18], c[19], c[20], c[21], c[22])
        (extended, returnsRefused, reworks, suspended, withdrawn, voided) = (c[23], c[24], c[25], c[26], c[27], c[28])
        (callbackDue, callbackReached, callbackResolved, callbackSatisfied) = (c[29], c[30], c[31], c[32])
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

    /// 应结案数: received, less what is not to be closed (不予受理, 撤件, 作废).
    public var dueToClose: Int { facts.received - facts.rejected - facts.withdrawn - facts.voided }
    /// 结案率 = 结案数 ÷ (应结案数 − 缓办数) (GB/T 30428).
    public var closure: Double? { Self.ratio(facts.closed, dueToClose - facts.suspended) }
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

    /// 按时受理率 = 按时受理 ÷ 立案数.
    public var acceptedOnTime: Double? { Self.ratio(facts.acceptedOnTime, facts.accepted) }
    /// 按时派遣率 = 受理时限内派遣 ÷ 派遣事件数.
    public var dispatchedOnTime: Double? { Self.ratio(facts.dispatchedOnTime, facts.dispatched) }
    /// 派遣准确率 = 1 − 改派 ÷ 派遣次数.
    public var dispatchAccuracy: Double? { facts.dispatches == 0 ? nil : 1 - Double(facts.redispatches) / Double(facts.dispatches) }
    /// 返工率 = 重办 ÷ 结案数.
    public var rework: Double? { Self.ratio(facts.reworks, facts.closed) }
    /// 延期率 = 延期事件 ÷ 立案数.
    public var extension_: Double? { Self.ratio(facts.extended, facts.accepted) }
    /// 退回率 = 不予认可的退回 ÷ 派遣次数.
    public var returnRate: Double? { Self.ratio(facts.returnsRefused, facts.dispatches) }
    /// 回访率 = 已回访 ÷ 应回访.
    public var callback: Double? { Self.ratio(facts.callbackReached, facts.callbackDue) }
    /// 回访满意率 = 回访满意 ÷ 已回访 (the hotline's 满意率).
    public var callbackSatisfaction: Double? { Self.ratio(facts.callbackSatisfied, facts.callbackReached) }
    /// 响应率 = 按时签收 ÷ 派遣事件数.
    public var response: Double? { Self.ratio(facts.signedOnTime, facts.dispatched) }
    /// 解决率 = 回访确认已解决 ÷ 已回访.
    public var solved: Double? { Self.ratio(facts.callbackResolved, facts.callbackReached) }

    /// The standard's indicators in the order the statistics page shows them: name, value, numerator ÷ denominator, definition.
    public var indicators: [(name: String, value: Double?, fraction: String, definition: String)] {
        let f = facts
        func of(_ n: Int, _ d: Int) -> String { "\(n) ÷ \(d)" }
        return [
            ("结案率", closure, of(f.closed, dueToClose - f.suspended), "结案数 ÷（应结案数 − 缓办数）；应结案数不含不予受理、撤件、作废"),
            ("按期结案率", onTime, of(f.closedOnTime, f.closed), "结案事件中所有时限均未超时的比例"),
            ("按时受理率", acceptedOnTime, of(f.acceptedOnTime, f.accepted), "受理时限内受理的 ÷ 立案数"),
            ("按时派遣率", dispatchedOnTime, of(f.dispatchedOnTime, f.dispatched), "首次派遣在受理时限内完成的 ÷ 派遣事件数"),
            ("派遣准确率", dispatchAccuracy, "1 − \(f.redispatches) ÷ \(f.dispatches)", "1 − 改派次数 ÷ 派遣次数（退单经审核同意后再派遣为改派）"),
            ("返工率", rework, of(f.reworks, f.closed), "回访不满意或未解决而重办的次数 ÷ 结案数"),
            ("延期率", extension_, of(f.extended, f.accepted), "经批准延期的事件 ÷ 立案数"),
            ("退回率", returnRate, of(f.returnsRefused, f.dispatches), "退单未获派遣方同意的次数 ÷ 派遣次数"),
            ("回访率", callback, of(f.callbackReached, f.callbackDue), "回访联系上的 ÷ 应回访（居民、热线、Open311 来源的结案事件）"),
            ("回访满意率", callbackSatisfaction, of(f.callbackSatisfied, f.callbackReached), "回访中“满意”“基本满意”的 ÷ 已回访"),
            ("响应率", response, of(f.signedOnTime, f.dispatched), "派遣后受理时限内签收的 ÷ 派遣事件数（热线三率之一）"),
            ("解决率", solved, of(f.callbackResolved, f.callbackReached), "回访确认已解决的 ÷ 已回访（热线三率之一）"),
        ]
    }

    public static let definitions: [(String, String)] = [
        ("受理", "统计期内上报（受理日期在期内）的事件数；同一事件只计一次"),
        ("结案率", "期内上报的事件中，目前已结案的比例：结案数 ÷（应结案数 − 缓办数），不予受理、撤件、作废不计入"),
        ("按期结案率", "已结案事件中，所有时限（受理、到场、办结、回访）均未超时的比例"),
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
