import Fluent
import Foundation
import GridCore
import SQLKit
import Synchronization

/// Finds the grid holding a point among every grid and micro-grid boundary, through an R-tree
/// kept in memory. The tree is rebuilt when the boundaries change: after a change on this
/// instance at once, and on other instances (several app servers on one PostgreSQL) as soon as
/// the cheap fingerprint query (count and last update of grid areas) sees a difference.
final class GridLocator: Sendable {
    struct Snapshot: Sendable {
        let fingerprint: String
        let index: SpatialIndex<Int>
    }

    private let current = Mutex<Snapshot?>(nil)
    static let levels: [AreaLevel] = [.microGrid, .grid]

    /// Drops the tree; the next lookup rebuilds it.
    func invalidate() { current.withLock { $0 = nil } }

    /// The id of the finest grid holding `point` (micro-grids before grids), or nil.
    func locate(_ point: GeoPoint, on db: any Database) async throws -> Int? {
        try await snapshot(on: db).index.locate(point)
    }

    func snapshot(on db: any Database) async throws -> Snapshot {
        let fingerprint = try await Self.fingerprint(on: db)
        if let cached = current.withLock({ $0 }), cached.fingerprint == fingerprint { return cached }
        let areas = try await Area.query(on: db).filter(\.$level ~~ Self.levels).filter(\.$boundaryGeoJSON != nil).sort(\.$id).all()
        let ordered = areas.filter { $0.level == .microGrid } + areas.filter { $0.level != .microGrid }
        let items = ordered.compactMap { a in a.boundary.map { (id: a.id!, shape: $0) } }
        let snapshot = Snapshot(fingerprint: fingerprint, index: SpatialIndex(items))
        current.withLock { $0 = snapshot }
        return snapshot
    }

    private static func fingerprint(on db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { return UUID().uuidString }
        struct Row: Decodable { let n: Int; let latest: Date? }
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MAX", args: SQLColumn("updated_at")), as: "latest")
            .from(Area.schema).where("level", .in, levels.map(\.rawValue)).first(decoding: Row.self)
        return "\(row?.n ?? 0)/\(row?.latest?.timeIntervalSince1970 ?? 0)"
    }
}
