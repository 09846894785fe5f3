import Fluent
import Foundation

/// 热线分类对照: how a hotline's category text maps to our classification list.
final class HotlineCategory: Model, @unchecked Sendable {
    static let schema = "hotline_categories"
    @ID(key: .id) var id: UUID?
    @Field(key: "source") var source: String
    @Field(key: "text") var text: String
    @Field(key: "category_id") var categoryID: UUID
    @Field(key: "updated_at") var updatedAt: Date
    init() {}
}

/// Every work order received, once: (source, order number) is unique, which is what makes the
/// webhook idempotent.
final class HotlineOrderRecord: Model, @unchecked Sendable {
    static let schema = "hotline_orders"
    @ID(key: .id) var id: UUID?
    @Field(key: "source") var source: String
    @Field(key: "order_no") var orderNo: String
    @Field(key: "category_text") var categoryText: String
    @Field(key: "mapped") var mapped: Bool
    /// nil while the case is being made.
    @OptionalField(key: "case_id") var caseID: UUID?
    @Field(key: "received_at") var receivedAt: Date
    init() {}
}

/// 回传发件箱: a status change to push back to a hotline, written in the same transaction as the
/// change and delivered (with retries) by the outbox worker.
final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "outbox"
    enum Status: String, Codable { case pending, sent }
    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    /// 1, 2, 3 … per case: the order the hotline must see the changes in.
    @Field(key: "seq") var seq: Int
    @Field(key: "source") var source: String
    @Field(key: "order_no") var orderNo: String
    @Field(key: "url") var url: String
    @Field(key: "payload") var payload: String
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    init() {}
}
