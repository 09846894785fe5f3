import Fluent
import Foundation
import GridCore
import Vapor

/// Grid boundaries in and out as GeoJSON: export the whole tree in scope; import a
/// FeatureCollection matched by area code, validated (closed rings, no self-intersection, inside
/// the parent — the parent's new boundary when it is in the same file), all or nothing.
enum BoundaryController {
    struct ProblemRow: Encodable { let number: Int; let code: String; let name: String; let problem: String }
    struct Page: Encodable {
        let layout: PageLayout
        let areaID: Int
        let areaName: String
        let exportHref: String
        let drawn: Int
        let total: Int
        let datums: [MapController.Option]
        let problems: [ProblemRow]
        let error: String?
        let canImport: Bool
    }

    static func area(_ req: Request, user: CurrentUser) async throws -> Area {
        try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
    }

    @Sendable static func page(req: Request) async throws -> View {
        let user = try req.currentUser
        let area = try await area(req, user: user)
        return try await render(req, area: area, user: user, problems: [], error: nil)
    }

    static func render(_ req: Request, area: Area, user: CurrentUser, problems: [ProblemRow], error: String?) async throws -> View {
        let subtree = try await Area.query(on: req.db).filter(within: area.areaPath).all()
        return try await req.view.render("map/boundaries", Page(
            layout: PageLayout(req, title: "边界导入导出", section: "map"), areaID: area.id!, areaName: area.name,
            exportHref: SiteURL.boundariesGeoJSON.path(["area": "\(area.id!)"]), drawn: subtree.filter { $0.boundaryGeoJSON != nil }.count, total: subtree.count,
            datums: Datum.allCases.map { MapController.Option(value: $0.rawValue, label: $0.displayName, selected: $0 == .wgs84) },
            problems: problems, error: error, canImport: user.scope.canAdminister(area.areaPath)))
    }

    /// The subtree's boundaries as one FeatureCollection (parents first), for GIS tools and backup.
    @Sendable static func export(req: Request) async throws -> Response {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "您没有管辖区域") }
        let area = try await area(req, user: user)
        let subtree = try await Area.query(on: req.db).filter(within: area.areaPath).all()
            .sorted { ($0.areaPath.ids.count, $0.code) < ($1.areaPath.ids.count, $1.code) }
        let codes = Dictionary(uniqueKeysWithValues: subtree.map { ($0.id!, $0.code) })
        let body = BoundaryImport.export(subtree.compactMap { a in
            a.boundary.map { (a.code, a.name, a.level.rawValue, a.$parent.id.flatMap { codes[$0] }, $0) }
        })
        return MapController.geoJSONResponse(body, download: "boundaries-\(area.code).geojson")
    }

    struct Upload: Content {
        var file: File?
        var datum: String?
    }

    @Sendable static func upload(req: Request) async throws -> Response {
        let user = try req.currentUser
        let scopeArea = try await area(req, user: user)
        guard user.scope.canAdminister(scopeArea.areaPath) else { throw Abort(.forbidden, reason: "只有管理员可以导入网格边界") }
        func fail(_ problems: [ProblemRow], _ error: String?) async throws -> Response {
            try await render(req, area: scopeArea, user: user, problems: problems, error: error).encodeResponse(status: .unprocessableEntity, for: req)
        }
        let form = try req.content.decode(Upload.self)
        guard let file = form.file, file.data.readableBytes > 0 else { return try await fail([], "请选择 GeoJSON 文件") }
        guard let datum = Datum(rawValue: form.datum ?? "wgs84") else { return try await fail([], "坐标系应为 WGS-84 或 GCJ-02") }
        let features: [BoundaryImport.Feature]
        do { features = try BoundaryImport.parse(Data(buffer: file.data), datum: datum) } catch { return try await fail([], error.description) }

        // Resolve codes against the subtree the user administers.
        let codes = Array(Set(features.compactMap(\.code)))
        let found = try await Area.query(on: req.db).filter(\.$code ~~ codes).filter(within: scopeArea.areaPath).all()
        let byCode = Dictionary(found.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let newShapes = Dictionary(features.compactMap { f in f.code.flatMap { c in f.shape.map { (c, $0) } } }, uniquingKeysWith: { a, _ in a })
        let parentIDs = Array(Set(found.compactMap { $0.$parent.id }))
        let parents = Dictionary(uniqueKeysWithValues: try await Area.query(on: req.db).filter(\.$id ~~ parentIDs).all().map { ($0.id!, $0) })
        var problems: [ProblemRow] = []
        var seen: Set<String> = []
        for f in features {
            let code = f.code ?? ""
            func problem(_ text: String) { problems.append(ProblemRow(number: f.number, code: code, name: f.name ?? "", problem: text)) }
            if let p = f.problem { problem(p); continue }
            guard seen.insert(code).inserted else { problem("编码 \(code) 在文件中重复出现"); continue }
            guard let area = byCode[code] else { problem("编码 \(code) 不是“\(scopeArea.name)”下的区域"); continue }
            if let parentID = area.$parent.id, let parent = parents[parentID] {
                let parentShape = newShapes[parent.code] ?? parent.boundary
                do { try f.shape!.validate(inside: parentShape) } catch { problem("\(error.description)（上级：\(parent.name)）") }
            }
        }
        guard problems.isEmpty else { return try await fail(problems, "文件中有 \(problems.count) 处问题，未导入任何边界。请修正后重新上传。") }

        try await req.db.transaction { tx in
            for f in features {
                guard let code = f.code, let area = byCode[code], let shape = f.shape else { continue }
                try await Area.query(on: tx).set(\.$boundaryGeoJSON, to: shape.geoJSON).set(\.$updatedAt, to: Date()).filter(\.$id == area.id!).update()
            }
        }
        req.state.gridLocator.invalidate()
        req.logger.info("boundaries imported", metadata: ["count": "\(features.count)", "by": "\(user.username)"])
        return req.redirect(to: SiteURL.map.path(["area": "\(scopeArea.id!)", "notice": "boundaries"]))
    }
}
