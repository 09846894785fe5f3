import Fluent
import Foundation
import GridCore

/// GridCore's `Channel` (来源渠道); NIO has a `Channel` too.
typealias CaseChannel = GridCore.Channel

/// 事件分类清单: two levels; second-level items carry their time limits and usual department.
final class CaseCategory: Model, @unchecked Sendable {
    static let schema = "case_categories"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @OptionalParent(key: "parent_id") var parent: CaseCategory?
    @Field(key: "accept_hours") var acceptHours: Int
    @OptionalField(key: "on_site_hours") var onSiteHours: Int?
    @Field(key: "resolve_working_days") var resolveWorkingDays: Int
    @Field(key: "inquiry_after_working_days") var inquiryAfterWorkingDays: Int
    @Field(key: "inquiry_answer_working_days") var inquiryAnswerWorkingDays: Int
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "stability_risk") var stabilityRisk: Bool
    @Field(key: "active") var active: Bool

    init() {}

    init(code: String, name: String, parentID: UUID?, policy: SLAPolicy, departmentID: UUID?, stabilityRisk: Bool) {
        self.code = code
        self.name = name
        self.$parent.id = parentID
        self.policy = policy
        self.$department.id = departmentID
        self.stabilityRisk = stabilityRisk
        self.active = true
    }

    var policy: SLAPolicy {
        get {
            SLAPolicy(acceptHours: acceptHours, onSiteHours: onSiteHours, resolveWorkingDays: resolveWorkingDays,
                      inquiryAfterWorkingDays: inquiryAfterWorkingDays, inquiryAnswerWorkingDays: inquiryAnswerWorkingDays)
        }
        set {
            acceptHours = newValue.acceptHours
            onSiteHours = newValue.onSiteHours
            resolveWorkingDays = newValue.resolveWorkingDays
            inquiryAfterWorkingDays = newValue.inquiryAfterWorkingDays
            inquiryAnswerWorkingDays = newValue.inquiryAnswerWorkingDays
        }
    }
}

/// One day of the official calendar that differs from the weekday/weekend rule.
final class CalendarDay: Model, @unchecked Sendable {
    static let schema = "calendar_days"

    @ID(key: .id) var id: UUID?
    @Field(key: "date") var date: String
    @Field(key: "kind") var kind: WorkCalendar.DayKind
    @Field(key: "name") var name: String

    init() {}
    init(date: LocalDate, kind: WorkCalendar.DayKind, name: String) {
        self.date = date.description
        self.kind = kind
        self.name = name
    }
}

/// 事件 / 诉求: one reported problem and where it stands.
final class Case: Model, @unchecked Sendable {
    static let schema = "cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    @Parent(key: "category_id") var category: CaseCategory
    @Field(key: "channel") var channel: CaseChannel
    @Field(key: "urgency") var urgency: Urgency
    @Field(key: "status") var status: CaseStatus
    @Parent(key: "grid_id") var grid: Area
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @OptionalField(key: "address") var address: String?
    @OptionalParent(key: "reporter_id") var reporter: User?
    @Field(key: "reporter_name") var reporterName: String
    @OptionalField(key: "reporter_phone_sealed") var reporterPhoneSealed: String?
    @OptionalField(key: "external_ref") var externalRef: String?
    @OptionalField(key: "building_id") var buildingID: UUID?
    /// Set on a duplicate (重复诉求) merged into the case that is being worked.
    @OptionalField(key: "merged_into_id") var mergedIntoID: UUID?
    /// 查询码 (GridCore `TrackingCode`): how the reporter follows the case without an account.
    @OptionalField(key: "tracking_code") var trackingCode: String?
    @OptionalParent(key: "holder_area_id") var holderArea: Area?
    @OptionalParent(key: "holder_department_id") var holderDepartment: Department?
    /// Co-handling departments (集体会商), comma-separated ids.
    @Field(key: "co_handlers") var coHandlers: String
    @OptionalField(key: "dispatched_by_area_id") var dispatchedByAreaID: Int?
    @OptionalField(key: "last_department_id") var lastDepartmentID: UUID?
    @OptionalField(key: "escalated_from_area_id") var escalatedFromAreaID: Int?
    @OptionalField(key: "escalated_to_area_id") var escalatedToAreaID: Int?
    @OptionalField(key: "escalated_at") var escalatedAt: Date?
    @OptionalField(key: "resolution") var resolution: Resolution?
    @OptionalField(key: "satisfaction") var satisfaction: Satisfaction?
    /// True once any deadline of the case was missed: shown as 超时.
    @Field(key: "overdue") var overdue: Bool
    @Field(key: "inquiry_open") var inquiryOpen: Bool
    @Field(key: "supervised") var supervised: Bool
    @Field(key: "reported_at") var reportedAt: Date
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
    // The workflow's own facts (023): who accepted it and how each step went, for the indicators.
    /// The command center that accepted it (it calls the reporter back).
    @OptionalField(key: "accepted_by_area_id") var acceptedByAreaID: Int?
    @OptionalField(key: "accepted_on_time") var acceptedOnTime: Bool?
    @OptionalField(key: "dispatched_at") var dispatchedAt: Date?
    @OptionalField(key: "dispatched_on_time") var dispatchedOnTime: Bool?
    @OptionalField(key: "signed_on_time") var signedOnTime: Bool?
    @OptionalField(key: "dispatch_count") var dispatchCount: Int?
    @OptionalField(key: "redispatch_count") var redispatchCount: Int?
    @OptionalField(key: "extension_count") var extensionCount: Int?
    @OptionalField(key: "return_refused_count") var returnRefusedCount: Int?
    @OptionalField(key: "rework_count") var reworkCount: Int?
    /// 缓办: why, until when, the status it resumes in and the working days its resolution clock had left.
    @OptionalField(key: "suspended_reason") var suspendedReason: String?
    @OptionalField(key: "suspended_until") var suspendedUntil: Date?
    @OptionalField(key: "suspended_from_status") var suspendedFromStatus: CaseStatus?
    @OptionalField(key: "suspended_remaining_days") var suspendedRemainingDays: Int?
    /// 回访: where it stands, unanswered calls, and what the reporter said.
    @OptionalField(key: "callback_status") var callbackStatus: CallbackStatus?
    @OptionalField(key: "callback_attempts") var callbackAttempts: Int?
    @OptionalField(key: "callback_resolved") var callbackResolved: Bool?
    @OptionalField(key: "callback_satisfaction") var callbackSatisfaction: Satisfaction?

    init() {}

    /// What the rollups count of its passage through the workflow.
    var workflowFacts: CaseFacts.Workflow {
        var w = CaseFacts.Workflow()
        w.accepted = acceptedAt != nil
        w.acceptedOnTime = acceptedOnTime
        w.dispatchedOnTime = dispatchedOnTime
        w.signedOnTime = signedOnTime
        w.dispatches = dispatchCount ?? 0
        w.redispatches = redispatchCount ?? 0
        w.extensions = extensionCount ?? 0
        w.returnsRefused = returnRefusedCount ?? 0
        w.reworks = reworkCount ?? 0
        w.callback = callbackStatus
        w.callbackResolved = callbackResolved
        w.callbackSatisfaction = callbackSatisfaction
        return w
    }

    var suspension: Suspension? {
        guard status == .suspended, let from = suspendedFromStatus, let until = suspendedUntil else { return nil }
        return Suspension(resumeStatus: from, remainingWorkingDays: suspendedRemainingDays ?? 1, reviewAt: until)
    }

    var coHandlerIDs: [UUID] { coHandlers.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
}

/// A deadline of a case, one row per clock per holder stint, so every holder's time is accounted for.
final class CaseDeadline: Model, @unchecked Sendable {
    static let schema = "case_deadlines"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "kind") var kind: DeadlineKind
    @Field(key: "due_at") var dueAt: Date
    @OptionalField(key: "area_id") var areaID: Int?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "met_at") var metAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "overdue_at") var overdueAt: Date?
    /// A working-day count that ran through a year whose holiday arrangement was not entered (only
    /// weekends skipped there): that year, shown beside the deadline.
    @OptionalField(key: "computed_without_year") var computedWithoutYear: Int?
    /// Why it ended neither met nor missed (延期, 缓办, 撤件, 作废); nil when the case changed hands.
    @OptionalField(key: "end_reason") var endReason: DeadlineEnd?
    /// When its light turns yellow (80 % of the allowed time): the 即将超时 queue reads this.
    @OptionalField(key: "warn_at") var warnAt: Date?

    init() {}

    /// The 时限灯 of a running clock (nil once stopped).
    func light(now: Date) -> DeadlineLight? { isOpen ? DeadlineLight.of(startedAt: startedAt, dueAt: dueAt, now: now) : nil }
    /// Running: its light now; stopped: as it stood when it stopped (red if met late or missed).
    func finalLight(now: Date) -> DeadlineLight {
        DeadlineLight.of(startedAt: startedAt, dueAt: dueAt, now: overdueAt != nil ? max(now, dueAt) : (metAt ?? endedAt ?? now))
    }

    var isOpen: Bool { metAt == nil && endedAt == nil }
}

/// One step of the trace. Rows are inserted, never updated or deleted (see `TimelineChain`).
final class TimelineEntry: Model, @unchecked Sendable {
    static let schema = "timeline_entries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "seq") var seq: Int
    @Field(key: "at") var at: Date
    @Field(key: "actor_id") var actorID: String
    @Field(key: "actor_name") var actorName: String
    @Field(key: "role") var role: String
    @Field(key: "level") var level: String
    @Field(key: "action") var action: String
    @Field(key: "from_status") var fromStatus: String
    @Field(key: "to_status") var toStatus: String
    @Field(key: "comment") var comment: String
    @Field(key: "attachments") var attachments: String
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}

    func record(caseCode: String) -> TimelineRecord {
        TimelineRecord(caseCode: caseCode, seq: seq, at: at, actorID: actorID, actorName: actorName, role: role, level: level,
                       action: action, fromStatus: fromStatus, toStatus: toStatus, comment: comment,
                       attachments: attachments.isEmpty ? [] : attachments.split(separator: ",").map(String.init))
    }
}

/// 问题质询: a lower level's formal query of an upper level holding its case too long.
final class Inquiry: Model, @unchecked Sendable {
    static let schema = "inquiries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "question") var question: String
    @Field(key: "asked_by") var askedBy: UUID
    @Field(key: "asked_at") var askedAt: Date
    @Field(key: "due_at") var dueAt: Date
    @OptionalField(key: "answer") var answer: String?
    @OptionalField(key: "answered_by") var answeredBy: UUID?
    @OptionalField(key: "answered_at") var answeredAt: Date?

    init() {}
}

/// 负面清单: a missed deadline, held against the area or department that held it, with points.
final class NegativeListEntry: Model, @unchecked Sendable {
    static let schema = "negative_list_entries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "deadline_id") var deadlineID: UUID
    @Field(key: "kind") var kind: DeadlineKind
    @OptionalField(key: "area_id") var areaID: Int?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "points") var points: Double
    @Field(key: "reason") var reason: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A message to a command center or a department about a case.
final class Notification: Model, @unchecked Sendable {
    static let schema = "notifications"

    @ID(key: .id) var id: UUID?
    @OptionalParent(key: "case_id") var `case`: Case?
    @OptionalField(key: "area_id") var areaID: Int?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "text") var text: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(caseID: UUID?, areaID: Int?, departmentID: UUID?, text: String, at: Date) {
        self.$case.id = caseID
        self.areaID = areaID
        self.departmentID = departmentID
        self.text = text
        self.createdAt = at
    }
}

/// A photo attached to a case (at report, reply or verification), stored on disk.
final class CasePhoto: Model, @unchecked Sendable {
    static let schema = "case_photos"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "uploaded_by") var uploadedBy: UUID
    @Field(key: "stage") var stage: String
    @Field(key: "stored_path") var storedPath: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "bytes") var bytes: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A request to the level above (延期, 缓办, 退单, 作废) and its decision. One open at a time per case.
final class CaseRequest: Model, @unchecked Sendable {
    static let schema = "case_requests"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "kind") var kind: RequestKind
    @Field(key: "reason") var reason: String
    @Field(key: "requested_by") var requestedBy: UUID
    @Field(key: "requested_by_name") var requestedByName: String
    @OptionalField(key: "requester_area_id") var requesterAreaID: Int?
    @OptionalField(key: "requester_department_id") var requesterDepartmentID: UUID?
    @Field(key: "decider_area_id") var deciderAreaID: Int
    @OptionalField(key: "proposed_due") var proposedDue: Date?
    @OptionalField(key: "review_at") var reviewAt: Date?
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "decided_by_name") var decidedByName: String?
    @OptionalField(key: "approved") var approved: Bool?
    @OptionalField(key: "decision") var decision: String?
    /// Closed undecided: the case moved on (replied, returned, withdrawn …) before the decision.
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?

    init() {}

    var isOpen: Bool { decidedAt == nil && cancelledAt == nil }
}

/// One callback attempt (回访): who called, whom it reached, what the reporter said.
final class CaseCallback: Model, @unchecked Sendable {
    static let schema = "case_callbacks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "at") var at: Date
    @Field(key: "by_name") var byName: String
    @Field(key: "contact") var contact: CallbackContact
    @OptionalField(key: "resolved") var resolved: Bool?
    @OptionalField(key: "satisfaction") var satisfaction: Satisfaction?
    @Field(key: "note") var note: String

    init() {}
}
