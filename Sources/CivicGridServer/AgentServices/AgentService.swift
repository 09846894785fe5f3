import Fluent
import Foundation
import GridCore

/// 帮办代办: one resident's request for a catalogue item, from the door to the department and back.
final class AgentServiceRequest: Model, @unchecked Sendable {
    static let schema = "agent_service_requests"

    @ID(key: .id) var id: UUID?
    /// The resident's 查询码 (same alphabet and check character as a case's).
    @Field(key: "tracking_code") var trackingCode: String
    @Field(key: "service_item_id") var serviceItemID: UUID
    @Field(key: "service_code") var serviceCode: String
    @Field(key: "service_name") var serviceName: String
    /// The department that pre-reviews and handles it (nil: no department of the platform matched).
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "department_name") var departmentName: String
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "applicant_name") var applicantName: String
    /// Sealed (AES-GCM) phone number, and its last four digits for the screen.
    @Field(key: "applicant_phone_sealed") var applicantPhoneSealed: String
    @Field(key: "applicant_phone_tail") var applicantPhoneTail: String
    @Field(key: "address") var address: String
    @Field(key: "note") var note: String
    @Field(key: "channel") var channel: AgentServiceActor
    @Field(key: "status") var status: AgentServiceStatus
    /// Deadline of the step under way (nil once finished).
    @OptionalField(key: "due_at") var dueAt: Date?
    /// The catalogue's 办理时限, kept as it was when the request was made.
    @Field(key: "time_limit") var timeLimit: String
    @Field(key: "requested_by") var requestedBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?

    init() {}

    func overdue(now: Date) -> Bool { dueAt.map { $0 < now } ?? false }
}

/// One step of an agent-handled service's trace, hash-chained like a case's timeline.
final class AgentServiceStep: Model, @unchecked Sendable {
    static let schema = "agent_service_steps"

    @ID(key: .id) var id: UUID?
    @Field(key: "request_id") var requestID: UUID
    @Field(key: "seq") var seq: Int
    @Field(key: "at") var at: Date
    @Field(key: "actor_id") var actorID: String
    @Field(key: "actor_name") var actorName: String
    @Field(key: "actor") var actor: AgentServiceActor
    @Field(key: "action") var action: AgentServiceAction
    @Field(key: "from_status") var fromStatus: String
    @Field(key: "to_status") var toStatus: AgentServiceStatus
    @Field(key: "comment") var comment: String
    @Field(key: "documents") var documents: Int
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}

    func record(code: String) -> TimelineRecord {
        TimelineRecord(caseCode: code, seq: seq, at: at, actorID: actorID, actorName: actorName, role: actor.rawValue, level: "",
                       action: action.rawValue, fromStatus: fromStatus, toStatus: toStatus.rawValue, comment: comment,
                       attachments: documents > 0 ? [String(documents)] : [])
    }
}

/// A photo of a collected document (户口簿, 身份证 …), stored sealed; every view is logged.
final class AgentServiceDocument: Model, @unchecked Sendable {
    static let schema = "agent_service_documents"

    @ID(key: .id) var id: UUID?
    @Field(key: "request_id") var requestID: UUID
    @Field(key: "step_seq") var stepSeq: Int
    @Field(key: "stored_path") var storedPath: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "bytes") var bytes: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: UUID
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
