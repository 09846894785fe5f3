import Fluent
import SQLKit

struct CreateCase: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Case.schema)
            .id()
            .field("code", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("category_id", .uuid, .required, .references(CaseCategory.schema, .id, onDelete: .restrict))
            .field("channel", .string, .required)
            .field("urgency", .string, .required)
            .field("status", .string, .required)
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("latitude", .double)
            .field("longitude", .double)
            .field("address", .string)
            .field("reporter_id", .uuid, .references(User.schema, .id, onDelete: .setNull))
            .field("reporter_name", .string, .required)
            .field("reporter_phone_sealed", .string)
            .field("external_ref", .string)
            .field("holder_area_id", .int, .references(Area.schema, .id, onDelete: .restrict))
            .field("holder_department_id", .uuid, .references(Department.schema, .id, onDelete: .restrict))
            .field("co_handlers", .string, .required)
            .field("dispatched_by_area_id", .int)
            .field("last_department_id", .uuid)
            .field("escalated_from_area_id", .int)
            .field("escalated_to_area_id", .int)
            .field("escalated_at", .datetime)
            .field("resolution", .string)
            .field("satisfaction", .string)
            .field("overdue", .bool, .required)
            .field("inquiry_open", .bool, .required)
            .field("supervised", .bool, .required)
            .field("reported_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .field("closed_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
        if let sql = database as? any SQLDatabase {
            for (name, columns) in [("cases_grid_idx", ["grid_id"]), ("cases_status_idx", ["status", "reported_at"]),
                                    ("cases_holder_area_idx", ["holder_area_id", "status"]), ("cases_holder_dept_idx", ["holder_department_id", "status"]),
                                    ("cases_reported_idx", ["reported_at"])] {
                var index = sql.create(index: SQLIdentifier(name)).on(Case.schema)
                for column in columns { index = index.column(column) }
                try await index.run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Case.schema).delete()
    }
}

struct CreateCaseDeadline: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseDeadline.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, .id, onDelete: .restrict))
            .field("kind", .string, .required)
            .field("due_at", .datetime, .required)
            .field("area_id", .int)
            .field("department_id", .uuid)
            .field("started_at", .datetime, .required)
            .field("met_at", .datetime)
            .field("ended_at", .datetime)
            .field("overdue_at", .datetime)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "case_deadlines_case_idx").on(CaseDeadline.schema).column("case_id").run()
            try await sql.create(index: "case_deadlines_due_idx").on(CaseDeadline.schema).column("due_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseDeadline.schema).delete()
    }
}

struct CreateTimelineEntry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TimelineEntry.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, .id, onDelete: .restrict))
            .field("seq", .int, .required)
            .field("at", .datetime, .required)
            .field("actor_id", .string, .required)
            .field("actor_name", .string, .required)
            .field("role", .string, .required)
            .field("level", .string, .required)
            .field("action", .string, .required)
            .field("from_status", .string, .required)
            .field("to_status", .string, .required)
            .field("comment", .string, .required)
            .field("attachments", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            // Two actions racing on one case cannot both take the next number.
            .unique(on: "case_id", "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TimelineEntry.schema).delete()
    }
}

struct CreateInquiry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Inquiry.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, .id, onDelete: .restrict))
            .field("question", .string, .required)
            .field("asked_by", .uuid, .required)
            .field("asked_at", .datetime, .required)
            .field("due_at", .datetime, .required)
            .field("answer", .string)
            .field("answered_by", .uuid)
            .field("answered_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Inquiry.schema).delete()
    }
}

struct CreateNegativeListEntry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(NegativeListEntry.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, .id, onDelete: .restrict))
            .field("deadline_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("area_id", .int)
            .field("department_id", .uuid)
            .field("points", .double, .required)
            .field("reason", .string, .required)
            .field("created_at", .datetime, .required)
            // One entry per missed deadline, however often the sweeper runs or how many run.
            .unique(on: "deadline_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(NegativeListEntry.schema).delete()
    }
}

struct CreateNotification: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Notification.schema)
            .id()
            .field("case_id", .uuid, .references(Case.schema, .id, onDelete: .restrict))
            .field("area_id", .int)
            .field("department_id", .uuid)
            .field("text", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "notifications_area_idx").on(Notification.schema).column("area_id").column("created_at").run()
            try await sql.create(index: "notifications_dept_idx").on(Notification.schema).column("department_id").column("created_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Notification.schema).delete()
    }
}

struct CreateCasePhoto: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CasePhoto.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, .id, onDelete: .restrict))
            .field("uploaded_by", .uuid, .required)
            .field("stage", .string, .required)
            .field("stored_path", .string, .required)
            .field("content_type", .string, .required)
            .field("bytes", .int, .required)
            .field("sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CasePhoto.schema).delete()
    }
}
