import Fluent
import Foundation
import GridCore
import SQLKit
import Synchronization

/// Finds the grid holding a point among every grid and micro-grid boundary, through an R-tree
/// kept in memory. The tree is rebuilt when the boundaries change: after a change on this
/// instance at once, and on other instances (several app servers on one PostgreSQL) as soon as
/// the reference generation (bumped by a trigger on every change to `areas`) moves.
final class GridLocator: Sendable {
    struct Snapshot: Sendable {
        let generation: Int64
        let index: SpatialIndex<Int>
    }

    private let current = Mutex<Snapshot?>(nil)
    static let levels: [AreaLevel] = [.microGrid, .grid]

    /// Drops the tree; the next lookup rebuilds it.
    func invalidate() { current.withLock { $0 = nil } }

    /// The id of the finest grid holding `point` (micro-grids before grids), or nil.
    func locate(_ point: GeoPoint, on db: any Database, generation: Int64? = nil) async throws -> Int? {
        try await snapshot(on: db, generation: generation).index.locate(point)
    }

    func snapshot(on db: any Database, generation known: Int64? = nil) async throws -> Snapshot {
        let generation: Int64
        if let known { generation = known } else { generation = try await ReferenceCache.generation(on: db) }
        if let cached = current.withLock({ $0 }), cached.generation == generation { return cached }
        let areas = try await Area.query(on: db).filter(\.$level ~~ Self.levels).filter(\.$boundaryGeoJSON != nil).sort(\.$id).all()
        let ordered = areas.filter { $0.level == .microGrid } + areas.filter { $0.level != .microGrid }
        let items = ordered.compactMap { a in a.boundary.map { (id: a.id!, shape: $0) } }
        let snapshot = Snapshot(generation: generation, index: SpatialIndex(items))
        current.withLock { $0 = snapshot }
        return snapshot
    }
}
