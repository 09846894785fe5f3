import Fluent
import GridCore
import SQLKit

/// 014: the rollups summed per area and day (the big screen reads a row per day), kept with
/// `case_rollups` from then on; both filled from the cases already there.
struct CreateCaseDayTotals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        var table = database.schema("case_day_totals")
            .field("area_id", .int, .required, .references(Area.schema, "id"))
            .field("day", .string, .required)
        for name in CaseFacts.firstCounterNames { table = table.field(FieldKey(stringLiteral: name), .int64, .required, .sql(.default(0))) }
        try await table.unique(on: "area_id", "day").create()
        guard let sql = database as? any SQLDatabase else { return }
        // Rollups already kept since 011: sum them per day; otherwise count everything from the cases.
        struct Row: Decodable { let n: Int }
        let kept = try await sql.raw("SELECT COUNT(*) AS n FROM case_rollups").first(decoding: Row.self)?.n ?? 0
        // (Installations with cases and no rollups yet are rebuilt by 023 with every counter.)
        if kept > 0 { try await CaseRollup.fillDayTotals(sql, counters: CaseFacts.firstCounterNames) }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("case_day_totals").delete()
    }
}
