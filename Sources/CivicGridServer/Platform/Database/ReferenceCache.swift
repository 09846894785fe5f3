import Fluent
import Foundation
import GridCore
import SQLKit
import Synchronization

/// The reference data every case action reads — the area tree (without boundaries), the
/// classification list with its time limits, the working-day calendar as a `CaseMachine` — held in
/// memory and reloaded when the database's reference generation moves (triggers bump it on every
/// change to those tables, whoever writes; migration 015). A request costs one tiny read of the
/// generation (folded into the sign-in query) instead of four Fluent loads.
///
/// The models held here are shared by concurrent requests and must never be changed; code that
/// edits an area or a category loads its own copy.
final class ReferenceCache: Sendable {
    struct Snapshot: Sendable {
        let generation: Int64
        let areas: [Int: Area]
        let categories: [UUID: CaseCategory]
        let calendar: WorkCalendar

        func area(_ id: Int) -> Area? { areas[id] }

        /// The area and its ancestors, root first (the case's chain).
        func chain(of area: Area) -> [Area] { area.areaPath.ids.compactMap { areas[$0] } }
    }

    private let current = Mutex<Snapshot?>(nil)

    /// The database's reference generation now.
    static func generation(on db: any Database) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { return 0 }
        struct Row: Decodable { let n: Int64 }
        return try await sql.raw("SELECT n FROM reference_generation WHERE id = 1").first(decoding: Row.self)?.n ?? 0
    }

    /// The snapshot for `generation` (read from the database when not given), loaded when it moved.
    func snapshot(on db: any Database, generation known: Int64? = nil) async throws -> Snapshot {
        let generation: Int64
        if let known { generation = known } else { generation = try await Self.generation(on: db) }
        if let cached = current.withLock({ $0 }), cached.generation == generation { return cached }
        let loaded = try await Self.load(generation: generation, on: db)
        current.withLock { $0 = loaded }
        return loaded
    }

    /// Drops the copy (tests that write reference tables without triggers, e.g. in memory).
    func invalidate() { current.withLock { $0 = nil } }

    private static func load(generation: Int64, on db: any Database) async throws -> Snapshot {
        var areas: [Int: Area] = [:]
        if let sql = db as? any SQLDatabase {
            struct Row: Decodable { let id: Int; let code: String; let name: String; let level: String; let parent_id: Int?; let path: String }
            for row in try await sql.raw("SELECT id, code, name, level, parent_id, path FROM areas").all(decoding: Row.self) {
                guard let level = AreaLevel(rawValue: row.level) else { continue }
                let area = Area(code: row.code, name: row.name, level: level, parentID: row.parent_id)
                area.id = row.id
                area.path = row.path
                area.$id.exists = true
                areas[row.id] = area
            }
        }
        let categories = try await CaseCategory.query(on: db).all()
        let calendar = try await CalendarService.load(on: db)
        return Snapshot(generation: generation, areas: areas,
                        categories: Dictionary(categories.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a }), calendar: calendar)
    }
}
