import Fluent
import SQLKit

/// 019: what an API key may do (`open311`: submit requests; `hotline`: post hotline orders). Keys
/// made before keep both, as they could do both; new keys get only what the administrator ticks.
struct AddApiKeyScopes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'open311,hotline'").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE api_keys DROP COLUMN scopes").run()
    }
}
