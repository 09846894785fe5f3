import Fluent
import SQLKit

/// 005: the map — a duplicate case remembers the master it was merged into; cases are found by
/// category and time for the duplicate check, by merge for the master's list of duplicates.
struct AddCaseMerging: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Case.schema).field("merged_into_id", .uuid).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "cases_category_reported_idx").on(Case.schema).column("category_id").column("reported_at").run()
        try await sql.create(index: "cases_merged_into_idx").on(Case.schema).column("merged_into_id").run()
        try await sql.create(index: "buildings_location_idx").on(Building.schema).column("latitude").column("longitude").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "cases_category_reported_idx").run()
        try await sql.drop(index: "cases_merged_into_idx").run()
        try await sql.drop(index: "buildings_location_idx").run()
        try await database.schema(Case.schema).deleteField("merged_into_id").update()
    }
}
