import Foundation

/// Who answers for a case (or for one of its deadlines): an area's command center or a department.
public enum Holder: Equatable, Sendable, Hashable {
    case area(AreaPath, AreaLevel)
    case department(String)

    /// The area's own id (the last of its path), for an area.
    public var areaLeafID: Int? { if case .area(let path, _) = self { path.leafID } else { nil } }
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
    public var channel: Channel = .gridWorker
    /// The request waiting for a decision (extension, suspension, return, void), if any.
    public var pending: PendingRequest?
    /// Extensions granted so far.
    public var extensionsUsed = 0
    /// When the running resolution clock falls due.
    public var resolveDue: Date?
    /// Set while suspended.
    public var suspension: Suspension?
    /// The command center that accepted the case (it calls the reporter back).
    public var acceptedBy: AreaPath?
    /// A callback is due (回访时限 running) and how many calls went unanswered.
    public var callbackOpen = false
    public var callbackAttempts = 0
    /// Dispatches so far: any after the first is a re-dispatch (改派).
    public var dispatchCount = 0
    /// The case's 小类 (its id), and what 改分类 recomputes: the open clocks and when each began counting.
    public var category: String?
    public var runningClocks: [RecategorizedClocks.Clock] = []
    /// Someone has been on site (到场 met), and when the case was reported.
    public var onSiteMet = false
    public var reportedAt: Date?

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
    func level(of path: AreaPath) -> AreaLevel? { ancestors.first { $0.value == path }?.key }
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

    /// The platform itself (the sweeper bringing a suspended case back on its review date).
    public static let system = CaseActor(userID: "system", held: [])
    var isSystem: Bool { userID == Self.system.userID && held.isEmpty }

    /// An operator or leader of exactly this command center: who decides what is asked of it.
    func decides(for holder: Holder) -> Bool {
        guard case .area(let path, _) = holder else { return false }
        return held.contains { ($0.role == .operator || $0.role == .leader) && $0.areaPath == path }
    }

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
    case requestExtension, decideExtension, suspend, decideSuspension, resume, reviewReturn, callback, withdraw, void, decideVoid
    case recategorize

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
        case .requestExtension: "申请延期"
        case .decideExtension: "延期审批"
        case .suspend: "申请缓办"
        case .decideSuspension: "缓办审批"
        case .resume: "恢复办理"
        case .reviewReturn: "退单审核"
        case .callback: "回访"
        case .withdraw: "撤件"
        case .void: "申请作废"
        case .decideVoid: "作废审批"
        case .recategorize: "改分类"
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
    case requestExtension(reason: String, length: ExtensionLength)
    case decideExtension(approved: Bool, comment: String)
    case suspend(reason: String, reviewAt: Date)
    case decideSuspension(approved: Bool, comment: String)
    case resume(String)
    case reviewReturn(approved: Bool, comment: String)
    case callback(CallbackOutcome)
    case withdraw(String)
    case void(String)
    case decideVoid(approved: Bool, comment: String)
    case recategorize(Recategorization)

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
        case .requestExtension: .requestExtension
        case .decideExtension: .decideExtension
        case .suspend: .suspend
        case .decideSuspension: .decideSuspension
        case .resume: .resume
        case .reviewReturn: .reviewReturn
        case .callback: .callback
        case .withdraw: .withdraw
        case .void: .void
        case .decideVoid: .decideVoid
        case .recategorize: .recategorize
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
        case .requestExtension(let t, _), .resume(let t), .withdraw(let t), .void(let t): t
        case .suspend(let t, let review): t + "（复核日期 \(LocalDate(review))）"
        case .decideExtension(let ok, let t), .decideSuspension(let ok, let t), .reviewReturn(let ok, let t), .decideVoid(let ok, let t):
            (ok ? "同意" : "不同意") + (t.isEmpty ? "" : "：\(t)")
        case .callback(let outcome): outcome.summary
        case .recategorize(let r): r.summary
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
    case requestPending(RequestKind)
    case noPendingRequest(RequestKind)
    case tooManyExtensions(max: Int)
    case invalidExtension
    case invalidReviewDate
    case noCallbackDue
    case notYetDue
    case sameCategory

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
        case .requestPending(let k): "已有待审批的\(k.displayName)，请等待审批结果"
        case .noPendingRequest(let k): "没有待审批的\(k.displayName)"
        case .tooManyExtensions(let max): "每件事件最多延期 \(max) 次"
        case .invalidExtension: "延期后的时限应晚于当前时限，且一次最多延长 30 个工作日"
        case .invalidReviewDate: "复核日期应在今天之后一年以内"
        case .noCallbackDue: "该事件没有待回访的任务"
        case .notYetDue: "复核日期未到，由承办方或审批方恢复办理"
        case .sameCategory: "事件已是该类别"
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
    /// Why the deadlines in `ends` stopped (nil: the case changed hands).
    public var endReason: DeadlineEnd?
    /// A request opened by this action, or decided by it.
    public var opens: PendingRequest?
    public var decides: (kind: RequestKind, approved: Bool)?
    /// A pending request that this action makes moot (the case moved on): closed undecided.
    public var cancelsPending = false
    public var extensionGranted = false
    public var suspension: Suspension?
    public var clearsSuspension = false
    /// A dispatch after the first (改派), a return refused by the dispatcher, a case sent back by a callback (重办 / 返工).
    public var redispatch = false
    public var returnRefused = false
    public var rework = false
    /// A callback attempt, and the callback's end when this attempt ends it.
    public var callbackAttempt: CallbackOutcome?
    public var callbackEnds: CallbackStatus?
    /// A callback clock started by this closure.
    public var callbackStarts = false
    /// 改分类: the case's new 小类 and its policy (the clocks in `ends`/`starts`).
    public var recategorized: Recategorization?

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
    public let rules: WorkflowRules

    public init(calendar: WorkCalendar, levels: LevelScheme = .standard, rules: WorkflowRules = .standard) {
        self.calendar = calendar
        self.levels = levels
        self.rules = rules
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
            let week = CaseAction.suspend(reason: "x", reviewAt: now.addingTimeInterval(7 * 86_400))
            guard kind != .report, let probe = kind == .suspend ? week : Self.probe(kind) else { return false }
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
        case .requestExtension: .requestExtension(reason: "x", length: .workingDays(1))
        case .decideExtension: .decideExtension(approved: true, comment: "")
        // Probed with a review date a week from now (`allowedActions`).
        case .suspend: nil
        case .decideSuspension: .decideSuspension(approved: true, comment: "")
        case .resume: .resume("x")
        case .reviewReturn: .reviewReturn(approved: true, comment: "")
        case .callback: .callback(CallbackOutcome(contact: .noAnswer))
        case .withdraw: .withdraw("x")
        case .void: .void("x")
        case .decideVoid: .decideVoid(approved: true, comment: "")
        case .recategorize: .recategorize(Recategorization(category: "probe", reason: "x"))
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
        func noPending() throws(CaseRuleViolation) { if let p = c.pending { throw .requestPending(p.kind) } }
        // The holder itself: its department's handlers, or its command center's operators.
        let isHolder = actor.handles(c.holderDepartment) || atHolderArea

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
            t.redispatch = c.dispatchCount > 0

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
            // 退单: the department asks the dispatcher, who approves (back to triage) or refuses (the department keeps it).
            try require([.dispatched, .inProgress])
            try text(reason)
            try permit(actor.handles(c.holderDepartment))
            guard let back = c.dispatchedBy, let level = c.level(of: back) else { throw .notAllowedInStatus(kind, c.status) }
            try noPending()
            t.opens = PendingRequest(kind: .returnCase, requestedBy: c.holder, decider: .area(back, level))
            t.notify = [.area(back, level)]

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

        case .requestExtension(let reason, let length):
            try require([.inProgress])
            try text(reason)
            try permit(isHolder)
            guard let current = c.resolveDue else { throw .notAllowedInStatus(kind, c.status) }
            try noPending()
            guard c.extensionsUsed < rules.maxExtensions else { throw .tooManyExtensions(max: rules.maxExtensions) }
            let limit = calendar.deadline(workingDays: rules.maxExtensionWorkingDays, after: current)
            let proposed: Date
            switch length {
            case .workingDays(let n):
                guard (1...rules.maxExtensionWorkingDays).contains(n) else { throw .invalidExtension }
                // Counted from the day the current deadline ends (its 24:00 is the next day's 00:00).
                proposed = calendar.deadline(workingDays: n, after: current.addingTimeInterval(-1))
            case .until(let due):
                guard due > current, due > now, due <= limit else { throw .invalidExtension }
                proposed = due
            }
            let decider = try approver(above: c.holder, in: c)
            t.opens = PendingRequest(kind: .extension, requestedBy: c.holder, decider: decider, proposedDue: proposed)
            t.notify = [decider]

        case .decideExtension(let approved, let comment):
            let request = try pendingRequest(.extension, in: c)
            try permit(actor.decides(for: request.decider) && actor.userID != request.requestedByUser)
            if !approved { try text(comment) }
            t.decides = (.extension, approved)
            if approved, let due = request.proposedDue {
                // The old stint ends as 延期 (neither met nor missed); a new one runs to the approved date.
                t.ends = [.resolve]
                t.endReason = .extended
                t.starts = [(PlannedDeadline(kind: .resolve, due: due), c.holder)]
                t.extensionGranted = true
            }
            t.notify = [request.requestedBy]

        case .suspend(let reason, let reviewAt):
            try require([.accepted, .inProgress])
            try text(reason)
            try permit(isHolder)
            try noPending()
            guard reviewAt > now, reviewAt <= now.addingTimeInterval(366 * 86_400) else { throw .invalidReviewDate }
            let decider = try approver(above: c.holder, in: c)
            t.opens = PendingRequest(kind: .suspension, requestedBy: c.holder, decider: decider, reviewAt: reviewAt)
            t.notify = [decider]

        case .decideSuspension(let approved, let comment):
            let request = try pendingRequest(.suspension, in: c)
            try permit(actor.decides(for: request.decider) && actor.userID != request.requestedByUser)
            if !approved { try text(comment) }
            t.decides = (.suspension, approved)
            if approved, let reviewAt = request.reviewAt {
                // 缓办: the resolution clock pauses with what it had left; the case waits for its review date.
                let remaining = c.resolveDue.map { due in due > now ? max(1, calendar.workingDaysElapsed(from: now, to: due)) : 1 }
                    ?? c.policy.resolveWorkingDays
                t.to = .suspended
                t.ends = [.resolve, .onSite]
                t.endReason = .suspended
                t.suspension = Suspension(resumeStatus: c.status, remainingWorkingDays: remaining, reviewAt: reviewAt)
            }
            t.notify = [request.requestedBy]

        case .resume(let note):
            try require([.suspended])
            guard let suspension = c.suspension else { throw .notAllowedInStatus(kind, c.status) }
            if actor.isSystem {
                guard now >= suspension.reviewAt else { throw .notYetDue }
            } else {
                try text(note)
                let approver = try? approver(above: c.holder, in: c)
                try permit(isHolder || (approver.map { actor.decides(for: $0) } ?? false))
            }
            t.to = suspension.resumeStatus
            let due = calendar.deadline(workingDays: suspension.remainingWorkingDays, after: now)
            t.starts = [(PlannedDeadline(kind: .resolve, due: due), c.holder)]
            t.clearsSuspension = true
            t.notify = [c.holder]

        case .reviewReturn(let approved, let comment):
            let request = try pendingRequest(.returnCase, in: c)
            try require([.dispatched, .inProgress])
            try permit(actor.decides(for: request.decider) && actor.userID != request.requestedByUser)
            t.decides = (.returnCase, approved)
            if approved {
                // Back to the dispatcher's triage: it dispatches again (counted as 改派) or handles it itself.
                t.to = .accepted
                t.holder = request.decider
                t.coHandlers = []
                t.dispatchedBy = nil
                t.ends = [.resolve]
                t.starts = [(resolveAgain, t.holder)] + onSiteMoving(c, to: t.holder, now: now)
                t.clearsResolution = true
            } else {
                try text(comment)
                t.returnRefused = true
            }
            t.notify = [request.requestedBy]

        case .callback(let outcome):
            try require([.closed])
            guard c.callbackOpen else { throw .noCallbackDue }
            let center = c.acceptedBy ?? c.ancestors[.community] ?? c.gridPath
            try permit(actor.holds(.operator, covering: center))
            t.callbackAttempt = outcome
            switch outcome.contact {
            case .noAnswer:
                if c.callbackAttempts + 1 >= rules.callbackAttempts {
                    t.meets = [.callback]
                    t.callbackEnds = .unreachable
                }
            case .refused:
                t.meets = [.callback]
                t.callbackEnds = .refused
            case .reached:
                t.meets = [.callback]
                t.callbackEnds = .reached
                if outcome.sendsBack {
                    // 重办: back to whoever handled it last, counted as rework.
                    t = reopened(c, t, now: now)
                    t.ends.remove(.callback)
                    t.rework = true
                }
            }

        case .withdraw(let reason):
            guard c.status.isOpen else { throw .notAllowedInStatus(kind, c.status) }
            try text(reason)
            let reporter = c.reporterID != nil && c.reporterID == actor.userID
            try permit(reporter || actor.holds(.operator, covering: c.gridPath))
            t.to = .withdrawn
            t.ends = Set(DeadlineKind.allCases)
            t.endReason = .withdrawn
            t.clearsSuspension = c.suspension != nil
            t.notify = [c.holder]

        case .void(let reason):
            guard c.status.isOpen else { throw .notAllowedInStatus(kind, c.status) }
            try text(reason)
            // The operator's own command center (the nearest covering the case) asks the one above it.
            guard let own = actor.held.filter({ $0.role == .operator && ($0.areaPath?.contains(c.gridPath) ?? false) })
                .max(by: { ($0.areaPath?.ids.count ?? 0) < ($1.areaPath?.ids.count ?? 0) }),
                  let path = own.areaPath, let level = own.areaLevel ?? c.level(of: path) else { throw .notPermitted(kind) }
            try noPending()
            let decider = try approver(above: .area(path, level), in: c)
            t.opens = PendingRequest(kind: .void, requestedBy: .area(path, level), decider: decider)
            t.notify = [decider]

        case .decideVoid(let approved, let comment):
            let request = try pendingRequest(.void, in: c)
            guard c.status.isOpen else { throw .notAllowedInStatus(kind, c.status) }
            try permit(actor.decides(for: request.decider) && actor.userID != request.requestedByUser)
            if !approved { try text(comment) }
            t.decides = (.void, approved)
            if approved {
                t.to = .voided
                t.ends = Set(DeadlineKind.allCases)
                t.endReason = .voided
                t.clearsSuspension = c.suspension != nil
            }
            t.notify = [request.requestedBy, c.holder]

        case .recategorize(let r):
            // Before the case is settled: the accepting center, whoever holds it at a center, or the dispatcher of its department.
            try require([.reported, .accepted, .dispatched, .inProgress, .replied])
            try text(r.reason)
            try permit(atHolderArea || actor.holds(.operator, at: c.acceptedBy) || actor.holds(.operator, at: c.dispatchedBy))
            guard r.category != c.category else { throw .sameCategory }
            let plan = RecategorizedClocks.plan(running: c.runningClocks, policy: r.policy, extended: c.extensionsUsed > 0,
                                                onSiteOwed: !c.onSiteMet && [.reported, .accepted, .dispatched, .inProgress].contains(c.status),
                                                reportedAt: c.reportedAt, now: now, calendar: calendar)
            t.ends = plan.ends
            t.endReason = .recategorized
            t.starts = plan.starts.map { ($0, c.holder) }
            t.recategorized = r
        }
        // A closure starts the callback of cases from residents, hotlines and Open311, held by the center that accepted it.
        if t.to == .closed, c.status != .closed, c.channel.callsBack {
            let center = c.acceptedBy ?? c.holderAreaPath ?? c.ancestors[.community] ?? c.gridPath
            let due = calendar.deadline(workingDays: rules.callbackWorkingDays, after: now)
            t.starts.append((PlannedDeadline(kind: .callback, due: due), .area(center, c.level(of: center) ?? .community)))
            t.callbackStarts = true
        }
        t.opens?.requestedByUser = actor.userID
        // A request the case has moved past is closed undecided.
        if c.pending != nil, t.decides == nil, t.opens == nil, t.holder != c.holder || t.to != c.status { t.cancelsPending = true }
        return t
    }

    /// Who decides what a holder asks: the dispatching center for a department, the command center
    /// one level up for an area (the district, the top command center, decides its own — by another person).
    func approver(above holder: Holder, in c: CaseSnapshot) throws(CaseRuleViolation) -> Holder {
        switch holder {
        case .department:
            guard let by = c.dispatchedBy, let level = c.level(of: by) else { throw .noUpperLevel }
            return .area(by, level)
        case .area(let path, let level):
            var up = path, upLevel = level
            while let parent = up.parent, let parentLevel = levels.parentLevel(of: upLevel), c.level(of: parent) != nil {
                up = parent
                upLevel = parentLevel
                // The command centers, as for escalation.
                if [.community, .street, .district].contains(upLevel) { return .area(up, upLevel) }
            }
            return holder
        }
    }

    func pendingRequest(_ expected: RequestKind, in c: CaseSnapshot) throws(CaseRuleViolation) -> PendingRequest {
        guard let pending = c.pending, pending.kind == expected else { throw .noPendingRequest(expected) }
        return pending
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
        if c.callbackOpen { t.ends.insert(.callback) }
        return t
    }
}
