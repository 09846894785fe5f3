import Fluent

struct CreateCaseCategory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseCategory.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("parent_id", .uuid, .references(CaseCategory.schema, .id, onDelete: .restrict))
            .field("accept_hours", .int, .required)
            .field("on_site_hours", .int)
            .field("resolve_working_days", .int, .required)
            .field("inquiry_after_working_days", .int, .required)
            .field("inquiry_answer_working_days", .int, .required)
            .field("department_id", .uuid, .references(Department.schema, .id, onDelete: .setNull))
            .field("stability_risk", .bool, .required)
            .field("active", .bool, .required)
            .unique(on: "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await CaseCategory.query(on: database).set(\.$parent.$id, to: nil).update()
        try await database.schema(CaseCategory.schema).delete()
    }
}

struct CreateCalendarDay: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CalendarDay.schema)
            .id()
            .field("date", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .unique(on: "date")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CalendarDay.schema).delete()
    }
}
