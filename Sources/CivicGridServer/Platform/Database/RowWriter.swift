import Fluent
import Foundation
import SQLKit

/// Multi-row INSERTs for the rows every case change writes — cases, deadlines, trace entries,
/// notifications — read straight from the models' properties. Fluent's own `create` reflects over
/// every instance (Swift `Mirror`) several times per row; under load that was a third of intake's
/// CPU (`benchmarks/README.md`). The column lists are checked against the models' fields by
/// `RowWriterTests`, so a field added to a model and forgotten here fails the tests.
enum RowWriter {
    typealias Value = any Encodable & Sendable

    static let caseColumns = [
        "id", "code", "title", "description", "category_id", "channel", "urgency", "status", "grid_id", "latitude", "longitude",
        "address", "reporter_id", "reporter_name", "reporter_phone_sealed", "external_ref", "building_id", "merged_into_id",
        "tracking_code", "holder_area_id", "holder_department_id", "co_handlers", "dispatched_by_area_id", "last_department_id",
        "escalated_from_area_id", "escalated_to_area_id", "escalated_at", "resolution", "satisfaction", "overdue", "inquiry_open",
        "supervised", "reported_at", "accepted_at", "closed_at", "updated_at",
    ]

    static func values(_ c: Case) -> [Value] {
        [c.id, c.code, c.title, c.description, c.$category.id, c.channel, c.urgency, c.status, c.$grid.id, c.latitude, c.longitude,
         c.address, c.$reporter.id, c.reporterName, c.reporterPhoneSealed, c.externalRef, c.buildingID, c.mergedIntoID,
         c.trackingCode, c.$holderArea.id, c.$holderDepartment.id, c.coHandlers, c.dispatchedByAreaID, c.lastDepartmentID,
         c.escalatedFromAreaID, c.escalatedToAreaID, c.escalatedAt, c.resolution, c.satisfaction, c.overdue, c.inquiryOpen,
         c.supervised, c.reportedAt, c.acceptedAt, c.closedAt, c.updatedAt]
    }

    static let deadlineColumns = ["id", "case_id", "kind", "due_at", "area_id", "department_id", "started_at", "met_at", "ended_at", "overdue_at"]

    static func values(_ d: CaseDeadline) -> [Value] {
        [d.id, d.$case.id, d.kind, d.dueAt, d.areaID, d.departmentID, d.startedAt, d.metAt, d.endedAt, d.overdueAt]
    }

    static let entryColumns = ["id", "case_id", "seq", "at", "actor_id", "actor_name", "role", "level", "action", "from_status", "to_status",
                               "comment", "attachments", "prev_hash", "hash"]

    static func values(_ e: TimelineEntry) -> [Value] {
        [e.id, e.$case.id, e.seq, e.at, e.actorID, e.actorName, e.role, e.level, e.action, e.fromStatus, e.toStatus,
         e.comment, e.attachments, e.prevHash, e.hash]
    }

    static let notificationColumns = ["id", "case_id", "area_id", "department_id", "text", "created_at"]

    static func values(_ n: Notification) -> [Value] {
        [n.id, n.$case.id, n.areaID, n.departmentID, n.text, n.createdAt]
    }

    static let negativeColumns = ["id", "case_id", "deadline_id", "kind", "area_id", "department_id", "points", "reason", "created_at"]

    static func values(_ n: NegativeListEntry) -> [Value] {
        [n.id, n.$case.id, n.deadlineID, n.kind, n.areaID, n.departmentID, n.points, n.reason, n.createdAt]
    }

    static func insert(_ rows: [NegativeListEntry], on db: any Database) async throws {
        try await insert(rows, into: NegativeListEntry.schema, columns: negativeColumns, values: values, on: db)
    }

    /// `UPDATE table SET assignments WHERE id IN (…)` for many rows at once, 1,000 ids a statement.
    static func update(_ table: String, set assignments: SQLQueryString, ids: [UUID], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            var q = SQLQueryString("UPDATE \(unsafeRaw: table) SET ")
            q.appendInterpolation(assignments)
            q.appendLiteral(" WHERE id IN (")
            for (i, id) in ids[start..<min(start + 1_000, ids.count)].enumerated() {
                if i > 0 { q.appendLiteral(", ") }
                q.appendInterpolation(bind: id)
            }
            q.appendLiteral(")")
            try await sql.raw(q).run()
        }
    }

    static func insert(_ rows: [Case], on db: any Database) async throws {
        try await insert(rows, into: Case.schema, columns: caseColumns, values: values, on: db)
    }

    static func insert(_ rows: [CaseDeadline], on db: any Database) async throws {
        try await insert(rows, into: CaseDeadline.schema, columns: deadlineColumns, values: values, on: db)
    }

    static func insert(_ rows: [TimelineEntry], on db: any Database) async throws {
        try await insert(rows, into: TimelineEntry.schema, columns: entryColumns, values: values, on: db)
    }

    static func insert(_ rows: [Notification], on db: any Database) async throws {
        try await insert(rows, into: Notification.schema, columns: notificationColumns, values: values, on: db)
    }

    /// Rows (given an id when they have none) in statements of at most ~30,000 bound values (SQLite's limit is 32,766; PostgreSQL's 65,535);
    /// each model is marked as stored, as Fluent's `create` would.
    private static func insert<M: Model>(_ rows: [M], into table: String, columns: [String], values: (M) -> [Value],
                                         on db: any Database) async throws where M.IDValue == UUID {
        guard !rows.isEmpty else { return }
        for row in rows where row.id == nil { row.id = UUID() }  // as `@ID(key: .id)` generates on create
        guard let sql = db as? any SQLDatabase else {
            for start in stride(from: 0, to: rows.count, by: 200) { try await Array(rows[start..<min(start + 200, rows.count)]).create(on: db) }
            return
        }
        let perStatement = max(1, 30_000 / columns.count)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var q = SQLQueryString("INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES ")
            for (i, row) in rows[start..<min(start + perStatement, rows.count)].enumerated() {
                q.appendLiteral(i > 0 ? ", (" : "(")
                for (j, value) in values(row).enumerated() {
                    if j > 0 { q.appendLiteral(", ") }
                    q.appendInterpolation(bind: value)
                }
                q.appendLiteral(")")
            }
            try await sql.raw(q).run()
        }
        for row in rows { row._$idExists = true }
    }
}
