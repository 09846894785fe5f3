import Fluent

struct CreateUser: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("kind", .string, .required)
            .field("password_hash", .string, .required)
            .field("phone_sealed", .string)
            .field("phone_index", .string)
            .field("active", .bool, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "username")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).delete()
    }
}
