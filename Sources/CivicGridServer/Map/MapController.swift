import Fluent
import Foundation
import GridCore
import Vapor

/// 看图知片情、看标识识户、看房知人、看人知情: the map of an area's children (or of one grid), drawn
/// server-side as SVG so it needs no tiles and no network — layers of cases, buildings,
/// components, special-group counts and case density, a summary of the area, and search.
enum MapController {
    enum Layer: String, CaseIterable {
        case cases, heat, buildings, components, special
        var label: String {
            switch self {
            case .cases: "事件"
            case .heat: "事件密度"
            case .buildings: "楼栋"
            case .components: "城市部件"
            case .special: "特殊人群（仅数量）"
            }
        }
    }

    static let periods: [(days: Int, label: String)] = [(7, "近 7 天"), (30, "近 30 天"), (90, "近 90 天"), (365, "近一年")]
    static let pinLimit = 2_000
    static let markLimit = 5_000

    struct Option: Encodable { let value: String; let label: String; let selected: Bool }
    struct Crumb: Encodable { let name: String; let href: String? }
    struct Shape: Encodable {
        let d: String; let href: String?; let label: String; let x: String; let y: String
        let heat: String; let badge: String?; let by: String
    }
    struct Mark: Encodable { let x: String; let y: String; let cls: String; let title: String; let href: String?; let focus: Bool }
    struct Fact: Encodable { let label: String; let value: String }
    struct CaseRow: Encodable { let href: String; let code: String; let title: String; let status: String; let late: Bool }
    struct Result: Encodable { let label: String; let detail: String; let href: String }
    struct Legend: Encodable { let cls: String; let label: String; let count: Int }

    struct Page: Encodable {
        let layout: PageLayout
        let areaID: Int
        let areaName: String
        let levelName: String
        let crumbs: [Crumb]
        let width: Int
        let height: Int
        let fontSize: String
        let markSize: String
        let markHalf: String
        let pinRadius: String
        let shapes: [Shape]
        let showLabels: Bool
        let pins: [Mark]
        let buildings: [Mark]
        let components: [Mark]
        let layers: [Option]
        let periods: [Option]
        let heatOn: Bool
        let heatScale: String
        let legend: [Legend]
        let facts: [Fact]
        let workers: String?
        let special: [Fact]
        let openCases: [CaseRow]
        let casesHref: String
        let q: String
        let results: [Result]?
        let searched: Bool
        let notes: [String]
        let childLevelName: String?
        let zoomHint: String
        let canEditBoundaries: Bool
        let hotspotsHref: String
    }

    // MARK: The page

    @Sendable static func page(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "地图按管辖区域显示，您的岗位没有管辖区域") }
        let areas = req.areas
        let area = try await areas.chosen(req.query[Int.self, at: "area"], in: user.scope)

        let chosen = Set((req.query[[String].self, at: "layer"] ?? []).compactMap(Layer.init(rawValue:)))
        let isGrid = area.level == .grid || area.level == .microGrid
        let layers: Set<Layer> = req.query[String.self, at: "layers"] == "set" ? chosen
            : (isGrid || area.level == .community ? [.cases, .buildings, .heat] : [.cases, .heat])
        let days = periods.map(\.days).contains(req.query[Int.self, at: "days"] ?? 0) ? req.query[Int.self, at: "days"]! : 30
        let since = req.now.addingTimeInterval(-Double(days) * 86_400)
        let focus = req.query[String.self, at: "focus"].flatMap(UUID.init(uuidString:))
        let mayReadRegistry = RegistryRules.mayRead(user.roles)
        let service = req.mapService

        // What is drawn: the children with boundaries, or the grid itself.
        let children = try await areas.children(of: area.id!, in: user.scope)
        let drawnChildren = children.filter { $0.boundary != nil }
        let drawn = drawnChildren.isEmpty ? [area].filter { $0.boundary != nil } : drawnChildren
        let zoomable = !drawnChildren.isEmpty
        let box = drawn.compactMap(\.boundary?.boundingBox).reduce(nil as BoundingBox?) { $0?.union($1) ?? $1 }

        // Figures per drawn shape, rolled up from grids.
        let shapeID = try await service.shapeOfGrid(under: area, childrenDrawn: zoomable)
        let byGrid = try await service.caseCountsByGrid(under: area, since: since)
        var perShape: [Int: MapService.CaseCounts] = [:]
        var total = MapService.CaseCounts()
        for (grid, counts) in byGrid {
            total.add(counts)
            if let id = shapeID(grid) { perShape[id, default: .init()].add(counts) }
        }
        let visibleKinds = SpecialGroupVisibility(user).visible
        let special = mayReadRegistry ? try await service.specialCounts(under: area, kinds: visibleKinds) : [:]
        var specialPerShape: [Int: Int] = [:]
        var specialTotals: [SpecialGroupKind: Int] = [:]
        for (grid, kinds) in special {
            let n = kinds.values.reduce(0, +)
            if let id = shapeID(grid) { specialPerShape[id, default: 0] += n }
            for (k, v) in kinds { specialTotals[k, default: 0] += v }
        }

        let layerQuery = "layers=set" + layers.map { "&layer=\($0.rawValue)" }.sorted().joined() + "&days=\(days)"
        var shapes: [Shape] = [], pins: [Mark] = [], buildingMarks: [Mark] = [], componentMarks: [Mark] = []
        var legend: [Legend] = []
        var width = 900, height = 600, fontSize = "12", markSize = "4", pinRadius = "4"
        var notes: [String] = []
        if let box {
            let projection = SVGProjection(box: box, width: 900, maxHeight: 640, padding: 12)
            width = Int(projection.width); height = Int(projection.height)
            fontSize = String(format: "%.0f", max(9, min(18, projection.width / 45)))
            func xy(_ p: GeoPoint) -> (String, String) {
                let (x, y) = projection.project(p)
                return (String(format: "%.1f", x), String(format: "%.1f", y))
            }
            let maxCount = max(1, perShape.values.map(\.total).max() ?? 1)
            shapes = drawn.map { a in
                let shape = a.boundary!
                let (x, y) = xy(shape.labelPoint)
                let n = perShape[a.id!]?.total ?? 0
                let heat = n == 0 ? 0 : Int((Double(n) / Double(maxCount) * 5).rounded(.up))
                return Shape(d: projection.pathData(shape), href: zoomable ? SiteURL.map.path + "?area=\(a.id!)&\(layerQuery)" : nil, label: a.name, x: x, y: y,
                             heat: "h\(min(5, heat))", badge: layers.contains(.special) && mayReadRegistry ? "特殊人群 \(specialPerShape[a.id!] ?? 0)" : nil,
                             by: "\(n) 件")
            }
            if layers.contains(.cases) {
                let found = try await service.casePins(under: area, since: since, limit: pinLimit)
                if found.count == pinLimit { notes.append("只显示最近的 \(pinLimit) 件事件，放大到下级区域可看全部") }
                pins = found.compactMap { p in
                    let point = GeoPoint(lon: p.longitude, lat: p.latitude)
                    guard box.contains(point) else { return nil }
                    let (x, y) = xy(point)
                    let state = p.mapState == "late" ? "超时" : p.mapState == "done" ? "已办结" : "办理中"
                    return Mark(x: x, y: y, cls: p.mapState, title: "\(p.code) \(p.title)（\(state)）", href: SiteURL.caseDetail(p.id).path, focus: false)
                }
                // Overdue on top, then open, then closed: the ones that need attention stay visible.
                let rank = ["done": 0, "open": 1, "late": 2]
                pins.sort { rank[$0.cls, default: 0] < rank[$1.cls, default: 0] }
                for (cls, label) in [("open", "办理中"), ("late", "超时"), ("done", "已办结")] {
                    legend.append(Legend(cls: cls, label: label, count: pins.filter { $0.cls == cls }.count))
                }
            }
            if layers.contains(.buildings) {
                if mayReadRegistry {
                    let found = try await service.buildings(under: area, limit: markLimit)
                    if found.count == markLimit { notes.append("楼栋太多，只显示前 \(markLimit) 栋，请放大到网格查看") }
                    buildingMarks = found.map { b in
                        let (x, y) = xy(GeoPoint(lon: b.longitude, lat: b.latitude))
                        return Mark(x: x, y: y, cls: "bld", title: "\(b.name)（\(b.address)）", href: SiteURL.building(b.id).path, focus: b.id == focus)
                    }
                } else {
                    notes.append("楼栋图层需要基础信息查看权限")
                }
            }
            if layers.contains(.components), mayReadRegistry {
                componentMarks = try await service.components(under: area, limit: markLimit).map { c in
                    let (x, y) = xy(GeoPoint(lon: c.longitude, lat: c.latitude))
                    let kind = ComponentKind(rawValue: c.kind)?.displayName ?? c.kind, state = ComponentState(rawValue: c.state)
                    return Mark(x: x, y: y, cls: "cmp " + (state == .normal ? "ok" : "bad"), title: "\(kind) \(c.code)（\(state?.displayName ?? c.state)）", href: nil, focus: false)
                }
            }
            markSize = String(format: "%.1f", max(4, min(9, projection.width / 110)))
            pinRadius = String(format: "%.1f", zoomable ? max(2.5, min(5, projection.width / 200)) : max(4, min(7, projection.width / 130)))
        } else {
            notes.append("“\(area.name)”及其下级尚未绘制边界，无法显示地图")
        }

        // 看图知片情: the area's summary.
        var facts: [Fact] = [
            Fact(label: "\(days) 天内事件", value: "\(total.total) 件"),
            Fact(label: "办理中", value: "\(total.open) 件"),
            Fact(label: "其中超时", value: "\(total.overdue) 件"),
            Fact(label: "办结率", value: total.closedShare),
        ]
        if mayReadRegistry {
            let totals = try await service.registryTotals(under: area)
            facts.insert(contentsOf: [Fact(label: "楼栋", value: "\(totals.buildings) 栋"), Fact(label: "住户", value: "\(totals.households) 户"),
                                      Fact(label: "人口", value: "\(totals.people) 人")], at: 0)
        }
        if let shapeArea = area.boundary?.areaSquareMetres {
            facts.append(Fact(label: "面积", value: shapeArea > 1_000_000 ? String(format: "%.2f 平方公里", shapeArea / 1_000_000) : String(format: "%.0f 平方米", shapeArea)))
        }
        if !children.isEmpty { facts.append(Fact(label: "下级\(req.state.levels.childLevel(of: area.level)?.defaultName ?? "区域")", value: "\(children.count) 个")) }
        let workerRows = try await RoleAssignment.query(on: req.db).filter(\.$area.$id == area.id!).filter(\.$role ~~ [.gridWorker, .gridLeader]).with(\.$user).all()
        let workers = workerRows.map { "\($0.user.displayName)（\($0.role.displayName)）" }.joined(separator: "、")
        let open = try await service.openCases(under: area, limit: 12).map { c in
            CaseRow(href: SiteURL.caseDetail(c.id!).path, code: c.code, title: c.title, status: c.status.displayName, late: c.overdue)
        }

        // Search: an address or building, a person's building, or an area by name.
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let results = q.isEmpty ? nil : try await search(q, user: user, req: req, layerQuery: layerQuery)

        var crumbs = try await areas.ancestors(of: area).map { a in
            Crumb(name: a.name, href: user.scope.covers(a.areaPath) ? SiteURL.map.path + "?area=\(a.id!)&\(layerQuery)" : nil)
        }
        crumbs.append(Crumb(name: area.name, href: nil))
        let canEdit = user.scope.canAdminister(area.areaPath)
        let childLevel = req.state.levels.childLevel(of: area.level)?.defaultName
        return try await req.view.render("map/index", Page(
            layout: PageLayout(req, title: "地图 · \(area.name)", section: "map"),
            areaID: area.id!, areaName: area.name, levelName: area.level.defaultName, crumbs: crumbs,
            width: width, height: height, fontSize: fontSize, markSize: markSize,
            markHalf: String(format: "%.1f", (Double(markSize) ?? 4) / 2), pinRadius: pinRadius, shapes: shapes, showLabels: shapes.count <= 80,
            pins: pins, buildings: buildingMarks, components: componentMarks,
            layers: Layer.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: layers.contains($0)) },
            periods: periods.map { Option(value: String($0.days), label: $0.label, selected: $0.days == days) },
            heatOn: layers.contains(.heat), heatScale: "颜色越深，\(days) 天内事件越多（最多 \(perShape.values.map(\.total).max() ?? 0) 件）",
            legend: legend, facts: facts, workers: workers.isEmpty ? nil : workers,
            special: visibleKinds.compactMap { k in specialTotals[k].map { Fact(label: k.displayName, value: "\($0) 人") } },
            openCases: open, casesHref: SiteURL.cases.path(["tab": "all", "area": "\(area.code)"]),
            q: q, results: results, searched: results != nil, notes: notes,
            childLevelName: zoomable ? childLevel : nil,
            zoomHint: zoomable ? "点击\(childLevel ?? "下级区域")放大查看" : "已是最小网格：点击楼栋看住户，点击事件看详情",
            canEditBoundaries: canEdit, hotspotsHref: SiteURL.mapHotspots.path(["area": "\(area.id!)"])))
    }

    static func search(_ q: String, user: CurrentUser, req: Request, layerQuery: String) async throws -> [Result] {
        var results: [Result] = []
        let matchingAreas = try await Area.query(on: req.db).filter(\.$name, like: .contains(q)).within(user.scope).sort(\.$code).limit(10).all()
        results += matchingAreas.map { Result(label: $0.name, detail: $0.level.defaultName, href: SiteURL.map.path + "?area=\($0.id!)&\(layerQuery)") }
        guard RegistryRules.mayRead(user.roles) else { return results }
        let registry = req.registry
        let found = try await registry.search(q, for: user, limit: 20)
        let layers = "layers=set&layer=buildings&layer=cases"
        results += found.buildings.map { b in
            Result(label: b.name, detail: "楼栋 · \(b.address)", href: SiteURL.map.path + "?area=\(b.$grid.id)&\(layers)&focus=\(b.id!)")
        }
        // A person leads to the building of their household's house (看人知情 → 看房知人).
        let householdIDs = found.people.compactMap { $0.$household.id }
        if !householdIDs.isEmpty {
            let households = try await Household.query(on: req.db).filter(\.$id ~~ householdIDs).all()
            let houseIDs = households.compactMap { $0.$house.id }
            let houses = houseIDs.isEmpty ? [] : try await House.query(on: req.db).filter(\.$id ~~ houseIDs).with(\.$building).all()
            for person in found.people {
                guard let hh = households.first(where: { $0.id == person.$household.id }),
                      let house = houses.first(where: { $0.id == hh.$house.id }) else { continue }
                results.append(Result(label: NameMask.mask(person.name), detail: "住 \(house.building.name) \(house.number)",
                                      href: SiteURL.map.path + "?area=\(house.building.$grid.id)&\(layers)&focus=\(house.building.id!)"))
            }
        }
        return results
    }
}

// MARK: Hotspots

extension MapController {
    struct HotspotRow: Encodable {
        let category: String; let count: Int; let first: String; let last: String; let place: String; let mapHref: String?
        let cases: [CaseLink]
    }
    struct CaseLink: Encodable { let code: String; let href: String }
    struct HotspotPage: Encodable {
        let layout: PageLayout; let areaID: Int; let areaName: String; let rows: [HotspotRow]
        let weeks: [Option]; let minimum: [Option]; let radius: [Option]; let rule: String; let scanned: Int
    }

    /// 热点问题: places where the same kind of problem came back at least `min` times in `weeks`.
    @Sendable static func hotspots(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "热点分析按管辖区域显示，您的岗位没有管辖区域") }
        let areas = req.areas
        let area = try await areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let weekChoices = [4, 8, 12, 26], minChoices = [2, 3, 5, 10], radiusChoices = [50, 100, 200, 500]
        let weeks = weekChoices.contains(req.query[Int.self, at: "weeks"] ?? 0) ? req.query[Int.self, at: "weeks"]! : 8
        let minimum = minChoices.contains(req.query[Int.self, at: "min"] ?? 0) ? req.query[Int.self, at: "min"]! : 3
        let radius = radiusChoices.contains(req.query[Int.self, at: "radius"] ?? 0) ? req.query[Int.self, at: "radius"]! : 100
        let since = req.now.addingTimeInterval(-Double(weeks) * 7 * 86_400)
        let located = try await req.mapService.located(under: area, since: since)
        let spots = Hotspots.find(located.map { .init(id: $0.id.uuidString, category: $0.category.uuidString, point: $0.point, reportedAt: $0.at) },
                                  radiusMetres: Double(radius), minimum: minimum)
        let categories = try await CaseCategory.query(on: req.db).all()
        let codes = Dictionary(uniqueKeysWithValues: located.map { ($0.id.uuidString, $0.code) })
        // Each hotspot's grid: one index snapshot and one query for all of them.
        let shown = Array(spots.prefix(100))
        let index = try await req.state.gridLocator.snapshot(on: req.db).index
        let gridOf = shown.map { index.locate($0.center) }
        let grids = Dictionary(uniqueKeysWithValues: try await Area.query(on: req.db).filter(\.$id ~~ gridOf.compactMap { $0 }).all().map { ($0.id!, $0) })
        let days = weeks * 7 > 90 ? 365 : 90
        let rows = zip(shown, gridOf).map { spot, gridID in
            let grid = gridID.flatMap { grids[$0] }
            return HotspotRow(
                category: categories.first { $0.id?.uuidString == spot.category }?.name ?? "—", count: spot.count,
                first: Formatting.dateTime(spot.first), last: Formatting.dateTime(spot.last),
                place: (grid?.name ?? "") + String(format: "（%.5f, %.5f）", spot.center.lat, spot.center.lon),
                mapHref: grid.map { SiteURL.map.path(["area": "\($0.id!)", "layers": "set", "layer": "cases", "layer": "buildings", "days": "\(days)"]) },
                cases: spot.caseIDs.map { CaseLink(code: codes[$0] ?? $0, href: UUID(uuidString: $0).map { SiteURL.caseDetail($0).path } ?? "") })
        }
        func options(_ values: [Int], _ chosen: Int, _ label: (Int) -> String) -> [Option] {
            values.map { Option(value: String($0), label: label($0), selected: $0 == chosen) }
        }
        return try await req.view.render("map/hotspots", HotspotPage(
            layout: PageLayout(req, title: "热点问题 · \(area.name)", section: "map"), areaID: area.id!, areaName: area.name, rows: rows,
            weeks: options(weekChoices, weeks) { "近 \($0) 周" }, minimum: options(minChoices, minimum) { "≥ \($0) 件" },
            radius: options(radiusChoices, radius) { "\($0) 米内" },
            rule: "近 \(weeks) 周内，同一类别的事件在 \(radius) 米范围内重复出现 \(minimum) 次以上（已合并的重复上报不计）", scanned: located.count))
    }
}

// MARK: GeoJSON API

extension MapController {
    /// `GET /api/v1/map/layers/{areas|cases|buildings|components}?area=&days=`: one layer of the
    /// map as a GeoJSON FeatureCollection, scoped like the page.
    @Sendable static func apiLayer(req: Request) async throws -> Response {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "地图按管辖区域提供，您的岗位没有管辖区域") }
        let layer = try req.parameters.require("layer")
        let areas = req.areas
        let area = try await areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let days = min(max(req.query[Int.self, at: "days"] ?? 30, 1), 3_660)
        let since = req.now.addingTimeInterval(-Double(days) * 86_400)
        let service = req.mapService
        var features: [String] = []
        func feature(_ geometry: String, _ props: [String: Any]) -> String {
            let p = (try? JSONSerialization.data(withJSONObject: props, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return #"{"type":"Feature","geometry":"# + geometry + #","properties":"# + p + "}"
        }
        func point(_ lon: Double, _ lat: Double, _ props: [String: Any]) -> String {
            feature(#"{"type":"Point","coordinates":["# + String(format: "%.6f,%.6f", lon, lat) + "]}", props)
        }
        switch layer {
        case "areas":
            let children = try await areas.children(of: area.id!, in: user.scope)
            let drawn = children.isEmpty ? [area] : children
            let shapeID = try await service.shapeOfGrid(under: area, childrenDrawn: !children.isEmpty)
            var per: [Int: MapService.CaseCounts] = [:]
            for (grid, c) in try await service.caseCountsByGrid(under: area, since: since) {
                if let id = shapeID(grid) { per[id, default: .init()].add(c) }
            }
            features = drawn.compactMap { a in
                guard let shape = a.boundary else { return nil }
                let c = per[a.id!] ?? .init()
                return feature(shape.geoJSON, ["id": a.id!, "code": a.code, "name": a.name, "level": a.level.rawValue,
                                               "cases": c.total, "open": c.open, "overdue": c.overdue, "closed": c.closed])
            }
        case "cases":
            features = try await service.casePins(under: area, since: since, limit: pinLimit).map { p in
                point(p.longitude, p.latitude, ["id": p.id.uuidString, "code": p.code, "title": p.title, "status": p.status,
                                                "mapState": p.mapState, "overdue": p.overdue])
            }
        case "buildings", "components":
            try RegistryService.requireReader(user)
            if layer == "buildings" {
                features = try await service.buildings(under: area, limit: markLimit).map { b in
                    point(b.longitude, b.latitude, ["id": b.id.uuidString, "name": b.name, "address": b.address, "gridID": b.grid_id])
                }
            } else {
                features = try await service.components(under: area, limit: markLimit).map { c in
                    point(c.longitude, c.latitude, ["id": c.id.uuidString, "kind": c.kind, "code": c.code, "state": c.state])
                }
            }
        default:
            throw Abort(.notFound, reason: "没有图层 \(layer)：可用 areas、cases、buildings、components")
        }
        return geoJSONResponse(#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}")
    }

    static func geoJSONResponse(_ body: String, download: String? = nil) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "geo+json", parameters: ["charset": "utf-8"])
        if let download { headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(download)\"") }
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }

    struct Located: Content { let gridID: Int; let code: String; let name: String; let latitude: Double; let longitude: Double }

    /// `GET /api/v1/map/locate?lat=&lon=&datum=wgs84|gcj02`: the grid holding a point (自动落格).
    @Sendable static func apiLocate(req: Request) async throws -> Located {
        let user = try req.currentUser
        guard let lat = req.query[Double.self, at: "lat"], let lon = req.query[Double.self, at: "lon"],
              (-90...90).contains(lat), (-180...180).contains(lon) else { throw Abort(.badRequest, reason: "需要 lat 与 lon（WGS-84 经纬度）") }
        let datum = try req.query[String.self, at: "datum"].map { raw in
            guard let d = Datum(rawValue: raw) else { throw Abort(.badRequest, reason: "datum 应为 wgs84 或 gcj02") }
            return d
        } ?? .wgs84
        let p = ChinaDatum.toWGS84(GeoPoint(lon: lon, lat: lat), from: datum)
        guard let id = try await req.state.gridLocator.locate(p, on: req.db), let grid = try await Area.find(id, on: req.db),
              user.kind == .resident || user.scope.covers(grid.areaPath) else {
            throw Abort(.notFound, reason: "该位置不在您管辖的任何网格内")
        }
        return Located(gridID: id, code: grid.code, name: grid.name, latitude: p.lat, longitude: p.lon)
    }
}
