import Foundation

/// 百分考核: the monthly 100-point score of a grid — daily work 40, hardware 10, work done 50 —
/// minus the negative list. The scheme (items, points, targets) is data, versioned and editable;
/// every item's points come with the figures and the formula behind them.
public struct AssessmentScheme: Codable, Equatable, Sendable {
    public enum Part: String, Codable, CaseIterable, Sendable {
        case daily, hardware, work
        public var displayName: String { switch self { case .daily: "日常工作"; case .hardware: "硬件建设"; case .work: "工作实绩" } }
        public var points: Double { switch self { case .daily: 40; case .hardware: 10; case .work: 50 } }
    }

    /// What an item measures; each has one formula.
    public enum Measure: String, Codable, CaseIterable, Sendable {
        /// 巡查打卡: days with a patrol check-in ÷ working days of the month.
        case patrolDays
        /// 特殊人群走访: visits made ÷ visits due by the groups' frequencies.
        case visits
        /// 基础信息更新: registry changes in the grid; full points at `target`.
        case registryUpdates
        /// 硬件建设: entered by the street with a reason.
        case hardware
        /// 事件发现: cases reported by the grid's workers; full points at `target`.
        case casesFound
        /// 现场处置: cases fixed on the spot; full points at `target`.
        case onSite
        /// 按期办结率 of the grid's cases received in the month.
        case onTimeRate
        /// 办结率 of the grid's cases received in the month.
        case closureRate
        /// 满意率 of the grid's rated cases.
        case satisfactionRate
        /// 核查及时: average hours from a reply to the grid worker's verification; full points up to
        /// `target` hours, none from `limit` hours.
        case verifySpeed
        /// 有效上报率 of the grid's workers: reports accepted or fixed on the spot ÷ reports.
        case validReportRate
        /// 回访满意率 of the grid's cases called back.
        case callbackSatisfactionRate
        /// 返工率 of the grid's closed cases (1 − rate earns the points).
        case reworkRate

        public var displayName: String {
            switch self {
            case .patrolDays: "巡查打卡"
            case .visits: "特殊人群走访"
            case .registryUpdates: "基础信息更新"
            case .hardware: "硬件建设"
            case .casesFound: "事件发现"
            case .onSite: "现场处置"
            case .onTimeRate: "按期办结率"
            case .closureRate: "办结率"
            case .satisfactionRate: "满意率"
            case .verifySpeed: "核查及时"
            case .validReportRate: "有效上报率"
            case .callbackSatisfactionRate: "回访满意率"
            case .reworkRate: "返工率"
            }
        }
    }

    public struct Item: Codable, Equatable, Sendable {
        public var measure: Measure
        public var part: Part
        public var points: Double
        /// Count at which a counted measure earns full points; hours for `verifySpeed`.
        public var target: Double?
        /// `verifySpeed`: hours from which it earns nothing.
        public var limit: Double?

        public init(_ measure: Measure, _ part: Part, points: Double, target: Double? = nil, limit: Double? = nil) {
            self.measure = measure; self.part = part; self.points = points; self.target = target; self.limit = limit
        }
    }

    public var version: Int
    public var items: [Item]
    /// Points off per task a grid left overdue (任务逾期), on top of the negative list.
    public var overdueTaskPenalty: Double

    public init(version: Int, items: [Item], overdueTaskPenalty: Double = 1) {
        self.version = version; self.items = items; self.overdueTaskPenalty = overdueTaskPenalty
    }

    public static let standard = AssessmentScheme(version: 1, items: [
        Item(.patrolDays, .daily, points: 15),
        Item(.visits, .daily, points: 15),
        Item(.registryUpdates, .daily, points: 10, target: 20),
        Item(.hardware, .hardware, points: 10),
        // Shifeng registered 6,329 cases in half a year over its grids: about 5 a grid a month.
        Item(.casesFound, .work, points: 10, target: 6),
        Item(.onSite, .work, points: 8, target: 3),
        Item(.onTimeRate, .work, points: 10),
        Item(.closureRate, .work, points: 10),
        Item(.satisfactionRate, .work, points: 8),
        Item(.verifySpeed, .work, points: 4, target: 24, limit: 72),
    ])

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case partTotal(Part, Double)
        case duplicate(Measure)
        case target(Measure)
        case negative(Measure)

        public var description: String {
            switch self {
            case let .partTotal(part, sum): "\(part.displayName)各项合计应为 \(Int(part.points)) 分（现为 \(Self.format(sum)) 分）"
            case let .duplicate(m): "“\(m.displayName)”出现了两次"
            case let .target(m): "“\(m.displayName)”需要大于 0 的目标值" + (m == .verifySpeed ? "，且满分时限小于零分时限" : "")
            case let .negative(m): "“\(m.displayName)”的分值不能为负"
            }
        }

        public static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }
    }

    /// Each part adds up to its share of 100; targets make sense.
    public func validated() throws(Problem) -> AssessmentScheme {
        var seen = Set<Measure>()
        for item in items {
            guard seen.insert(item.measure).inserted else { throw .duplicate(item.measure) }
            guard item.points >= 0 else { throw .negative(item.measure) }
            switch item.measure {
            case .registryUpdates, .casesFound, .onSite:
                guard (item.target ?? 0) > 0 else { throw .target(item.measure) }
            case .verifySpeed:
                guard let t = item.target, let l = item.limit, t > 0, l > t else { throw .target(item.measure) }
            default: break
            }
        }
        for part in Part.allCases {
            let sum = items.filter { $0.part == part }.reduce(0) { $0 + $1.points }
            guard abs(sum - part.points) < 0.001 else { throw .partTotal(part, sum) }
        }
        return self
    }
}

/// A grid's month as the assessment reads it (gathered from the records by the server).
public struct AssessmentMonth: Equatable, Sendable {
    public var workingDays = 0
    public var patrolDays = 0
    public var visitsDue = 0
    public var visitsDone = 0
    public var registryUpdates = 0
    /// nil: the street has not entered it yet (counts 0 until it does).
    public var hardware: Double?
    public var hardwareReason = ""
    public var casesFound = 0
    /// The grid's cases received in the month (cohort): see `CaseFacts`.
    public var cases = CaseFacts()
    /// The grid workers' own reports among them (有效上报率).
    public var workerReports = CaseFacts()
    /// Average hours from reply to verification, over the month's verifications (nil: none).
    public var verifyHours: Double?
    public var verifications = 0
    public var deductions: [Deduction] = []
    public var overdueTasks: [String] = []

    public struct Deduction: Equatable, Sendable {
        public let points: Double
        public let reason: String
        /// The case it was for (its number), so the explanation links to it.
        public let caseCode: String?
        public init(points: Double, reason: String, caseCode: String?) { self.points = points; self.reason = reason; self.caseCode = caseCode }
    }

    public init() {}
}

public struct AssessmentScore: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        public let measure: AssessmentScheme.Measure
        public let part: AssessmentScheme.Part
        public let points: Double
        public let max: Double
        /// The figures behind the points, in words ("巡查 18 天 / 工作日 20 天").
        public let actual: String
        /// The formula, in words.
        public let formula: String
        public var lost: Double { max - points }
    }

    public let lines: [Line]
    public let deductions: [AssessmentMonth.Deduction]
    public let schemeVersion: Int

    public var subtotal: Double { lines.reduce(0) { $0 + $1.points } }
    public var deducted: Double { deductions.reduce(0) { $0 + $1.points } }
    /// Never below 0.
    public var total: Double { Swift.max(0, Self.round(subtotal - deducted)) }

    public func part(_ p: AssessmentScheme.Part) -> Double { Self.round(lines.filter { $0.part == p }.reduce(0) { $0 + $1.points }) }

    /// One decimal, as on the printed report.
    public static func round(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    /// "Why did this grid lose points?": every line short of full and every deduction, biggest first.
    public var explanation: [String] {
        let short = lines.filter { $0.lost > 0.05 }.sorted { $0.lost > $1.lost }
            .map { "\($0.measure.displayName)失 \(AssessmentScheme.Problem.format(Self.round($0.lost))) 分：\($0.actual)（\($0.formula)）" }
        let minus = deductions.map { "扣 \(AssessmentScheme.Problem.format($0.points)) 分：\($0.reason)" + ($0.caseCode.map { "（事件 \($0)）" } ?? "") }
        return short + minus
    }
}

public enum Assessment {
    public static func score(_ m: AssessmentMonth, scheme: AssessmentScheme) -> AssessmentScore {
        let lines = scheme.items.map { line($0, m) }
        var deductions = m.deductions
        for task in m.overdueTasks where scheme.overdueTaskPenalty > 0 {
            deductions.append(.init(points: scheme.overdueTaskPenalty, reason: "任务逾期未完成：\(task)", caseCode: nil))
        }
        return AssessmentScore(lines: lines, deductions: deductions, schemeVersion: scheme.version)
    }

    static func share(_ n: Int, _ d: Int) -> Double { d == 0 ? 1 : min(1, Double(n) / Double(d)) }
    static func pct(_ v: Double?) -> String { CaseRates.percent(v) }

    static func line(_ item: AssessmentScheme.Item, _ m: AssessmentMonth) -> AssessmentScore.Line {
        let rates = CaseRates(m.cases)
        let (fraction, actual, formula): (Double, String, String)
        switch item.measure {
        case .patrolDays:
            fraction = share(m.patrolDays, m.workingDays)
            (actual, formula) = ("巡查打卡 \(m.patrolDays) 天 / 工作日 \(m.workingDays) 天", "打卡天数 ÷ 工作日 × 分值")
        case .visits:
            fraction = share(m.visitsDone, m.visitsDue)
            (actual, formula) = ("走访 \(m.visitsDone) 次 / 应走访 \(m.visitsDue) 次", "已走访 ÷ 按频次应走访 × 分值，无应走访计满分")
        case .registryUpdates:
            fraction = min(1, Double(m.registryUpdates) / (item.target ?? 1))
            (actual, formula) = ("更新 \(m.registryUpdates) 条", "更新条数 ÷ \(Int(item.target ?? 1)) × 分值，封顶")
        case .hardware:
            fraction = m.hardware.map { min(1, max(0, $0 / max(item.points, 0.001))) } ?? 0
            (actual, formula) = (m.hardware.map { "街道评定 \(AssessmentScheme.Problem.format($0)) 分" + (m.hardwareReason.isEmpty ? "" : "：\(m.hardwareReason)") } ?? "街道尚未评定",
                                 "由街道按阵地、设备、标识评定")
        case .casesFound:
            fraction = min(1, Double(m.casesFound) / (item.target ?? 1))
            (actual, formula) = ("网格员上报 \(m.casesFound) 件", "上报件数 ÷ \(Int(item.target ?? 1)) × 分值，封顶")
        case .onSite:
            fraction = min(1, Double(m.cases.onSite) / (item.target ?? 1))
            (actual, formula) = ("现场处置 \(m.cases.onSite) 件", "现场处置件数 ÷ \(Int(item.target ?? 1)) × 分值，封顶")
        case .onTimeRate:
            fraction = rates.onTime ?? 1
            (actual, formula) = ("按期办结 \(m.cases.closedOnTime) / 办结 \(m.cases.closed)（\(pct(rates.onTime))）", "按期办结率 × 分值，无办结计满分")
        case .closureRate:
            fraction = rates.closure ?? 1
            (actual, formula) = ("结案 \(m.cases.closed) / 应结案 \(rates.dueToClose - m.cases.suspended)（\(pct(rates.closure))）", "结案率 × 分值，无应结案计满分")
        case .satisfactionRate:
            fraction = rates.satisfaction ?? 1
            (actual, formula) = ("满意 \(m.cases.satisfied) / 评价 \(m.cases.rated)（\(pct(rates.satisfaction))）", "满意率 × 分值，无评价计满分")
        case .validReportRate:
            let w = m.workerReports, valid = w.accepted + w.onSite
            fraction = w.received == 0 ? 1 : Double(valid) / Double(w.received)
            (actual, formula) = ("立案或现场处置 \(valid) / 上报 \(w.received)", "有效上报率 × 分值，无上报计满分")
        case .callbackSatisfactionRate:
            fraction = rates.callbackSatisfaction ?? 1
            (actual, formula) = ("回访满意 \(m.cases.callbackSatisfied) / 已回访 \(m.cases.callbackReached)（\(pct(rates.callbackSatisfaction))）",
                                 "回访满意率 × 分值，无回访计满分")
        case .reworkRate:
            fraction = 1 - min(1, rates.rework ?? 0)
            (actual, formula) = ("重办 \(m.cases.reworks) / 结案 \(m.cases.closed)（\(pct(rates.rework))）", "(1 − 返工率) × 分值")
        case .verifySpeed:
            let full = item.target ?? 24, zero = item.limit ?? 72
            if let h = m.verifyHours {
                fraction = h <= full ? 1 : h >= zero ? 0 : (zero - h) / (zero - full)
                actual = String(format: "平均 %.1f 小时核查（%d 次）", h, m.verifications)
            } else {
                fraction = 1
                actual = "本月无核查"
            }
            formula = "\(Int(full)) 小时内满分，\(Int(zero)) 小时及以上不得分，其间按比例"
        }
        return .init(measure: item.measure, part: item.part, points: AssessmentScore.round(item.points * fraction), max: item.points,
                     actual: actual, formula: formula)
    }
}

/// 责任倒追: the sanctions a supervisor may record against a person or a unit along a case's chain.
public enum SanctionKind: String, CaseIterable, Codable, Sendable {
    case talk, interview, writtenNotice, yellowCard

    public var displayName: String {
        switch self {
        case .talk: "约谈"
        case .interview: "面谈"
        case .writtenNotice: "书面通报"
        case .yellowCard: "黄牌警告"
        }
    }
}

/// One link of a case's chain of responsibility: who held which deadline, from when, due when, and how it ended.
public struct ResponsibilityLink: Equatable, Sendable {
    public let step: String
    public let holder: String
    public let from: Date
    public let due: Date
    /// When the step was done (or handed on); nil while it is still open.
    public let done: Date?

    public init(step: String, holder: String, from: Date, due: Date, done: Date?) {
        self.step = step; self.holder = holder; self.from = from; self.due = due; self.done = done
    }

    /// Hours past the deadline (at `now` when still open); 0 when on time.
    public func hoursLate(now: Date) -> Double {
        max(0, ((done ?? now).timeIntervalSince(due)) / 3600)
    }

    public func verdict(now: Date) -> String {
        let late = hoursLate(now: now)
        if late == 0 { return done == nil ? "办理中" : "按时" }
        let text = late >= 24 ? String(format: "%.1f 天", late / 24) : String(format: "%.0f 小时", late.rounded(.up))
        return (done == nil ? "已超时 " : "超时 ") + text
    }
}
