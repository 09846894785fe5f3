import Fluent
import GridCore
import SQLKit

/// 018: what Open311 publishes. `open311_public_categories` (an administrator's choice; city
/// components, environment and appearance to start with) and `case_publications` (an operator's
/// moderated text for a resident's report). Tables of their own, so that the models of the earlier
/// migrations' seeding stay as they were.
struct AddOpen311Publication: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Open311PublicCategory.schema)
            .field("category_id", .uuid, .identifier(auto: false), .references(CaseCategory.schema, "id", onDelete: .cascade))
            .create()
        try await database.schema(CasePublication.schema)
            .field("case_id", .uuid, .identifier(auto: false))
            .field("text", .string, .required)
            .field("by_id", .uuid, .required)
            .field("at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            INSERT INTO open311_public_categories (category_id)
            SELECT id FROM case_categories
            WHERE parent_id IN (SELECT id FROM case_categories WHERE code IN (\(binds: Array(Open311Publication.defaultPublicGroups).sorted())))
              AND stability_risk = \(bind: false)
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CasePublication.schema).delete()
        try await database.schema(Open311PublicCategory.schema).delete()
    }
}
