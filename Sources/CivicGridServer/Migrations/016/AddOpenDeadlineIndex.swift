import Fluent
import SQLKit

/// 016: the SLA sweep's index — running deadlines only, by due time. The plain `due_at` index also
/// holds every met deadline of every closed case, all of them in the past, which the sweep's
/// `due_at < now` range then walked through (`QueryPlanTests`, `benchmarks/sla-sweep.sh`).
struct AddOpenDeadlineIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            CREATE INDEX case_deadlines_open_due_idx ON case_deadlines (due_at)
            WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX case_deadlines_open_due_idx").run()
    }
}
