import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// The map's layers for one area's subtree, each one grouped query (never a row per grid):
/// case counts per grid, case pins, buildings, components, special-group counts, registry totals.
/// The caller has already checked the area is in the user's scope.
struct MapService {
    let db: any Database

    var sql: any SQLDatabase {
        get throws {
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "地图需要 SQL 数据库") }
            return sql
        }
    }

    struct CaseCounts: Decodable, Sendable {
        var total = 0
        var open = 0
        var overdue = 0
        var closed = 0

        mutating func add(_ o: CaseCounts) { total += o.total; open += o.open; overdue += o.overdue; closed += o.closed }
        /// 办结率 of the period: closed ÷ received.
        var closedShare: String { total == 0 ? "—" : String(format: "%.0f%%", Double(closed) / Double(total) * 100) }
    }

    static let finished = [CaseStatus.closed.rawValue, CaseStatus.rejected.rawValue]

    /// Cases reported since `since` in the subtree, per grid.
    func caseCountsByGrid(under area: Area, since: Date) async throws -> [Int: CaseCounts] {
        struct Row: Decodable { let grid_id: Int; let total: Int; let open_n: Int?; let overdue_n: Int?; let closed_n: Int? }
        let rows = try await sql.raw("""
            SELECT c.grid_id AS grid_id, COUNT(*) AS total,
                   SUM(CASE WHEN c.status IN (\(bind: Self.finished[0]), \(bind: Self.finished[1])) THEN 0 ELSE 1 END) AS open_n,
                   SUM(CASE WHEN c.overdue AND c.status NOT IN (\(bind: Self.finished[0]), \(bind: Self.finished[1])) THEN 1 ELSE 0 END) AS overdue_n,
                   SUM(CASE WHEN c.status = \(bind: CaseStatus.closed.rawValue) THEN 1 ELSE 0 END) AS closed_n
            FROM cases c JOIN areas a ON a.id = c.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND c.reported_at >= \(bind: since)
            GROUP BY c.grid_id
            """).all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map {
            ($0.grid_id, CaseCounts(total: $0.total, open: $0.open_n ?? 0, overdue: $0.overdue_n ?? 0, closed: $0.closed_n ?? 0))
        })
    }

    /// Which drawn shape a grid's figures count toward: the child of `area` it lies under (when
    /// the children are drawn), or `area` itself.
    func shapeOfGrid(under area: Area, childrenDrawn: Bool) async throws -> @Sendable (Int) -> Int? {
        struct Row: Decodable { let id: Int; let path: String }
        let rows = try await sql.raw("SELECT id, path FROM areas WHERE \(ScopeSQL.within(area.areaPath, table: "areas"))").all(decoding: Row.self)
        let paths = Dictionary(uniqueKeysWithValues: rows.compactMap { r in AreaPath(r.path).map { (r.id, $0) } })
        let depth = area.areaPath.ids.count, own = area.id
        return { grid in
            guard let path = paths[grid] else { return nil }
            return childrenDrawn ? (path.ids.count > depth ? path.ids[depth] : nil) : own
        }
    }

    struct CasePin: Decodable, Sendable {
        let id: UUID; let code: String; let title: String; let status: String; let overdue: Bool; let latitude: Double; let longitude: Double
        var caseStatus: CaseStatus { CaseStatus(rawValue: status) ?? .reported }
        /// 办理中 / 已办结 / 超时, the three colours of the map.
        var mapState: String {
            if !caseStatus.isOpen { return "done" }
            return overdue ? "late" : "open"
        }
    }

    func casePins(under area: Area, since: Date, limit: Int) async throws -> [CasePin] {
        try await sql.raw("""
            SELECT c.id, c.code, c.title, c.status, c.overdue, c.latitude, c.longitude
            FROM cases c JOIN areas a ON a.id = c.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND c.reported_at >= \(bind: since)
              AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL
            ORDER BY c.reported_at DESC LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: CasePin.self)
    }

    struct BuildingMark: Decodable, Sendable { let id: UUID; let name: String; let address: String; let latitude: Double; let longitude: Double; let grid_id: Int }

    func buildings(under area: Area, limit: Int) async throws -> [BuildingMark] {
        try await sql.raw("""
            SELECT b.id, b.name, b.address, b.latitude, b.longitude, b.grid_id
            FROM buildings b JOIN areas a ON a.id = b.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND b.latitude IS NOT NULL AND b.longitude IS NOT NULL
            ORDER BY b.name LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: BuildingMark.self)
    }

    struct ComponentMark: Decodable, Sendable { let id: UUID; let kind: String; let code: String; let state: String; let latitude: Double; let longitude: Double }

    func components(under area: Area, limit: Int) async throws -> [ComponentMark] {
        try await sql.raw("""
            SELECT m.id, m.kind, m.code, m.state, m.latitude, m.longitude
            FROM components m JOIN areas a ON a.id = m.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) LIMIT \(unsafeRaw: String(limit))
            """).all(decoding: ComponentMark.self)
    }

    /// Active special-group members per grid and kind: counts only, never names.
    func specialCounts(under area: Area, kinds: [SpecialGroupKind]) async throws -> [Int: [SpecialGroupKind: Int]] {
        guard !kinds.isEmpty else { return [:] }
        struct Row: Decodable { let grid_id: Int; let kind: String; let n: Int }
        let rows = try await sql.raw("""
            SELECT m.grid_id, m.kind, COUNT(*) AS n FROM special_group_members m JOIN areas a ON a.id = m.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND m.active = \(bind: true)
              AND m.kind IN (\(binds: kinds.map(\.rawValue)))
            GROUP BY m.grid_id, m.kind
            """).all(decoding: Row.self)
        var out: [Int: [SpecialGroupKind: Int]] = [:]
        for r in rows { if let k = SpecialGroupKind(rawValue: r.kind) { out[r.grid_id, default: [:]][k] = r.n } }
        return out
    }

    struct RegistryTotals: Sendable { var buildings = 0; var households = 0; var people = 0 }

    func registryTotals(under area: Area) async throws -> RegistryTotals {
        func count(_ table: String) async throws -> Int {
            struct Row: Decodable { let n: Int }
            return try await sql.raw("""
                SELECT COUNT(*) AS n FROM \(ident: table) t JOIN areas a ON a.id = t.grid_id WHERE \(ScopeSQL.within(area.areaPath, table: "a"))
                """).first(decoding: Row.self)?.n ?? 0
        }
        return RegistryTotals(buildings: try await count(Building.schema), households: try await count(Household.schema), people: try await count(Person.schema))
    }

    /// Open cases of the subtree, overdue first, then newest.
    func openCases(under area: Area, limit: Int) async throws -> [Case] {
        try await Case.query(on: db).join(Area.self, on: \Case.$grid.$id == \Area.$id)
            .filter(areaWithin: area.areaPath).filter(\Case.$status !~ [.closed, .rejected])
            .sort(\Case.$overdue, .descending).sort(\Case.$reportedAt, .descending).limit(limit).all()
    }

    /// Reports of the subtree since `since` with a position, for the hotspot report.
    func located(under area: Area, since: Date) async throws -> [(id: UUID, code: String, title: String, category: UUID, point: GeoPoint, at: Date)] {
        struct Row: Decodable { let id: UUID; let code: String; let title: String; let category_id: UUID; let latitude: Double; let longitude: Double; let reported_at: Date }
        let rows = try await sql.raw("""
            SELECT c.id, c.code, c.title, c.category_id, c.latitude, c.longitude, c.reported_at
            FROM cases c JOIN areas a ON a.id = c.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND c.reported_at >= \(bind: since)
              AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL AND c.merged_into_id IS NULL
            """).all(decoding: Row.self)
        return rows.map { ($0.id, $0.code, $0.title, $0.category_id, GeoPoint(lon: $0.longitude, lat: $0.latitude), $0.reported_at) }
    }
}
