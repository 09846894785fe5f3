import Fluent
import Foundation
import SQLiteNIO
import SQLKit

/// The one bulk writer: plain multi-row INSERTs, for the rows every case change writes (cases, deadlines,
/// trace entries, notifications, negative-list entries — read straight from the models' properties) and for
/// bulk loads (the registry import, the demo registry). Fluent's own `create` reflects over every instance
/// (Swift `Mirror`) several times per row; under load that was a third of intake's CPU, and most of a
/// million-row import's own time (`benchmarks/README.md`). Values are typed once (`Value`) and bound, never
/// spliced into the SQL text. On SQLite they go straight to the driver as `SQLiteData` (SQLKit's per-value
/// `Encodable` round trip was the import's cost); on PostgreSQL through SQLKit's binds. Every column list
/// is checked against its model's fields by `RowWriterTests`, so a field added to a model and forgotten
/// here fails the tests.
enum RowWriter {
    /// Bound values per statement (SQLite allows 32,766, PostgreSQL 65,535): a few hundred rows. Larger
    /// statements saved nothing measurable on the import, and SQLite holds each one's parse tree while it runs.
    static let bindsPerStatement = 10_000

    /// A column value, stored the way Fluent stores the same Swift type (a UUID as text on SQLite,
    /// a date as seconds since 1970 on SQLite, native types on PostgreSQL).
    enum Value: Sendable, Equatable {
        case null
        case text(String)
        case int(Int)
        case real(Double)
        case uuid(UUID)
        case date(Date)
        case bool(Bool)

        static func text(_ s: String?) -> Value { s.map(Value.text) ?? .null }
        static func uuid(_ u: UUID?) -> Value { u.map(Value.uuid) ?? .null }

        var sqlite: SQLiteData {
            switch self {
            case .null: .null
            case .text(let s): .text(s)
            case .int(let i): .integer(i)
            case .real(let d): .float(d)
            case .uuid(let u): .text(u.uuidString)
            case .date(let d): .float(d.timeIntervalSince1970)
            case .bool(let b): .integer(b ? 1 : 0)
            }
        }

        var bind: any SQLExpression {
            switch self {
            case .null: SQLLiteral.null
            case .text(let s): SQLBind(s)
            case .int(let i): SQLBind(i)
            case .real(let d): SQLBind(d)
            case .uuid(let u): SQLBind(u)
            case .date(let d): SQLBind(d)
            case .bool(let b): SQLBind(b)
            }
        }
    }

    /// A value of one of the Swift types the models store (enums by their raw value), or NULL for nil.
    static func value(_ v: (any Sendable)?) -> Value {
        switch v {
        case nil: .null
        case let s as String: .text(s)
        case let u as UUID: .uuid(u)
        case let i as Int: .int(i)
        case let d as Double: .real(d)
        case let d as Date: .date(d)
        case let b as Bool: .bool(b)
        case let r as any RawRepresentable<String>: .text(r.rawValue)
        case let r as any RawRepresentable<Int>: .int(r.rawValue)
        case let v?: preconditionFailure("RowWriter: no column type for \(type(of: v))")
        }
    }

    /// Rows of `columns` into `table`, `bindsPerStatement` values a statement.
    static func insert(_ rows: [[Value]], into table: String, columns: [String], on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, bindsPerStatement / max(1, columns.count))
        let head = "INSERT INTO \"\(table)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES "
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let slice = rows[start..<min(start + perStatement, rows.count)]
            for row in slice { precondition(row.count == columns.count, "RowWriter: \(row.count) values for \(columns.count) columns of \(table)") }
            if let sqlite = db as? any SQLiteDatabase {
                var binds: [SQLiteData] = []
                binds.reserveCapacity(slice.count * columns.count)
                for row in slice { for value in row { binds.append(value.sqlite) } }
                _ = try await sqlite.query(head + Array(repeating: tuple, count: slice.count).joined(separator: ", "), binds)
            } else if let sql = db as? any SQLDatabase {
                var query = sql.insert(into: table).columns(columns)
                for row in slice { query = query.values(row.map(\.bind)) }
                try await query.run()
            }
        }
    }

    /// Models without a column list here (smaller imports: buildings, organisations, components, cross-check
    /// items) through Fluent's `create`, in statements of the same size.
    static func create<M: Model>(_ rows: [M], on db: any Database) async throws {
        guard let first = rows.first else { return }
        let perStatement = max(1, bindsPerStatement / max(1, first.properties.count))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            try await Array(rows[start..<min(start + perStatement, rows.count)]).create(on: db)
        }
    }

    // MARK: The registry's bulk loads

    static let personColumns = ["id", "grid_id", "household_id", "name", "id_sealed", "id_index", "id_tail_index", "birth_year", "gender", "phone_sealed",
                                "phone_index", "phone_tail", "kind", "relation", "employment", "tags", "registered_address", "version", "updated_at"]
    static let houseColumns = ["id", "building_id", "grid_id", "number", "area_sqm", "use", "ownership", "occupancy", "version", "updated_at"]
    static let householdColumns = ["id", "grid_id", "house_id", "number", "version", "updated_at"]
    static let revisionColumns = ["id", "entity", "entity_id", "grid_id", "version", "action", "actor_id", "actor_name", "at", "changes"]
    static let buildingColumns = ["id", "grid_id", "name", "address", "latitude", "longitude", "floors", "units", "version", "updated_at"]
    static let specialGroupMemberColumns = ["id", "person_id", "grid_id", "kind", "details", "responsible_id", "filed_on",
                                            "last_visit_on", "next_visit_due", "active", "version", "updated_at"]
    static let organizationColumns = ["id", "grid_id", "kind", "name", "credit_code", "address", "contact_name",
                                      "contact_phone_sealed", "employees", "version", "updated_at"]
    static let componentColumns = ["id", "grid_id", "kind", "code", "latitude", "longitude", "state", "version", "updated_at"]
    /// Fields the bulk loads leave NULL on purpose, by table: health notes are entered person by person
    /// (sealed, never in a spreadsheet); a building's photo comes from its page and its QR token from the
    /// first QR sheet; a component's note is written by hand. `RowWriterTests` holds each list plus this to its model.
    static let leftNullByBulkLoads: [String: Set<String>] = [
        "people": ["health_sealed"], "buildings": ["photo_path", "photo_type", "qr_token"], "components": ["note"],
    ]

    // MARK: What every case change writes

    typealias Field = (any Sendable)?

    static let caseColumns = [
        "id", "code", "title", "description", "category_id", "channel", "urgency", "status", "grid_id", "latitude", "longitude",
        "address", "reporter_id", "reporter_name", "reporter_phone_sealed", "external_ref", "building_id", "merged_into_id",
        "tracking_code", "holder_area_id", "holder_department_id", "co_handlers", "dispatched_by_area_id", "last_department_id",
        "escalated_from_area_id", "escalated_to_area_id", "escalated_at", "resolution", "satisfaction", "overdue", "inquiry_open",
        "supervised", "reported_at", "accepted_at", "closed_at", "updated_at",
        "accepted_by_area_id", "accepted_on_time", "dispatched_at", "dispatched_on_time", "signed_on_time", "dispatch_count", "redispatch_count",
        "extension_count", "return_refused_count", "rework_count", "suspended_reason", "suspended_until", "suspended_from_status",
        "suspended_remaining_days", "callback_status", "callback_attempts", "callback_resolved", "callback_satisfaction",
    ]

    static func values(_ c: Case) -> [Field] {
        [c.id, c.code, c.title, c.description, c.$category.id, c.channel, c.urgency, c.status, c.$grid.id, c.latitude, c.longitude,
         c.address, c.$reporter.id, c.reporterName, c.reporterPhoneSealed, c.externalRef, c.buildingID, c.mergedIntoID,
         c.trackingCode, c.$holderArea.id, c.$holderDepartment.id, c.coHandlers, c.dispatchedByAreaID, c.lastDepartmentID,
         c.escalatedFromAreaID, c.escalatedToAreaID, c.escalatedAt, c.resolution, c.satisfaction, c.overdue, c.inquiryOpen,
         c.supervised, c.reportedAt, c.acceptedAt, c.closedAt, c.updatedAt,
         c.acceptedByAreaID, c.acceptedOnTime, c.dispatchedAt, c.dispatchedOnTime, c.signedOnTime, c.dispatchCount, c.redispatchCount,
         c.extensionCount, c.returnRefusedCount, c.reworkCount, c.suspendedReason, c.suspendedUntil, c.suspendedFromStatus,
         c.suspendedRemainingDays, c.callbackStatus, c.callbackAttempts, c.callbackResolved, c.callbackSatisfaction]
    }

    static let deadlineColumns = ["id", "case_id", "kind", "due_at", "area_id", "department_id", "started_at", "met_at", "ended_at", "overdue_at",
                                  "computed_without_year", "end_reason", "warn_at"]

    static func values(_ d: CaseDeadline) -> [Field] {
        [d.id, d.$case.id, d.kind, d.dueAt, d.areaID, d.departmentID, d.startedAt, d.metAt, d.endedAt, d.overdueAt, d.computedWithoutYear, d.endReason, d.warnAt]
    }

    static let entryColumns = ["id", "case_id", "seq", "at", "actor_id", "actor_name", "role", "level", "action", "from_status", "to_status",
                               "comment", "attachments", "prev_hash", "hash"]

    static func values(_ e: TimelineEntry) -> [Field] {
        [e.id, e.$case.id, e.seq, e.at, e.actorID, e.actorName, e.role, e.level, e.action, e.fromStatus, e.toStatus,
         e.comment, e.attachments, e.prevHash, e.hash]
    }

    static let notificationColumns = ["id", "case_id", "area_id", "department_id", "text", "created_at"]

    static func values(_ n: Notification) -> [Field] {
        [n.id, n.$case.id, n.areaID, n.departmentID, n.text, n.createdAt]
    }

    static let negativeColumns = ["id", "case_id", "deadline_id", "kind", "area_id", "department_id", "points", "reason", "created_at"]

    static func values(_ n: NegativeListEntry) -> [Field] {
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

    /// Models (given an id when they have none), each marked as stored, as Fluent's `create` would.
    private static func insert<M: Model>(_ rows: [M], into table: String, columns: [String], values: (M) -> [Field],
                                         on db: any Database) async throws where M.IDValue == UUID {
        guard !rows.isEmpty else { return }
        for row in rows where row.id == nil { row.id = UUID() }  // as `@ID(key: .id)` generates on create
        try await insert(rows.map { values($0).map(value) }, into: table, columns: columns, on: db)
        for row in rows { row._$idExists = true }
    }
}
