import Fluent
import Foundation
import SQLKit

/// Plain multi-row INSERTs through SQLKit, for bulk loads (demo registry, large imports) where
/// building a Fluent model per row costs more than the database work. Values are bound, never
/// spliced into the SQL text; as many rows go in one statement as the bind limits allow.
struct RowInserter: Sendable {
    let db: any SQLDatabase
    let table: String
    let columns: [String]

    init(_ db: any Database, table: String, columns: [String]) {
        self.db = db as! any SQLDatabase
        self.table = table
        self.columns = columns
    }

    static let personColumns = ["id", "grid_id", "household_id", "name", "id_sealed", "id_index", "id_tail", "birth_date", "gender", "phone_sealed",
                                "phone_index", "phone_tail", "kind", "relation", "employment", "tags", "registered_address", "version", "updated_at"]

    static let houseColumns = ["id", "building_id", "grid_id", "number", "area_sqm", "use", "ownership", "occupancy", "version", "updated_at"]
    static let householdColumns = ["id", "grid_id", "house_id", "number", "version", "updated_at"]
    static let revisionColumns = ["id", "entity", "entity_id", "grid_id", "version", "action", "actor_id", "actor_name", "at", "changes"]

    /// A bound value, or NULL for nil.
    static func value(_ v: (any Encodable & Sendable)?) -> any SQLExpression {
        guard let v else { return SQLLiteral.null }
        return SQLBind(v)
    }

    func insert(_ rows: [[any SQLExpression]]) async throws {
        let batch = max(1, min(1000, 30_000 / max(1, columns.count)))
        for start in stride(from: 0, to: rows.count, by: batch) {
            var query = db.insert(into: table).columns(columns)
            for row in rows[start..<min(start + batch, rows.count)] { query = query.values(row) }
            try await query.run()
        }
    }
}
