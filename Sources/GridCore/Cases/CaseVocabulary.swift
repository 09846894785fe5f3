/// Where a case came from (来源渠道). Stored as the raw string.
public enum Channel: String, CaseIterable, Codable, Sendable {
    case gridWorker, resident, hotline12345, mayorHotline, serviceHotline96361, wechatGroup
    case videoPatrol, onlinePetition, upperLevel, fourPlatforms, open311

    public var displayName: String {
        switch self {
        case .gridWorker: "网格员上报"
        case .resident: "居民随手拍"
        case .hotline12345: "12345热线"
        case .mayorHotline: "市长热线"
        case .serviceHotline96361: "96361便民热线"
        case .wechatGroup: "微信群"
        case .videoPatrol: "视频巡查"
        case .onlinePetition: "网络问政"
        case .upperLevel: "上级交办"
        case .fourPlatforms: "四个平台"
        case .open311: "Open311"
        }
    }

    /// Cases from residents, hotlines and Open311 are called back (回访) after closure.
    public var callsBack: Bool {
        switch self {
        case .resident, .hotline12345, .mayorHotline, .serviceHotline96361, .open311, .onlinePetition: true
        default: false
        }
    }

    /// The hotlines whose 三率 (响应率, 解决率, 满意率) are reported.
    public var isHotline: Bool { [.hotline12345, .mayorHotline, .serviceHotline96361].contains(self) }

    /// The command center that first accepts a case from this channel: what residents and grid
    /// workers see lands at the community; hotlines and petitions at the district platform;
    /// video patrols and the street "four platforms" at the street.
    public var intakeLevel: AreaLevel {
        switch self {
        case .gridWorker, .resident, .wechatGroup, .open311: .community
        case .videoPatrol, .fourPlatforms: .street
        case .hotline12345, .mayorHotline, .serviceHotline96361, .onlinePetition, .upperLevel: .district
        }
    }
}

/// Where a case stands. Users see these words; the public sees `publicStatus`.
public enum CaseStatus: String, CaseIterable, Codable, Sendable {
    /// A grid worker asked to report it up; the grid leader approves before it leaves the grid.
    case awaitingApproval
    /// 待受理: waiting for the command center to accept (24 h).
    case reported
    /// 待交办: accepted, waiting for triage at the holding level.
    case accepted
    /// 待签收: dispatched to a department, waiting for it to sign.
    case dispatched
    /// 办理中.
    case inProgress
    /// 待核查: replied (or explained), waiting for verification.
    case replied
    /// 已办结.
    case closed
    /// 不予受理 (invalid or duplicate).
    case rejected
    /// 暂缓办理 (缓办 / 挂账): approved by the level above; the resolution clock is paused until the review date.
    case suspended
    /// 已撤件: the reporter withdrew it (or staff did on the reporter's behalf).
    case withdrawn
    /// 已作废: made in error, voided with the level above's approval.
    case voided

    public var displayName: String {
        switch self {
        case .awaitingApproval: "待网格长审核"
        case .reported: "待受理"
        case .accepted: "待交办"
        case .dispatched: "待签收"
        case .inProgress: "办理中"
        case .replied: "待核查"
        case .closed: "已办结"
        case .rejected: "不予受理"
        case .suspended: "暂缓办理"
        case .withdrawn: "已撤件"
        case .voided: "已作废"
        }
    }

    /// Still to be worked (a suspended case too: it comes back on its review date).
    public var isOpen: Bool { ![.closed, .rejected, .withdrawn, .voided].contains(self) }
    /// A resolution has been given (replied, explained or closed).
    public var isResolved: Bool { self == .replied || self == .closed }

    /// The three words residents know: 办理中 / 已办结 / 超时 (plus 不予受理, 暂缓办理, 已撤件, 已作废).
    public func publicStatus(overdue: Bool) -> String {
        switch self {
        case .closed: "已办结"
        case .rejected: "不予受理"
        case .suspended: "暂缓办理"
        case .withdrawn: "已撤件"
        case .voided: "已作废"
        default: overdue ? "超时" : "办理中"
        }
    }
}

public enum Urgency: String, CaseIterable, Codable, Sendable {
    case normal, urgent, critical
    public var displayName: String {
        switch self { case .normal: "一般"; case .urgent: "紧急"; case .critical: "特急" }
    }
}

/// How a case was resolved.
public enum Resolution: String, Codable, Sendable {
    /// 小事不出格: the grid worker fixed it on the spot.
    case resolvedOnSite
    /// The community, street or district handled it itself.
    case handledLocally
    /// A department handled it.
    case handledByDepartment
    /// Cannot be solved now; the resident got a reasoned explanation (解释说明).
    case explained

    public var displayName: String {
        switch self {
        case .resolvedOnSite: "现场处置"
        case .handledLocally: "本级办理"
        case .handledByDepartment: "部门办理"
        case .explained: "解释说明"
        }
    }
}

public enum RejectReason: String, Codable, Sendable, CaseIterable {
    case invalid, duplicate, outOfJurisdiction
    public var displayName: String {
        switch self { case .invalid: "无效诉求"; case .duplicate: "重复诉求"; case .outOfJurisdiction: "不属于本平台受理范围" }
    }
}

/// 满意 / 基本满意 / 不满意 / 部分解决.
public enum Satisfaction: String, CaseIterable, Codable, Sendable {
    case satisfied, mostlySatisfied, unsatisfied, partlyFixed
    public var displayName: String {
        switch self { case .satisfied: "满意"; case .mostlySatisfied: "基本满意"; case .unsatisfied: "不满意"; case .partlyFixed: "部分解决" }
    }
    /// Counted as satisfied in 满意率.
    public var countsAsSatisfied: Bool { self == .satisfied || self == .mostlySatisfied }
    /// An unsatisfied rating sends the case back to whoever handled it.
    public var reopens: Bool { self == .unsatisfied }
}

/// The kinds of deadline a case can carry, each with its own clock.
public enum DeadlineKind: String, CaseIterable, Codable, Sendable {
    case accept, onSite, resolve, inquiryAnswer, callback
    public var displayName: String {
        switch self {
        case .accept: "受理时限"; case .onSite: "到场时限"; case .resolve: "办结时限"; case .inquiryAnswer: "质询答复时限"; case .callback: "回访时限"
        }
    }
    /// Points deducted on the negative list when missed.
    public var penaltyPoints: Double {
        switch self { case .accept: 1; case .onSite: 1; case .resolve: 2; case .inquiryAnswer: 1; case .callback: 1 }
    }
    /// Counted in working days (the others in hours, which know no holidays).
    public var countsWorkingDays: Bool { [.resolve, .inquiryAnswer, .callback].contains(self) }
}
