import Fluent

/// Keys for Open311 clients (GeoReport v2 `api_key`). Only a hash is stored.
struct CreateApiKey: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ApiKey.schema)
            .id()
            .field("name", .string, .required)
            .field("key_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .restrict))
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ApiKey.schema).delete()
    }
}
