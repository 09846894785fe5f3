import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 区不漏地、地不漏房、房不漏户、户不漏人: the coverage report of one area's subtree.
struct CoverageService {
    let db: any Database
    let app: Application

    struct Line: Sendable { let text: String; let href: String }
    struct Section: Sendable {
        let key: String
        let title: String
        let rule: String
        let count: Int
        let lines: [Line]
    }

    static let listLimit = 50

    func report(for area: Area, today: LocalDate, visibility: SpecialGroupVisibility) async throws -> [Section] {
        let sql = db as! any SQLDatabase
        var sections: [Section] = []

        // 区不漏地: sibling boundaries that overlap, leave gaps, or leave their parent.
        let subtree = try await Area.query(on: db).filter(within: area.areaPath).all()
        let byParent = Dictionary(grouping: subtree.filter { $0.$parent.id != nil }, by: { $0.$parent.id! })
        let byID = Dictionary(uniqueKeysWithValues: subtree.map { ($0.id!, $0) })
        var boundaryLines: [Line] = []
        for (parentID, children) in byParent.sorted(by: { $0.key < $1.key }) {
            guard let parent = byID[parentID] else { continue }
            let drawn = children.compactMap { c in c.boundary.map { Coverage.Boundary(id: c.id!, name: c.name, polygon: $0) } }
            let missing = children.filter { c in c.boundary == nil }.map { $0.id! }
            let parentBoundary = parent.boundary.map { Coverage.Boundary(id: parent.id!, name: parent.name, polygon: $0) }
            for finding in Coverage.boundaryFindings(parent: parentBoundary, children: drawn, childrenWithoutBoundary: missing) {
                switch finding {
                case .overlap(let a, let b):
                    boundaryLines.append(Line(text: "“\(byID[a]!.name)”与“\(byID[b]!.name)”边界重叠", href: SiteURL.area(a).path))
                case .gap(let p, let sqm, let share):
                    boundaryLines.append(Line(text: "“\(byID[p]!.name)”有约 \(Int(sqm.rounded())) ㎡（\(String(format: "%.1f", share * 100))%）未划入任何下级网格", href: SiteURL.area(p).path))
                case .outsideParent(let c):
                    boundaryLines.append(Line(text: "“\(byID[c]!.name)”的边界超出了上级“\(parent.name)”", href: SiteURL.area(c).path))
                case .missingBoundary(let c):
                    boundaryLines.append(Line(text: "“\(byID[c]!.name)”尚未绘制边界", href: SiteURL.areaEdit(c).path))
                }
            }
        }
        sections.append(Section(key: "boundaries", title: "区不漏地：网格边界", rule: "同级网格边界不重叠、不留空白，且不超出上级区域",
                                count: boundaryLines.count, lines: Array(boundaryLines.prefix(Self.listLimit))))

        // 地不漏房: buildings not in a grid, without a location, or outside their grid.
        struct BuildingRow: Decodable { let id: UUID; let name: String; let address: String; let latitude: Double?; let longitude: Double?; let level: String; let boundary_geojson: String? }
        let buildings = try await sql.raw("""
            SELECT b.id, b.name, b.address, b.latitude, b.longitude, a.level, a.boundary_geojson
            FROM buildings b JOIN areas a ON a.id = b.grid_id WHERE \(ScopeSQL.within(area.areaPath, table: "a"))
            """).all(decoding: BuildingRow.self)
        var polygons: [String: GeoMultiPolygon] = [:]
        var buildingLines: [Line] = []
        for b in buildings {
            let isGrid = b.level == AreaLevel.grid.rawValue || b.level == AreaLevel.microGrid.rawValue
            let polygon = b.boundary_geojson.flatMap { text in polygons[text] ?? (try? GeoMultiPolygon(geoJSON: text)).map { polygons[text] = $0; return $0 } }
            let point = b.latitude.flatMap { lat in b.longitude.map { GeoPoint(lon: $0, lat: lat) } }
            guard let problem = Coverage.placement(of: point, gridBoundary: polygon, hasGrid: isGrid) else { continue }
            let why = switch problem { case .noGrid: "未划入网格"; case .noLocation: "没有位置坐标"; case .outsideGrid: "坐标在所属网格边界之外" }
            buildingLines.append(Line(text: "\(b.name)（\(b.address)）\(why)", href: SiteURL.building(b.id).path))
        }
        sections.append(Section(key: "buildings", title: "地不漏房：楼栋", rule: "每栋楼属于一个网格，且坐标落在该网格内",
                                count: buildingLines.count, lines: Array(buildingLines.prefix(Self.listLimit))))

        // 房不漏户: occupied houses with no household.
        struct HouseRow: Decodable { let id: UUID; let number: String; let building_id: UUID; let name: String }
        let houseFrom: SQLQueryString = """
            FROM houses h JOIN buildings b ON b.id = h.building_id JOIN areas a ON a.id = h.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND h.occupancy <> 'vacant' AND NOT EXISTS (SELECT 1 FROM households hh WHERE hh.house_id = h.id)
            """
        let houses = try await rows(sql, "SELECT h.id, h.number, h.building_id, b.name", houseFrom, HouseRow.self)
        sections.append(Section(key: "houses", title: "房不漏户：有人居住的房屋", rule: "自住或出租的房屋都登记了住户",
                                count: try await count(sql, houseFrom),
                                lines: houses.map { Line(text: "\($0.name) \($0.number) 有人居住但没有登记住户", href: SiteURL.building($0.building_id).path) }))

        // 户不漏人: households with no members.
        struct HouseholdRow: Decodable { let id: UUID; let number: String; let grid_id: Int; let name: String }
        let householdFrom: SQLQueryString = """
            FROM households hh JOIN areas a ON a.id = hh.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND NOT EXISTS (SELECT 1 FROM people p WHERE p.household_id = hh.id)
            """
        let empties = try await rows(sql, "SELECT hh.id, hh.number, hh.grid_id, a.name", householdFrom, HouseholdRow.self)
        sections.append(Section(key: "households", title: "户不漏人：户", rule: "每户至少登记一名成员",
                                count: try await count(sql, householdFrom),
                                lines: empties.map { Line(text: "\($0.name) 户号 \($0.number) 没有登记成员", href: SiteURL.household($0.id).path) }))

        struct PersonRow: Decodable { let id: UUID; let name: String; let grid: String }
        let loneFrom: SQLQueryString = "FROM people p JOIN areas a ON a.id = p.grid_id WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND p.household_id IS NULL"
        let lone = try await rows(sql, "SELECT p.id, p.name, a.name AS grid", loneFrom, PersonRow.self)
        sections.append(Section(key: "people", title: "户不漏人：人员", rule: "每个人都归属于一户",
                                count: try await count(sql, loneFrom),
                                lines: lone.map { Line(text: "\(NameMask.mask($0.name))（\($0.grid)）没有归属到户", href: SiteURL.person($0.id).path) }))

        struct DueRow: Decodable { let person_id: UUID; let kind: String; let next_visit_due: String; let name: String }
        let dueFrom: SQLQueryString = """
            FROM special_group_members m JOIN people p ON p.id = m.person_id JOIN areas a ON a.id = m.grid_id
            WHERE \(ScopeSQL.within(area.areaPath, table: "a")) AND m.active = \(bind: true) AND m.next_visit_due < \(bind: today.description)
              AND \(visibility.sqlCondition("m.kind"))
            """
        let due = try await rows(sql, "SELECT m.person_id, m.kind, m.next_visit_due, p.name", dueFrom + " ORDER BY m.next_visit_due", DueRow.self)
        sections.append(Section(key: "visits", title: "特殊人群走访逾期",
                                rule: "按各类特殊人群规定的频次按时走访" + (visibility.hidden.isEmpty ? "" : "（只列出您的岗位可以查看的人群）"),
                                count: try await count(sql, dueFrom),
                                lines: due.map { r in
                                    let kind = SpecialGroupKind(rawValue: r.kind)?.displayName ?? r.kind
                                    let days = LocalDate(r.next_visit_due).map { today.daysSinceEpoch - $0.daysSinceEpoch } ?? 0
                                    return Line(text: "\(NameMask.mask(r.name))（\(kind)）应于 \(r.next_visit_due) 前走访，已逾期 \(days) 天", href: SiteURL.person(r.person_id).path)
                                }))
        return sections
    }

    private func rows<T: Decodable>(_ sql: any SQLDatabase, _ select: String, _ from: SQLQueryString, _ type: T.Type) async throws -> [T] {
        try await sql.raw(SQLQueryString(select + " ") + from + SQLQueryString(" LIMIT " + String(Self.listLimit))).all(decoding: T.self)
    }

    private func count(_ sql: any SQLDatabase, _ from: SQLQueryString) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await sql.raw("SELECT COUNT(*) AS n " + from).first(decoding: N.self)?.n ?? 0
    }
}
