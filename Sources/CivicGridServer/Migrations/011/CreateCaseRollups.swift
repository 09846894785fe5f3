import Fluent
import GridCore
import SQLKit

/// 011: statistics rollups kept in each case change's transaction (`CaseRollup`).
struct CreateCaseRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        var rollups = database.schema("case_rollups")
            .field("area_id", .int, .required, .references(Area.schema, "id"))
            .field("day", .string, .required)
            .field("channel", .string, .required)
            .field("category_id", .uuid, .required, .references(CaseCategory.schema, "id"))
        for name in CaseFacts.firstCounterNames { rollups = rollups.field(FieldKey(stringLiteral: name), .int64, .required, .sql(.default(0))) }
        try await rollups.unique(on: "area_id", "day", "channel", "category_id").create()
        try await database.schema("case_status_counts")
            .field("area_id", .int, .required, .references(Area.schema, "id"))
            .field("status", .string, .required)
            .field("n", .int64, .required)
            .unique(on: "area_id", "status")
            .create()
        // Filled from the cases by 014, once the per-day table exists too.
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_status_counts").delete()
        try await database.schema("case_rollups").delete()
    }
}
