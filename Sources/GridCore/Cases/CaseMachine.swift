import Foundation

/// Who answers for a case (or for one of its deadlines): an area's command center or a department.
public enum Holder: Equatable, Sendable, Hashable {
    case area(AreaPath, AreaLevel)
    case department(String)
}

/// Everything the state machine needs to know about a case, with no database behind it.
public struct CaseSnapshot: Sendable, Equatable {
    public var status: CaseStatus
    /// The case's grid, and its ancestors by level (community, street, district …).
    public var gridPath: AreaPath
    public var ancestors: [AreaLevel: AreaPath]
    public var holder: Holder
    public var coHandlers: [String]
    /// The area that dispatched it to the current department (returns go back there).
    public var dispatchedBy: AreaPath?
    public var lastDepartment: String?
    public var lastAreaHolder: Holder?
    /// Set when a lower level escalated the case: from where, to where, and when.
    public var escalatedFrom: AreaPath?
    public var escalatedTo: AreaPath?
    public var escalatedAt: Date?
    public var hasOpenInquiry: Bool
    public var reporterID: String?
    public var rated: Bool
    public var onSitePending: Bool
    /// When the running on-site clock (到场时限) falls due: it moves with the case to each new holder.
    public var onSiteDue: Date?
    public var policy: SLAPolicy

    public init(status: CaseStatus, gridPath: AreaPath, ancestors: [AreaLevel: AreaPath], holder: Holder, coHandlers: [String] = [],
                dispatchedBy: AreaPath? = nil, lastDepartment: String? = nil, lastAreaHolder: Holder? = nil,
                escalatedFrom: AreaPath? = nil, escalatedTo: AreaPath? = nil, escalatedAt: Date? = nil,
                hasOpenInquiry: Bool = false, reporterID: String? = nil, rated: Bool = false, onSitePending: Bool = false,
                onSiteDue: Date? = nil, policy: SLAPolicy = .general) {
        self.status = status
        self.gridPath = gridPath
        self.ancestors = ancestors
        self.holder = holder
        self.coHandlers = coHandlers
        self.dispatchedBy = dispatchedBy
        self.lastDepartment = lastDepartment
        self.lastAreaHolder = lastAreaHolder
        self.escalatedFrom = escalatedFrom
        self.escalatedTo = escalatedTo
        self.escalatedAt = escalatedAt
        self.hasOpenInquiry = hasOpenInquiry
        self.reporterID = reporterID
        self.rated = rated
        self.onSitePending = onSitePending || onSiteDue != nil
        self.onSiteDue = onSiteDue
        self.policy = policy
    }

    var holderAreaPath: AreaPath? { if case .area(let path, _) = holder { path } else { nil } }
    var holderDepartment: String? { if case .department(let id) = holder { id } else { nil } }
}

/// The person acting, with every role they hold.
public struct CaseActor: Sendable, Equatable {
    public struct Held: Sendable, Equatable {
        public let role: Role
        public let areaPath: AreaPath?
        public let areaLevel: AreaLevel?
        public let departmentID: String?
        public init(role: Role, areaPath: AreaPath? = nil, areaLevel: AreaLevel? = nil, departmentID: String? = nil) {
            self.role = role; self.areaPath = areaPath; self.areaLevel = areaLevel; self.departmentID = departmentID
        }
    }

    public let userID: String
    public let held: [Held]

    public init(userID: String, held: [Held]) { self.userID = userID; self.held = held }

    func holds(_ role: Role, at path: AreaPath?) -> Bool {
        guard let path else { return false }
        return held.contains { $0.role == role && $0.areaPath == path }
    }

    func holds(_ role: Role, covering path: AreaPath) -> Bool {
        held.contains { $0.role == role && ($0.areaPath?.contains(path) ?? false) }
    }

    func handles(_ department: String?) -> Bool {
        guard let department else { return false }
        return held.contains { $0.role == .handler && $0.departmentID == department }
    }

    /// The grid worker of this grid (or of a grid containing this micro-grid).
    func isGridWorker(of gridPath: AreaPath) -> Bool {
        held.contains { $0.role == .gridWorker && ($0.areaPath?.contains(gridPath) ?? false) }
    }

    func holdsOperator(coveringAtLevel levels: Set<AreaLevel>, _ path: AreaPath) -> Bool {
        held.contains { $0.role == .operator && ($0.areaPath?.contains(path) ?? false) && levels.contains($0.areaLevel ?? .grid) }
    }
}

/// The kinds of action, without their payloads: what the UI offers as buttons.
public enum ActionKind: String, CaseIterable, Codable, Sendable {
    case report, approveEscalation, resolveOnSite, accept, reject, handleLocally, escalate, dispatch, explain
    case acknowledge, returnCase, markOnSite, reply, verify, reopen, urge, supervise, fileInquiry, answerInquiry, rate

    public var displayName: String {
        switch self {
        case .report: "上报"
        case .approveEscalation: "审核上报"
        case .resolveOnSite: "现场处置"
        case .accept: "受理"
        case .reject: "不予受理"
        case .handleLocally: "本级办理"
        case .escalate: "上报上级"
        case .dispatch: "交办部门"
        case .explain: "解释说明"
        case .acknowledge: "签收"
        case .returnCase: "退回"
        case .markOnSite: "已到场"
        case .reply: "办结反馈"
        case .verify: "核查"
        case .reopen: "重新办理"
        case .urge: "催办"
        case .supervise: "督办"
        case .fileInquiry: "发起质询"
        case .answerInquiry: "答复质询"
        case .rate: "满意度评价"
        }
    }
}

/// An action with what it carries.
public enum CaseAction: Equatable, Sendable {
    case approveEscalation
    case resolveOnSite(String)
    case accept
    case reject(RejectReason, String)
    case handleLocally(String)
    case escalate(String)
    case dispatch(department: String, coHandlers: [String], workingDays: Int?, note: String)
    case explain(String)
    case acknowledge
    case returnCase(String)
    case markOnSite
    case reply(String)
    case verify(passed: Bool, String)
    case reopen(String)
    case urge(String)
    case supervise(String)
    case fileInquiry(String)
    case answerInquiry(String)
    case rate(Satisfaction, String)

    public var kind: ActionKind {
        switch self {
        case .approveEscalation: .approveEscalation
        case .resolveOnSite: .resolveOnSite
        case .accept: .accept
        case .reject: .reject
        case .handleLocally: .handleLocally
        case .escalate: .escalate
        case .dispatch: .dispatch
        case .explain: .explain
        case .acknowledge: .acknowledge
        case .returnCase: .returnCase
        case .markOnSite: .markOnSite
        case .reply: .reply
        case .verify: .verify
        case .reopen: .reopen
        case .urge: .urge
        case .supervise: .supervise
        case .fileInquiry: .fileInquiry
        case .answerInquiry: .answerInquiry
        case .rate: .rate
        }
    }

    /// The text the actor wrote, kept on the timeline.
    public var comment: String {
        switch self {
        case .approveEscalation, .accept, .acknowledge, .markOnSite: ""
        case .resolveOnSite(let t), .handleLocally(let t), .escalate(let t), .explain(let t), .returnCase(let t), .reply(let t),
             .reopen(let t), .urge(let t), .supervise(let t), .fileInquiry(let t), .answerInquiry(let t): t
        case .reject(let reason, let t): t.isEmpty ? reason.displayName : "\(reason.displayName)：\(t)"
        case .dispatch(_, _, _, let note): note
        case .verify(let passed, let t): (passed ? "核查通过" : "核查未通过") + (t.isEmpty ? "" : "：\(t)")
        case .rate(let s, let t): s.displayName + (t.isEmpty ? "" : "：\(t)")
        }
    }
}

/// Why an action was refused.
public enum CaseRuleViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case notAllowedInStatus(ActionKind, CaseStatus)
    case notPermitted(ActionKind)
    case reasonRequired(ActionKind)
    case noUpperLevel
    case inquiryTooEarly(workingDaysHeld: Int, needed: Int)
    case inquiryAlreadyOpen
    case noOpenInquiry
    case alreadyRated
    case nothingOnSite
    case invalidDeadline

    public var description: String {
        switch self {
        case .notAllowedInStatus(let a, let s): "事件当前为“\(s.displayName)”，不能\(a.displayName)"
        case .notPermitted(let a): "您的岗位不能对该事件执行“\(a.displayName)”"
        case .reasonRequired(let a): "“\(a.displayName)”必须填写说明"
        case .noUpperLevel: "已是最高一级，不能再上报"
        case .inquiryTooEarly(let held, let needed): "上级办理满 \(needed) 个工作日未办结方可质询（目前 \(held) 个工作日）"
        case .inquiryAlreadyOpen: "已有待答复的质询"
        case .noOpenInquiry: "没有待答复的质询"
        case .alreadyRated: "该事件已评价"
        case .nothingOnSite: "该事件没有到场时限"
        case .invalidDeadline: "交办时限应为 1–90 个工作日"
        }
    }
}

/// What a legal action does to a case. The server writes exactly this, in one transaction.
public struct Transition: Equatable, Sendable {
    public var kind: ActionKind
    public var from: CaseStatus
    public var to: CaseStatus
    public var holder: Holder
    public var coHandlers: [String]
    public var dispatchedBy: AreaPath?
    /// Deadlines that this action satisfies (open ones of these kinds are closed as met).
    public var meets: Set<DeadlineKind> = []
    /// Deadlines that stop without being met or missed (the holder changed).
    public var ends: Set<DeadlineKind> = []
    /// Deadlines that start now, answered for by `holder` (inquiries: by the queried level).
    public var starts: [(PlannedDeadline, Holder)] = []
    public var resolution: Resolution?
    public var clearsResolution = false
    public var escalation: (from: AreaPath, to: AreaPath)?
    public var inquiryOpened = false
    public var inquiryAnswered = false
    public var rating: Satisfaction?
    /// Whom to tell: areas' command centers and departments.
    public var notify: [Holder] = []

    public static func == (a: Transition, b: Transition) -> Bool {
        a.kind == b.kind && a.from == b.from && a.to == b.to && a.holder == b.holder && a.coHandlers == b.coHandlers
            && a.meets == b.meets && a.ends == b.ends && a.resolution == b.resolution
            && a.starts.map(\.0) == b.starts.map(\.0) && a.starts.map(\.1) == b.starts.map(\.1)
    }
}

/// The only place that decides which action is legal for which role at which level, and what it does.
public struct CaseMachine: Sendable {
    public let calendar: WorkCalendar
    public let levels: LevelScheme

    public init(calendar: WorkCalendar, levels: LevelScheme = .standard) {
        self.calendar = calendar
        self.levels = levels
    }

    /// A running on-site clock keeps its due time but is answered for by the new holder from now on: a new
    /// stint (the old one ends, neither met nor missed), so a miss counts against whoever held the case then.
    /// One already missed stays with the holder who missed it.
    func onSiteMoving(_ c: CaseSnapshot, to holder: Holder, now: Date) -> [(PlannedDeadline, Holder)] {
        guard let due = c.onSiteDue, due > now, holder != c.holder else { return [] }
        return [(PlannedDeadline(kind: .onSite, due: due), holder)]
    }

    /// The actions `actor` may take on `c` now: exactly the buttons the case page shows.
    public func allowedActions(for actor: CaseActor, on c: CaseSnapshot, now: Date) -> [ActionKind] {
        ActionKind.allCases.filter { kind in
            guard kind != .report, let probe = Self.probe(kind) else { return false }
            return (try? apply(probe, by: actor, to: c, now: now)) != nil
        }
    }

    /// A representative payload for each kind, used to ask "would this be allowed?".
    static func probe(_ kind: ActionKind) -> CaseAction? {
        switch kind {
        case .report: nil
        case .approveEscalation: .approveEscalation
        case .resolveOnSite: .resolveOnSite("x")
        case .accept: .accept
        case .reject: .reject(.invalid, "x")
        case .handleLocally: .handleLocally("x")
        case .escalate: .escalate("x")
        case .dispatch: .dispatch(department: "probe", coHandlers: [], workingDays: nil, note: "x")
        case .explain: .explain("x")
        case .acknowledge: .acknowledge
        case .returnCase: .returnCase("x")
        case .markOnSite: .markOnSite
        case .reply: .reply("x")
        case .verify: .verify(passed: true, "")
        case .reopen: .reopen("x")
        case .urge: .urge("x")
        case .supervise: .supervise("x")
        case .fileInquiry: .fileInquiry("x")
        case .answerInquiry: .answerInquiry("x")
        case .rate: .rate(.satisfied, "")
        }
    }

    /// Where a new case starts: a grid worker's report waits for the grid leader when it must leave
    /// the grid; everything else goes to the command center of the channel's intake level.
    public func intake(channel: Channel, ancestors: [AreaLevel: AreaPath], needsApproval: Bool, reportedAt: Date,
                       policy: SLAPolicy) -> (status: CaseStatus, holder: Holder, deadlines: [PlannedDeadline]) {
        let deadlines = SLAClock.atReport(reportedAt, policy: policy, calendar: calendar)
        if channel == .gridWorker && needsApproval, let grid = ancestors[.grid] ?? ancestors[.microGrid] {
            return (.awaitingApproval, .area(grid, ancestors[.grid] != nil ? .grid : .microGrid), deadlines)
        }
        let level = intakeLevel(for: channel, ancestors: ancestors)
        return (.reported, .area(ancestors[level]!, level), deadlines)
    }

    func intakeLevel(for channel: Channel, ancestors: [AreaLevel: AreaPath]) -> AreaLevel {
        var level = channel.intakeLevel
        // A deployment without that level takes the nearest one above it.
        while ancestors[level] == nil, let up = levels.parentLevel(of: level) { level = up }
        return level
    }

    // MARK: Apply

    public func apply(_ action: CaseAction, by actor: CaseActor, to c: CaseSnapshot, now: Date) throws(CaseRuleViolation) -> Transition {
        let kind = action.kind
        func require(_ statuses: Set<CaseStatus>) throws(CaseRuleViolation) {
            guard statuses.contains(c.status) else { throw .notAllowedInStatus(kind, c.status) }
        }
        func permit(_ ok: Bool) throws(CaseRuleViolation) { guard ok else { throw .notPermitted(kind) } }
        func text(_ t: String) throws(CaseRuleViolation) {
            guard !t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .reasonRequired(kind) }
        }
        var t = Transition(kind: kind, from: c.status, to: c.status, holder: c.holder, coHandlers: c.coHandlers, dispatchedBy: c.dispatchedBy)
        let atHolderArea = actor.holds(.operator, at: c.holderAreaPath)
        let coversCase = actor.holds(.operator, covering: c.gridPath) || actor.holds(.leader, covering: c.gridPath)
        let resolveAgain = SLAClock.atAcceptance(now, policy: c.policy, calendar: calendar)

        switch action {
        case .approveEscalation:
            try require([.awaitingApproval])
            try permit(actor.holds(.gridLeader, covering: c.gridPath))
            let level = intakeLevel(for: .gridWorker, ancestors: c.ancestors)
            t.to = .reported
            t.holder = .area(c.ancestors[level]!, level)
            // The grid has done its part; the command center's 24 hours start when it receives the case.
            t.meets = [.accept]
            t.starts = [(PlannedDeadline(kind: .accept, due: calendar.deadline(hours: c.policy.acceptHours, after: now)), t.holder)]
            t.notify = [t.holder]

        case .resolveOnSite(let note):
            try require([.awaitingApproval, .reported])
            try text(note)
            try permit(actor.isGridWorker(of: c.gridPath) || actor.holds(.gridLeader, covering: c.gridPath))
            t.to = .closed
            t.meets = [.accept, .onSite, .resolve]
            t.resolution = .resolvedOnSite

        case .accept:
            try require([.reported])
            try permit(atHolderArea)
            t.to = .accepted
            t.meets = [.accept]
            t.starts = [(resolveAgain, c.holder)]

        case .reject(_, let note):
            try require([.reported, .accepted])
            try text(note)
            try permit(atHolderArea)
            t.to = .rejected
            t.meets = [.accept]
            t.ends = [.resolve, .onSite]

        case .handleLocally(let note):
            try require([.accepted])
            try text(note)
            try permit(atHolderArea)
            t.to = .inProgress
            t.resolution = .handledLocally

        case .escalate(let reason):
            try require([.accepted])
            try text(reason)
            try permit(atHolderArea)
            // Command centers sit at community, street and district: a case goes up to the next of them.
            guard case .area(let path, let level) = c.holder, let parent = path.parent, let parentLevel = levels.parentLevel(of: level),
                  [.community, .street, .district].contains(parentLevel) else { throw .noUpperLevel }
            t.to = .accepted
            t.holder = .area(parent, parentLevel)
            t.ends = [.resolve]
            t.starts = [(resolveAgain, t.holder)] + onSiteMoving(c, to: t.holder, now: now)
            t.escalation = (path, parent)
            t.notify = [t.holder]

        case .dispatch(let department, let co, let days, _):
            try require([.accepted])
            try permit(atHolderArea)
            if let days { guard (1...90).contains(days) else { throw .invalidDeadline } }
            t.to = .dispatched
            t.holder = .department(department)
            t.coHandlers = co.filter { $0 != department }
            t.dispatchedBy = c.holderAreaPath
            t.ends = [.resolve]
            let due = days.map { calendar.deadline(workingDays: $0, after: now) } ?? resolveAgain.due
            t.starts = [(PlannedDeadline(kind: .resolve, due: due), t.holder)] + onSiteMoving(c, to: t.holder, now: now)
            t.notify = [t.holder] + t.coHandlers.map { .department($0) }

        case .explain(let note):
            try require([.accepted, .inProgress])
            try text(note)
            try permit(atHolderArea)
            t.to = .replied
            t.meets = [.resolve]
            t.resolution = .explained

        case .acknowledge:
            try require([.dispatched])
            try permit(actor.handles(c.holderDepartment))
            t.to = .inProgress
            t.resolution = .handledByDepartment

        case .returnCase(let reason):
            try require([.dispatched, .inProgress])
            try text(reason)
            try permit(actor.handles(c.holderDepartment))
            guard let back = c.dispatchedBy, let level = c.ancestors.first(where: { $0.value == back })?.key else {
                throw .notAllowedInStatus(kind, c.status)
            }
            t.to = .accepted
            t.holder = .area(back, level)
            t.coHandlers = []
            t.dispatchedBy = nil
            t.ends = [.resolve]
            t.starts = [(resolveAgain, t.holder)] + onSiteMoving(c, to: t.holder, now: now)
            t.clearsResolution = true
            t.notify = [t.holder]

        case .markOnSite:
            try require([.dispatched, .inProgress])
            try permit(actor.handles(c.holderDepartment) || atHolderArea)
            guard c.onSitePending else { throw .nothingOnSite }
            t.meets = [.onSite]

        case .reply(let note):
            try require([.inProgress])
            try text(note)
            try permit(actor.handles(c.holderDepartment) || atHolderArea)
            t.to = .replied
            t.meets = [.resolve, .onSite]
            if c.holderDepartment != nil { t.resolution = .handledByDepartment }
            t.notify = [.area(c.ancestors[.community] ?? c.gridPath, .community)]

        case .verify(let passed, let note):
            try require([.replied])
            let gridWorker = actor.isGridWorker(of: c.gridPath)
            let reporter = c.reporterID != nil && c.reporterID == actor.userID
            let communityOperator = actor.holds(.operator, at: c.ancestors[.community])
            try permit(gridWorker || reporter || communityOperator || atHolderArea)
            if passed {
                t.to = .closed
            } else {
                try text(note)
                t.to = .inProgress
                t.starts = [(resolveAgain, c.holder)]
                t.clearsResolution = c.holderDepartment == nil
                t.notify = [c.holder]
            }

        case .reopen(let reason):
            try require([.closed])
            try text(reason)
            try permit(actor.held.contains { $0.role == .operator && ($0.areaPath?.contains(c.gridPath) ?? false) })
            t = reopened(c, t, now: now)

        case .rate(let satisfaction, _):
            try require([.closed])
            guard !c.rated else { throw .alreadyRated }
            try permit((c.reporterID != nil && c.reporterID == actor.userID) || actor.holds(.operator, covering: c.gridPath))
            t.rating = satisfaction
            if satisfaction.reopens { t = reopened(c, t, now: now) }

        case .urge(let note), .supervise(let note):
            guard c.status.isOpen, c.status != .replied else { throw .notAllowedInStatus(kind, c.status) }
            try text(note)
            if case .supervise = action {
                try permit(actor.holds(.leader, covering: c.gridPath) || actor.holdsOperator(coveringAtLevel: [.street, .district, .city], c.gridPath))
            } else {
                try permit(coversCase || actor.holds(.supervisor, covering: c.gridPath))
            }
            t.notify = [c.holder]

        case .fileInquiry(let question):
            try require([.accepted, .dispatched, .inProgress])
            try text(question)
            guard let from = c.escalatedFrom, let to = c.escalatedTo, let since = c.escalatedAt else { throw .notAllowedInStatus(kind, c.status) }
            try permit(actor.holds(.operator, at: from))
            guard !c.hasOpenInquiry else { throw .inquiryAlreadyOpen }
            let held = calendar.workingDaysElapsed(from: since, to: now)
            guard held >= c.policy.inquiryAfterWorkingDays else { throw .inquiryTooEarly(workingDaysHeld: held, needed: c.policy.inquiryAfterWorkingDays) }
            let level = c.ancestors.first(where: { $0.value == to })?.key ?? .district
            t.inquiryOpened = true
            t.starts = [(PlannedDeadline(kind: .inquiryAnswer, due: calendar.deadline(workingDays: c.policy.inquiryAnswerWorkingDays, after: now)),
                         .area(to, level))]
            t.notify = [.area(to, level)]

        case .answerInquiry(let answer):
            guard c.hasOpenInquiry else { throw .noOpenInquiry }
            try text(answer)
            try permit(actor.holds(.operator, at: c.escalatedTo))
            t.inquiryAnswered = true
            t.meets = [.inquiryAnswer]
            if let from = c.escalatedFrom, let level = c.ancestors.first(where: { $0.value == from })?.key { t.notify = [.area(from, level)] }
        }
        return t
    }

    /// Back to whoever handled it last: the department if one did, else the area's command center.
    private func reopened(_ c: CaseSnapshot, _ base: Transition, now: Date) -> Transition {
        var t = base
        let resolve = SLAClock.atAcceptance(now, policy: c.policy, calendar: calendar)
        if case .department = c.holder {
            t.to = .inProgress
        } else if let department = c.lastDepartment {
            t.to = .inProgress
            t.holder = .department(department)
        } else {
            t.to = .accepted
        }
        t.starts = [(resolve, t.holder)]
        t.clearsResolution = true
        t.notify = [t.holder]
        return t
    }
}
