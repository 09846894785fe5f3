import Foundation

/// 帮办代办: a resident asks (or the grid worker asks for them), the worker collects the materials
/// at the door, the department pre-reviews them (预审) and approves or asks for more, handles the
/// item, and the worker brings the result back (送证上门). Each step has a deadline in working days.
public enum AgentServiceStatus: String, CaseIterable, Codable, Sendable {
    /// 已申请，待网格员上门收件
    case requested
    /// 材料已报送，待部门预审
    case submitted
    /// 部门要求补充材料
    case moreNeeded
    /// 预审通过，部门办理中
    case approved
    /// 部门已办结，待送达
    case ready
    /// 已送证上门（办结）
    case delivered
    /// 不予办理
    case refused
    /// 已撤回
    case withdrawn

    public var displayName: String {
        switch self {
        case .requested: "待上门收件"
        case .submitted: "待部门预审"
        case .moreNeeded: "需补充材料"
        case .approved: "部门办理中"
        case .ready: "已办结待送达"
        case .delivered: "已送达"
        case .refused: "不予办理"
        case .withdrawn: "已撤回"
        }
    }

    public var isFinal: Bool { [.delivered, .refused, .withdrawn].contains(self) }

    /// Who has the next move.
    public var waitsFor: AgentServiceActor? {
        switch self {
        case .requested, .moreNeeded, .ready: .gridWorker
        case .submitted, .approved: .department
        case .delivered, .refused, .withdrawn: nil
        }
    }

    /// The resident's plain-words sentence.
    public var sentence: String {
        switch self {
        case .requested: "已收到您的申请，网格员将与您联系并上门收取材料。"
        case .submitted: "材料已报送承办部门，正在预审。"
        case .moreNeeded: "承办部门需要补充材料，网格员将再次与您联系。"
        case .approved: "预审已通过，承办部门正在办理。"
        case .ready: "已办结，网格员将把结果送到您家。"
        case .delivered: "已送达，本次帮办代办完成。"
        case .refused: "承办部门答复不予办理，原因见办理记录。"
        case .withdrawn: "申请已撤回。"
        }
    }
}

public enum AgentServiceActor: String, Codable, Sendable {
    case resident, gridWorker, department

    public var displayName: String {
        switch self {
        case .resident: "居民"
        case .gridWorker: "网格员"
        case .department: "承办部门"
        }
    }
}

public enum AgentServiceAction: String, CaseIterable, Codable, Sendable {
    case request, submit, askMore, resubmit, approve, refuse, complete, deliver, withdraw

    public var displayName: String {
        switch self {
        case .request: "提出申请"
        case .submit: "上门收件并报送预审"
        case .askMore: "要求补充材料"
        case .resubmit: "补充材料后重新报送"
        case .approve: "预审通过"
        case .refuse: "不予办理"
        case .complete: "办结出证"
        case .deliver: "送证上门"
        case .withdraw: "撤回申请"
        }
    }

    /// Steps that must say why (the resident and the worker need to know what to do next).
    public var needsComment: Bool { [.askMore, .refuse, .withdraw].contains(self) }
    /// Steps that carry photos of the collected documents.
    public var carriesDocuments: Bool { [.submit, .resubmit].contains(self) }
}

public enum AgentServiceFlow {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notAllowed(AgentServiceAction, AgentServiceStatus)
        case wrongActor(AgentServiceAction, AgentServiceActor)
        case commentRequired(AgentServiceAction)
        case documentsRequired

        public var description: String {
            switch self {
            case let .notAllowed(a, s): "当前状态（\(s.displayName)）不能\(a.displayName)"
            case let .wrongActor(a, who): "\(who.displayName)不能\(a.displayName)"
            case let .commentRequired(a): "\(a.displayName)请写明原因或需要补充的材料"
            case .documentsRequired: "请拍照上传收取的材料（至少 1 张）"
            }
        }
    }

    /// Who may take each action.
    public static func actors(of action: AgentServiceAction) -> Set<AgentServiceActor> {
        switch action {
        case .request: [.resident, .gridWorker]
        case .submit, .resubmit, .deliver: [.gridWorker]
        case .askMore, .approve, .refuse, .complete: [.department]
        case .withdraw: [.resident, .gridWorker]
        }
    }

    /// The status an action moves to from a status, or nil when it does not apply there.
    public static func target(of action: AgentServiceAction, from status: AgentServiceStatus?) -> AgentServiceStatus? {
        switch (action, status) {
        case (.request, nil): .requested
        case (.submit, .requested?): .submitted
        case (.resubmit, .moreNeeded?): .submitted
        case (.askMore, .submitted?): .moreNeeded
        case (.approve, .submitted?): .approved
        case (.refuse, .submitted?), (.refuse, .approved?): .refused
        case (.complete, .approved?): .ready
        case (.deliver, .ready?): .delivered
        case (.withdraw, .requested?), (.withdraw, .submitted?), (.withdraw, .moreNeeded?): .withdrawn
        default: nil
        }
    }

    /// Validates one step and answers the new status.
    public static func apply(_ action: AgentServiceAction, to status: AgentServiceStatus?, by actor: AgentServiceActor,
                             comment: String, documents: Int) throws(Problem) -> AgentServiceStatus {
        guard actors(of: action).contains(actor) else { throw .wrongActor(action, actor) }
        guard let next = target(of: action, from: status) else { throw .notAllowed(action, status ?? .requested) }
        if action.needsComment, comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .commentRequired(action) }
        if action.carriesDocuments, documents < 1 { throw .documentsRequired }
        return next
    }

    /// What an actor can do now, in the order buttons are shown.
    public static func available(at status: AgentServiceStatus, to actor: AgentServiceActor) -> [AgentServiceAction] {
        AgentServiceAction.allCases.filter { $0 != .request && actors(of: $0).contains(actor) && target(of: $0, from: status) != nil }
    }

    // MARK: Deadlines

    /// Working days the worker has to collect the materials, the department to pre-review them, and
    /// the worker to deliver the result.
    public static let collectDays = 3
    public static let reviewDays = 2
    public static let deliverDays = 3

    /// The department's handling time from the catalogue's 办理时限 text: "20 个工作日" → 20 working
    /// days; "45 日内" → calendar days; 当场/即时/当日 → 1 working day; anything else 15 working days.
    public enum HandlingTime: Equatable, Sendable {
        case workingDays(Int)
        case calendarDays(Int)
    }

    public static func handlingTime(_ text: String) -> HandlingTime {
        if let n = number(before: "个工作日", in: text) ?? number(before: "工作日", in: text) { return .workingDays(max(1, n)) }
        if let n = number(before: "日", in: text) ?? number(before: "天", in: text) { return .calendarDays(max(1, n)) }
        if ["当场", "即时", "当日", "小时"].contains(where: text.contains) { return .workingDays(1) }
        return .workingDays(15)
    }

    /// The deadline of the step a status starts, counted from the moment it started.
    public static func deadline(for status: AgentServiceStatus, from start: Date, handling: HandlingTime, calendar: WorkCalendar) -> Date? {
        switch status {
        case .requested, .moreNeeded: calendar.deadline(workingDays: collectDays, after: start)
        case .submitted: calendar.deadline(workingDays: reviewDays, after: start)
        case .approved:
            switch handling {
            case let .workingDays(n): calendar.deadline(workingDays: n, after: start)
            case let .calendarDays(n): LocalDate(start).adding(days: n + 1).startInstant
            }
        case .ready: calendar.deadline(workingDays: deliverDays, after: start)
        case .delivered, .refused, .withdrawn: nil
        }
    }

    /// The first whole number written right before `unit` ("一般 15 个工作日" → 15).
    static func number(before unit: String, in text: String) -> Int? {
        var rest = Substring(text)
        while let range = rest.range(of: unit) {
            let head = rest[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let digits = String(head.reversed().prefix(while: \.isASCII).prefix(while: \.isNumber).reversed())
            if let n = Int(digits), !digits.isEmpty { return n }
            rest = rest[range.upperBound...]
        }
        return nil
    }
}

/// Matching a catalogue item's department text ("区公安分局") to a department of the platform
/// ("公安石峰分局"): the same name, else the one sharing the distinctive word.
public enum DepartmentMatch {
    public static func core(_ name: String) -> String {
        var s = name
        for word in ["分局", "局", "区", "市", "县"] { s = s.replacingOccurrences(of: word, with: "") }
        return s.trimmingCharacters(in: .whitespaces)
    }

    /// The index of the best candidate, or nil when none shares the distinctive word.
    public static func best(for wanted: String, among names: [String]) -> Int? {
        if let exact = names.firstIndex(of: wanted) { return exact }
        let key = core(wanted)
        guard key.count >= 2 else { return nil }
        return names.firstIndex { $0.contains(key) || core($0).hasPrefix(key) }
    }
}
