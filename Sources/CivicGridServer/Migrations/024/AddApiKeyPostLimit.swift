import Fluent
import SQLKit

/// 024: each api key's own Open311 submission limit per hour (none: the default).
struct AddApiKeyPostLimit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ApiKey.schema).field("posts_per_hour", .int).update()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE api_keys DROP COLUMN posts_per_hour").run()
    }
}
