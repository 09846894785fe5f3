import Fluent
import Foundation
import SQLiteNIO
import SQLKit

/// Plain multi-row INSERTs for bulk loads (the demo registry, large imports), where building a
/// Fluent model per row costs more than the database work. Values are typed once, here, and bound —
/// never spliced into the SQL text; as many rows go in one statement as the bind limits allow. On
/// SQLite they go straight to the driver as `SQLiteData` (SQLKit's per-value `Encodable` round trip
/// was most of a million-row import's own time); on PostgreSQL through SQLKit's binds.
struct RowInserter: Sendable {
    let db: any Database
    let table: String
    let columns: [String]

    init(_ db: any Database, table: String, columns: [String]) {
        self.db = db
        self.table = table
        self.columns = columns
    }

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
        case let v?: preconditionFailure("RowInserter: no column type for \(type(of: v))")
        }
    }

    static let personColumns = ["id", "grid_id", "household_id", "name", "id_sealed", "id_index", "id_tail_index", "birth_year", "gender", "phone_sealed",
                                "phone_index", "phone_tail", "kind", "relation", "employment", "tags", "registered_address", "version", "updated_at"]

    static let houseColumns = ["id", "building_id", "grid_id", "number", "area_sqm", "use", "ownership", "occupancy", "version", "updated_at"]
    static let householdColumns = ["id", "grid_id", "house_id", "number", "version", "updated_at"]
    static let revisionColumns = ["id", "entity", "entity_id", "grid_id", "version", "action", "actor_id", "actor_name", "at", "changes"]

    /// Bound values per statement (SQLite allows 32,766, PostgreSQL 65,535): a few hundred rows. Larger
    /// statements saved nothing measurable and SQLite holds each one's parse tree while it runs.
    static let bindsPerStatement = 10_000

    func insert(_ rows: [[Value]]) async throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, Self.bindsPerStatement / max(1, columns.count))
        let head = "INSERT INTO \"\(table)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES "
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let slice = rows[start..<min(start + perStatement, rows.count)]
            if let sqlite = db as? any SQLiteDatabase {
                var binds: [SQLiteData] = []
                binds.reserveCapacity(slice.count * columns.count)
                for row in slice {
                    precondition(row.count == columns.count, "RowInserter: \(row.count) values for \(columns.count) columns of \(table)")
                    for value in row { binds.append(value.sqlite) }
                }
                let sql = head + Array(repeating: tuple, count: slice.count).joined(separator: ", ")
                _ = try await sqlite.query(sql, binds)
            } else if let sql = db as? any SQLDatabase {
                var query = sql.insert(into: table).columns(columns)
                for row in slice { query = query.values(row.map(\.bind)) }
                try await query.run()
            }
        }
    }
}
