import Fluent
import GridCore
import SQLKit

/// 023: the exception paths (延期, 缓办, 退单审核, 回访, 撤件, 作废): requests and their decisions, callback
/// attempts, the case's own workflow facts, why a deadline ended, and the indicators' counters in the rollups
/// (then rebuilt from the cases, so existing ones count too).
struct AddWorkflowExceptionPaths: AsyncMigration {
    static let caseColumns: [(String, DatabaseSchema.DataType)] = [
        ("accepted_by_area_id", .int), ("accepted_on_time", .bool), ("dispatched_at", .datetime), ("dispatched_on_time", .bool),
        ("signed_on_time", .bool), ("dispatch_count", .int), ("redispatch_count", .int), ("extension_count", .int),
        ("return_refused_count", .int), ("rework_count", .int), ("suspended_reason", .string), ("suspended_until", .datetime),
        ("suspended_from_status", .string), ("suspended_remaining_days", .int), ("callback_status", .string), ("callback_attempts", .int),
        ("callback_resolved", .bool), ("callback_satisfaction", .string),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema(CaseRequest.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .field("kind", .string, .required)
            .field("reason", .string, .required)
            .field("requested_by", .uuid, .required)
            .field("requested_by_name", .string, .required)
            .field("requester_area_id", .int)
            .field("requester_department_id", .uuid)
            .field("decider_area_id", .int, .required)
            .field("proposed_due", .datetime)
            .field("review_at", .datetime)
            .field("requested_at", .datetime, .required)
            .field("decided_at", .datetime)
            .field("decided_by_name", .string)
            .field("approved", .bool)
            .field("decision", .string)
            .field("cancelled_at", .datetime)
            .create()
        try await database.schema(CaseCallback.schema)
            .id()
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .field("at", .datetime, .required)
            .field("by_name", .string, .required)
            .field("contact", .string, .required)
            .field("resolved", .bool)
            .field("satisfaction", .string)
            .field("note", .string, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX case_requests_case_idx ON case_requests (case_id, requested_at)").run()
        // The approver's queue: open requests by deciding command center.
        try await sql.raw("CREATE INDEX case_requests_decider_idx ON case_requests (decider_area_id, decided_at, cancelled_at)").run()
        try await sql.raw("CREATE INDEX case_callbacks_case_idx ON case_callbacks (case_id, at)").run()
        // SQLite adds one column per ALTER TABLE.
        for (name, type) in Self.caseColumns { try await database.schema(Case.schema).field(FieldKey(stringLiteral: name), type).update() }
        try await database.schema(CaseDeadline.schema).field("end_reason", .string).update()
        // 即将超时 is the yellow light (80 % of the allowed time): each deadline's moment, indexed while it runs.
        try await database.schema(CaseDeadline.schema).field("warn_at", .datetime).update()
        try await sql.raw("""
            CREATE INDEX case_deadlines_open_warn_idx ON case_deadlines (warn_at)
            WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL
            """).run()
        var last: UUID? = nil
        while true {
            let q = CaseDeadline.query(on: database).filter(\.$metAt == nil).filter(\.$endedAt == nil).sort(\.$id).limit(2_000)
            if let last { q.filter(\.$id > last) }
            let running = try await q.all()
            guard !running.isEmpty else { break }
            for d in running {
                d.warnAt = DeadlineLight.yellowFrom(startedAt: d.startedAt, dueAt: d.dueAt)
                try await d.save(on: database)
            }
            last = running.last?.id
        }
        // The sweeper's two queues: suspended cases by review date, closed cases awaiting callback.
        try await sql.raw("CREATE INDEX cases_suspended_until_idx ON cases (suspended_until)").run()
        for table in ["case_rollups", "case_day_totals"] {
            for name in CaseFacts.workflowCounterNames {
                try await sql.raw("ALTER TABLE \(unsafeRaw: table) ADD COLUMN \(unsafeRaw: name) BIGINT NOT NULL DEFAULT 0").run()
            }
        }
        try await sql.raw("""
            CREATE TABLE case_department_rollups (area_id INTEGER NOT NULL REFERENCES areas (id),
              department_id UUID NOT NULL REFERENCES departments (id), day TEXT NOT NULL,
              \(unsafeRaw: CaseFacts.counterNames.map { "\($0) BIGINT NOT NULL DEFAULT 0" }.joined(separator: ", ")),
              UNIQUE (area_id, department_id, day))
            """).run()
        try await CaseRollup.rebuildInPostgres(on: database)
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DROP TABLE case_department_rollups").run()
        for table in ["case_rollups", "case_day_totals"] {
            for name in CaseFacts.workflowCounterNames { try await sql.raw("ALTER TABLE \(unsafeRaw: table) DROP COLUMN \(unsafeRaw: name)").run() }
        }
        try await sql.raw("DROP INDEX cases_suspended_until_idx").run()
        try await sql.raw("DROP INDEX case_deadlines_open_warn_idx").run()
        try await sql.raw("ALTER TABLE case_deadlines DROP COLUMN warn_at").run()
        try await sql.raw("ALTER TABLE case_deadlines DROP COLUMN end_reason").run()
        for (name, _) in Self.caseColumns { try await sql.raw("ALTER TABLE cases DROP COLUMN \(unsafeRaw: name)").run() }
        try await database.schema(CaseCallback.schema).delete()
        try await database.schema(CaseRequest.schema).delete()
    }
}
