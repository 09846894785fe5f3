import Fluent

struct CreateAccessLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AccessLog.schema)
            .id()
            .field("actor_id", .uuid, .required, .references(User.schema, .id, onDelete: .restrict))
            .field("subject_type", .string, .required)
            .field("subject_id", .string, .required)
            .field("field", .string, .required)
            .field("at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AccessLog.schema).delete()
    }
}
