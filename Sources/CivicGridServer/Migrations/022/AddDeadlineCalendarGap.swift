import Fluent
import SQLKit

/// 022: a deadline remembers the year it was counted through without that year's holiday arrangement,
/// so the case page can say the date is an estimate.
struct AddDeadlineCalendarGap: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseDeadline.schema).field("computed_without_year", .int).update()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE case_deadlines DROP COLUMN computed_without_year").run()
    }
}
