import Foundation

/// What a holder asks the level above for, and what that level decides (延期申请, 缓办申请, 退单审核, 作废审批).
public enum RequestKind: String, CaseIterable, Codable, Sendable {
    case `extension`, suspension, returnCase, void

    public var displayName: String {
        switch self { case .extension: "延期申请"; case .suspension: "缓办申请"; case .returnCase: "退单申请"; case .void: "作废申请" }
    }
    /// The action that decides it.
    public var decision: ActionKind {
        switch self { case .extension: .decideExtension; case .suspension: .decideSuspension; case .returnCase: .reviewReturn; case .void: .decideVoid }
    }
}

/// A request waiting for its decision. One at a time per case; a pending request does not stop any clock.
public struct PendingRequest: Sendable, Equatable {
    public var kind: RequestKind
    /// Who asked: the holder (or, for a void, the operator's command center).
    public var requestedBy: Holder
    /// Whose operators decide.
    public var decider: Holder
    /// An extension's proposed resolution deadline.
    public var proposedDue: Date?
    /// A suspension's review date (the case comes back then).
    public var reviewAt: Date?
    /// The person who asked: never the one who decides (at the top level the center decides its own, by someone else).
    public var requestedByUser: String?

    public init(kind: RequestKind, requestedBy: Holder, decider: Holder, proposedDue: Date? = nil, reviewAt: Date? = nil, requestedByUser: String? = nil) {
        self.kind = kind; self.requestedBy = requestedBy; self.decider = decider; self.proposedDue = proposedDue; self.reviewAt = reviewAt
        self.requestedByUser = requestedByUser
    }
}

/// A suspended case's paused resolution clock: the working days it had left and the status it resumes in.
public struct Suspension: Sendable, Equatable {
    public var resumeStatus: CaseStatus
    public var remainingWorkingDays: Int
    public var reviewAt: Date
    public init(resumeStatus: CaseStatus, remainingWorkingDays: Int, reviewAt: Date) {
        self.resumeStatus = resumeStatus; self.remainingWorkingDays = remainingWorkingDays; self.reviewAt = reviewAt
    }
}

/// How much longer an extension asks for: N more working days after the current deadline, or a new due instant.
public enum ExtensionLength: Sendable, Equatable {
    case workingDays(Int)
    case until(Date)
}

/// 联系结果 of one callback attempt.
public enum CallbackContact: String, CaseIterable, Codable, Sendable {
    case reached, noAnswer, refused
    public var displayName: String { switch self { case .reached: "已联系"; case .noAnswer: "未接通"; case .refused: "拒绝回访" } }
}

/// One callback attempt as recorded.
public struct CallbackOutcome: Sendable, Equatable {
    public var contact: CallbackContact
    /// 是否解决 (asked only when reached).
    public var resolved: Bool?
    public var satisfaction: Satisfaction?
    public var note: String
    public init(contact: CallbackContact, resolved: Bool? = nil, satisfaction: Satisfaction? = nil, note: String = "") {
        self.contact = contact; self.resolved = resolved; self.satisfaction = satisfaction; self.note = note
    }

    /// 不满意 or 未解决 sends the case back (重办).
    public var sendsBack: Bool { contact == .reached && (resolved == false || satisfaction == .unsatisfied) }

    public var summary: String {
        var parts = [contact.displayName]
        if contact == .reached {
            if let resolved { parts.append(resolved ? "已解决" : "未解决") }
            if let satisfaction { parts.append(satisfaction.displayName) }
        }
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        return parts.joined(separator: "，") + (note.isEmpty ? "" : "：\(note)")
    }
}

/// Where a case's callback stands.
public enum CallbackStatus: String, CaseIterable, Codable, Sendable {
    /// 待回访.
    case pending
    case reached
    /// Three unanswered calls.
    case unreachable
    case refused
    public var displayName: String {
        switch self { case .pending: "待回访"; case .reached: "已回访"; case .unreachable: "无法联系"; case .refused: "拒绝回访" }
    }
}

/// Why a clock stopped that was neither met nor missed (nil: the case changed hands).
public enum DeadlineEnd: String, CaseIterable, Codable, Sendable {
    case extended, suspended, withdrawn, voided, recategorized
    public var displayName: String {
        switch self {
        case .extended: "已延期"; case .suspended: "缓办暂停"; case .withdrawn: "已撤件"; case .voided: "已作废"; case .recategorized: "改分类重算"
        }
    }
}

/// The numbers of the exception paths an installation may set.
public struct WorkflowRules: Sendable, Equatable {
    /// At most this many extensions per case (default 2).
    public var maxExtensions: Int
    /// A callback is due this many working days after closure (default 2).
    public var callbackWorkingDays: Int
    /// Unanswered calls before a callback closes as unreachable (default 3).
    public var callbackAttempts: Int
    /// An extension adds at most this many working days at once.
    public var maxExtensionWorkingDays: Int

    public init(maxExtensions: Int = 2, callbackWorkingDays: Int = 2, callbackAttempts: Int = 3, maxExtensionWorkingDays: Int = 30) {
        self.maxExtensions = maxExtensions
        self.callbackWorkingDays = callbackWorkingDays
        self.callbackAttempts = callbackAttempts
        self.maxExtensionWorkingDays = maxExtensionWorkingDays
    }

    public static let standard = WorkflowRules()
}

/// 时限灯: green below 80 % of the allowed time, yellow (即将超时) from 80 %, red once overdue.
public enum DeadlineLight: String, CaseIterable, Codable, Sendable, Comparable {
    case green, yellow, red

    public static let warningShare = 0.8

    public static func of(startedAt: Date, dueAt: Date, now: Date) -> DeadlineLight {
        if now >= dueAt { return .red }
        let allowed = dueAt.timeIntervalSince(startedAt)
        guard allowed > 0 else { return .red }
        return now.timeIntervalSince(startedAt) >= allowed * warningShare ? .yellow : .green
    }

    /// When a clock turns yellow.
    public static func yellowFrom(startedAt: Date, dueAt: Date) -> Date {
        startedAt.addingTimeInterval(max(0, dueAt.timeIntervalSince(startedAt)) * warningShare)
    }

    public var displayName: String { switch self { case .green: "正常"; case .yellow: "即将超时"; case .red: "已超时" } }
    /// As a resident reads it on the tracking page.
    public var plainWords: String {
        switch self { case .green: "在规定时间内办理中"; case .yellow: "临近规定办理时间"; case .red: "已超过规定办理时间，已督促加快办理" }
    }

    public static func < (a: DeadlineLight, b: DeadlineLight) -> Bool { a.rank < b.rank }
    private var rank: Int { switch self { case .green: 0; case .yellow: 1; case .red: 2 } }
}
