import Fluent
import SQLKit

/// 021: on SQLite, prefix indexes in the collation LIKE compares with (NOCASE), so a subtree's `LIKE '/1/5/%'` on paths
/// (every subtree, `ScopeSQL`) and `name LIKE '张%'` search a range instead of reading the whole
/// BINARY index — found by `QueryPlanTests` explaining the statements the code builds. The BINARY
/// indexes stay for equality and ORDER BY. PostgreSQL's `text_pattern_ops` indexes already serve LIKE.
struct AddCaseInsensitivePrefixIndexes: AsyncMigration {
    static let indexes = [("areas_path_like_idx", "areas", "path"), ("people_name_like_idx", "people", "name")]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        for (name, table, column) in Self.indexes {
            try await sql.raw("CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column) COLLATE NOCASE)").run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        for (name, _, _) in Self.indexes { try await sql.raw("DROP INDEX IF EXISTS \(ident: name)").run() }
    }
}
