import Fluent
import SQLKit

/// 015: one counter the database bumps whenever reference data changes — the area tree, the
/// classification list, the calendar, departments, role assignments — by triggers, so every writer
/// (pages, imports, scripts, another app instance) moves it. Instances keep those tables in memory
/// and read this one number to know their copy is current (`ReferenceCache`).
struct CreateReferenceGeneration: AsyncMigration {
    static let tables = ["areas", "case_categories", "calendar_days", "departments", "role_assignments"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE TABLE reference_generation (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)").run()
        try await sql.raw("INSERT INTO reference_generation (id, n) VALUES (1, 1)").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION civicgrid_bump_reference_generation() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE reference_generation SET n = n + 1 WHERE id = 1; RETURN NULL; END $$
                """).run()
            for table in Self.tables {
                try await sql.raw("""
                    CREATE TRIGGER refgen_\(unsafeRaw: table) AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(unsafeRaw: table)
                    FOR EACH STATEMENT EXECUTE FUNCTION civicgrid_bump_reference_generation()
                    """).run()
            }
        } else {
            for table in Self.tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try await sql.raw("""
                        CREATE TRIGGER refgen_\(unsafeRaw: table)_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table)
                        BEGIN UPDATE reference_generation SET n = n + 1 WHERE id = 1; END
                        """).run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for table in Self.tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS refgen_\(unsafeRaw: table) ON \(unsafeRaw: table)").run()
            } else {
                for event in ["insert", "update", "delete"] {
                    try await sql.raw("DROP TRIGGER IF EXISTS refgen_\(unsafeRaw: table)_\(unsafeRaw: event)").run()
                }
            }
        }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP FUNCTION IF EXISTS civicgrid_bump_reference_generation()").run()
        }
        try await sql.raw("DROP TABLE reference_generation").run()
    }
}
