import Fluent
import GridCore
import SQLKit

/// 006: hotline intake — category mapping, received orders (unique per hotline and order number),
/// the callback outbox, and a 待分类 category for orders whose category text is not mapped yet.
struct CreateHotlineIntake: AsyncMigration {
    static let unmappedGroup = "QT", unmappedCode = "QT99"

    func prepare(on database: any Database) async throws {
        try await database.schema(HotlineCategory.schema)
            .id()
            .field("source", .string, .required)
            .field("text", .string, .required)
            .field("category_id", .uuid, .required, .references(CaseCategory.schema, "id"))
            .field("updated_at", .datetime, .required)
            .unique(on: "source", "text")
            .create()
        try await database.schema(HotlineOrderRecord.schema)
            .id()
            .field("source", .string, .required)
            .field("order_no", .string, .required)
            .field("category_text", .string, .required)
            .field("mapped", .bool, .required)
            .field("case_id", .uuid)
            .field("received_at", .datetime, .required)
            .unique(on: "source", "order_no")
            .create()
        try await database.schema(OutboxMessage.schema)
            .id()
            .field("case_id", .uuid, .required)
            .field("seq", .int, .required)
            .field("source", .string, .required)
            .field("order_no", .string, .required)
            .field("url", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "case_id", "seq")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "outbox_due_idx").on(OutboxMessage.schema).column("status").column("next_attempt_at").run()
        }
        if try await CaseCategory.query(on: database).filter(\.$code == Self.unmappedCode).count() == 0 {
            let group = CaseCategory(code: Self.unmappedGroup, name: "其他", parentID: nil, policy: .general, departmentID: nil, stabilityRisk: false)
            try await group.create(on: database)
            try await CaseCategory(code: Self.unmappedCode, name: "待分类（热线类别未对照）", parentID: group.id, policy: .general,
                                   departmentID: nil, stabilityRisk: false).create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OutboxMessage.schema).delete()
        try await database.schema(HotlineOrderRecord.schema).delete()
        try await database.schema(HotlineCategory.schema).delete()
        // The 待分类 category stays: cases may be filed under it (it goes with the case tables).
    }
}
