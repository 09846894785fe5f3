import Fluent
import SQLKit

/// 013: accountability (责任倒追) — sanctions against people and units.
struct CreateSanctions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Sanction.schema)
            .id()
            .field("kind", .string, .required)
            .field("target_type", .string, .required)
            .field("target_id", .string, .required)
            .field("target_name", .string, .required)
            .field("case_id", .uuid, .references(Case.schema, "id"))
            .field("case_code", .string)
            .field("area_id", .int, .required, .references(Area.schema, "id"))
            .field("reason", .string, .required)
            .field("issued_by", .uuid, .required, .references(User.schema, "id"))
            .field("issued_by_name", .string, .required)
            .field("issued_at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "sanctions_target_idx").on(Sanction.schema).column("target_type").column("target_id").run()
        try await sql.create(index: "sanctions_case_idx").on(Sanction.schema).column("case_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Sanction.schema).delete()
    }
}
