import Fluent
import GridCore
import Vapor

/// The area tree: browse (everyone, within scope), create, edit, move and delete (administrators).
enum AreaController {
    // MARK: Web

    struct AreaPage: Encodable {
        let layout: PageLayout
        let area: AreaRow
        let crumbs: [Crumb]
        let children: [AreaRow]
        let childLevelName: String?
        let staff: [StaffRow]
        let map: MapView?
        let canAdminister: Bool
        let canAddChild: Bool
        let moveTargets: [AreaRow]
        let error: String?
        var sanctions: [StaffController.SanctionLine] = []
    }

    struct AreaRow: Encodable {
        let id: Int
        let code: String
        let name: String
        let levelName: String
        let responsible: String?
        let childCount: Int
        let href: String
        let hasBoundary: Bool
    }

    struct Crumb: Encodable { let name: String; let href: String? }
    struct StaffRow: Encodable { let name: String; let role: String; let href: String? }

    @Sendable static func index(req: Request) async throws -> Response {
        let user = try req.currentUser
        let roots = try await req.areas.scopeRoots(user.scope)
        guard let first = roots.first else { throw Abort(.notFound, reason: "您还没有被分配到任何区域") }
        return req.redirect(to: SiteURL.area(try first.requireID()).path)
    }

    @Sendable static func show(req: Request) async throws -> Response {
        try await renderShow(req, id: try req.parameters.require("id", as: Int.self), error: nil)
    }

    static func renderShow(_ req: Request, id: Int, error: String?) async throws -> Response {
        let user = try req.currentUser
        let levels = req.state.levels
        let service = AreaService(db: req.db, levels: levels)
        let area = try await service.require(id, in: user.scope)
        let children = try await service.children(of: id, in: user.scope)
        let counts = try await service.childCounts(of: children.compactMap(\.id) + [id])
        let responsibleIDs = (children + [area]).compactMap { $0.$responsible.id }
        let people = try await User.query(on: req.db).filter(\.$id ~~ responsibleIDs).all()
        func row(_ a: Area) -> AreaRow {
            AreaRow(id: a.id!, code: a.code, name: a.name, levelName: levels.name(of: a.level),
                    responsible: people.first { $0.id == a.$responsible.id }?.displayName,
                    childCount: counts[a.id!] ?? 0, href: SiteURL.area(a.id!).path, hasBoundary: a.boundaryGeoJSON != nil)
        }
        let crumbs = try await service.ancestors(of: area).map { ancestor in
            Crumb(name: ancestor.name, href: user.scope.covers(ancestor.areaPath) ? SiteURL.area(ancestor.id!).path : nil)
        }
        let staffRows = try await RoleAssignment.query(on: req.db).filter(\.$area.$id == id).with(\.$user).all()
        let canAdminister = user.scope.canAdminister(area.areaPath)
        let staff = staffRows.map { r in
            StaffRow(name: r.user.displayName, role: r.role.displayName + (r.employment.map { "（\($0.displayName)）" } ?? ""),
                     href: canAdminister ? SiteURL.staffMember(r.$user.id).path : nil)
        }
        var moveTargets: [AreaRow] = []
        if canAdminister, area.areaPath.depth > 1, let parentLevel = levels.parentLevel(of: area.level) {
            moveTargets = try await service.areas(at: parentLevel, in: user.scope)
                .filter { $0.id != area.$parent.id && user.scope.canAdminister($0.areaPath) }.map(row)
        }
        let map = MapView(areas: children.isEmpty ? [(area, nil)] : children.map { ($0, SiteURL.area($0.id!).path) })
        var page = AreaPage(
            layout: PageLayout(req, title: area.name, section: "areas"), area: row(area), crumbs: crumbs,
            children: children.map(row), childLevelName: levels.childLevel(of: area.level).map(levels.name(of:)),
            staff: staff, map: map, canAdminister: canAdminister,
            canAddChild: canAdminister && levels.childLevel(of: area.level) != nil, moveTargets: moveTargets, error: error)
        page.sanctions = try await StaffController.sanctionLines(.area, String(id), on: req.db)
        let response = try await req.view.render("areas/show", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    struct FormPage: Encodable {
        let layout: PageLayout
        let heading: String
        let action: String
        let parentName: String?
        let levelName: String
        let name: String
        let code: String
        let codeHint: String
        let responsible: String
        let boundary: String
        let error: String?
        let cancel: String
    }

    struct AreaForm: Content {
        var name: String
        var code: String?
        var responsible: String?
        var boundary: String?

        var draft: AreaService.Draft { .init(name: name, code: code, boundaryGeoJSON: boundary, responsibleUsername: responsible) }
    }

    @Sendable static func newForm(req: Request) async throws -> View {
        let (parent, level) = try await parentForNew(req)
        return try await req.view.render("areas/form", FormPage(
            layout: PageLayout(req, title: "新建\(req.state.levels.name(of: level))", section: "areas"),
            heading: "在“\(parent.name)”下新建\(req.state.levels.name(of: level))", action: SiteURL.areaNew(parent: parent.id!).path,
            parentName: parent.name, levelName: req.state.levels.name(of: level), name: "", code: "",
            codeHint: "留空将自动编为 \(parent.code) 后加 \(level.codeWidth) 位序号", responsible: "", boundary: "", error: nil,
            cancel: SiteURL.area(parent.id!).path))
    }

    @Sendable static func create(req: Request) async throws -> Response {
        let (parent, level) = try await parentForNew(req)
        let form = try req.content.decode(AreaForm.self)
        do {
            let area = try await req.areas.create(form.draft, parent: parent)
            return req.redirect(to: SiteURL.area(try area.requireID()).path(["notice": "created"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            let response = try await req.view.render("areas/form", FormPage(
                layout: PageLayout(req, title: "新建\(req.state.levels.name(of: level))", section: "areas"),
                heading: "在“\(parent.name)”下新建\(req.state.levels.name(of: level))", action: SiteURL.areaNew(parent: parent.id!).path,
                parentName: parent.name, levelName: req.state.levels.name(of: level), name: form.name, code: form.code ?? "",
                codeHint: "留空将自动编号", responsible: form.responsible ?? "", boundary: form.boundary ?? "", error: reason,
                cancel: SiteURL.area(parent.id!).path)).encodeResponse(for: req)
            response.status = status
            return response
        }
    }

    private static func parentForNew(_ req: Request) async throws -> (Area, AreaLevel) {
        let user = try req.currentUser
        let parent = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        guard user.scope.canAdminister(parent.areaPath) else { throw Abort(.forbidden, reason: "只有管理员可以调整网格层级") }
        guard let level = req.state.levels.childLevel(of: parent.level) else {
            throw Abort(.unprocessableEntity, reason: "“\(parent.name)”已是最末一级，不能再建下级区域")
        }
        return (parent, level)
    }

    private static func editable(_ req: Request) async throws -> Area {
        let user = try req.currentUser
        let area = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        guard user.scope.canAdminister(area.areaPath) else { throw Abort(.forbidden, reason: "只有管理员可以调整网格层级") }
        return area
    }

    @Sendable static func editForm(req: Request) async throws -> View {
        let area = try await editable(req)
        let responsible = try await area.$responsible.get(on: req.db)?.username ?? ""
        return try await req.view.render("areas/form", editPage(req, area: area, name: area.name, code: area.code,
                                                               responsible: responsible, boundary: area.boundaryGeoJSON ?? "", error: nil))
    }

    static func editPage(_ req: Request, area: Area, name: String, code: String, responsible: String, boundary: String, error: String?) -> FormPage {
        FormPage(layout: PageLayout(req, title: "编辑 \(area.name)", section: "areas"), heading: "编辑 \(area.name)",
                 action: SiteURL.areaEdit(area.id!).path, parentName: nil, levelName: req.state.levels.name(of: area.level),
                 name: name, code: code, codeHint: "修改编码时，所有下级区域的编码前缀同步更新", responsible: responsible,
                 boundary: boundary, error: error, cancel: SiteURL.area(area.id!).path)
    }

    @Sendable static func update(req: Request) async throws -> Response {
        let area = try await editable(req)
        let form = try req.content.decode(AreaForm.self)
        do {
            try await req.areas.update(area, with: form.draft)
            return req.redirect(to: SiteURL.area(area.id!).path(["notice": "saved"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            let page = editPage(req, area: area, name: form.name, code: form.code ?? "", responsible: form.responsible ?? "",
                                boundary: form.boundary ?? "", error: reason)
            let response = try await req.view.render("areas/form", page).encodeResponse(for: req)
            response.status = status
            return response
        }
    }

    struct MoveForm: Content { var parent: Int }

    @Sendable static func move(req: Request) async throws -> Response {
        let area = try await editable(req)
        let form = try req.content.decode(MoveForm.self)
        let user = try req.currentUser
        let service = req.areas
        do {
            let target = try await service.require(form.parent, in: user.scope)
            guard user.scope.canAdminister(target.areaPath) else { throw Abort(.forbidden, reason: "您无权调整目标区域") }
            try await service.move(area, to: target)
            return req.redirect(to: SiteURL.area(area.id!).path(["notice": "moved"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500, status != .notFound else { throw error }
            return try await renderShow(req, id: area.id!, error: reason)
        }
    }

    @Sendable static func delete(req: Request) async throws -> Response {
        let area = try await editable(req)
        let parentID = area.$parent.id
        do {
            try await req.areas.delete(area)
        } catch let violation as AreaRuleViolation {
            return try await renderShow(req, id: area.id!, error: violation.description)
        }
        return req.redirect(to: (parentID.map { SiteURL.area($0).path } ?? SiteURL.areas.path) + "?notice=deleted")
    }

    // MARK: API

    struct AreaDTO: Content {
        let id: Int
        let code: String
        let name: String
        let level: AreaLevel
        let levelName: String
        let parentID: Int?
        let path: String
        let responsibleID: UUID?
        let boundary: PolygonDTO?
    }

    /// A GeoJSON Polygon or MultiPolygon, as the API reads and writes boundaries.
    struct PolygonDTO: Codable, Sendable {
        var type: String
        var polygon: [[[Double]]]?
        var multi: [[[[Double]]]]?

        init(_ shape: GeoMultiPolygon) {
            let parts = shape.polygons.map { $0.rings.map { $0.map { [$0.lon, $0.lat] } } }
            if parts.count == 1 { type = "Polygon"; polygon = parts[0] } else { type = "MultiPolygon"; multi = parts }
        }

        enum CodingKeys: String, CodingKey { case type, coordinates }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            switch type {
            case "Polygon": polygon = try c.decode([[[Double]]].self, forKey: .coordinates)
            case "MultiPolygon": multi = try c.decode([[[[Double]]]].self, forKey: .coordinates)
            default: throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "boundary.type 必须是 Polygon 或 MultiPolygon")
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            if let multi { try c.encode(multi, forKey: .coordinates) } else { try c.encode(polygon ?? [], forKey: .coordinates) }
        }

        var geoJSON: String? { (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } }
    }

    static func dto(_ a: Area, levels: LevelScheme) -> AreaDTO {
        AreaDTO(id: a.id!, code: a.code, name: a.name, level: a.level, levelName: levels.name(of: a.level), parentID: a.$parent.id,
                path: a.path, responsibleID: a.$responsible.id, boundary: a.boundary.map(PolygonDTO.init))
    }

    /// `GET /api/v1/areas` lists the user's scope roots, or the children of `?parent=`.
    @Sendable static func apiList(req: Request) async throws -> [AreaDTO] {
        let user = try req.currentUser
        let service = req.areas
        if let parent = req.query[Int.self, at: "parent"] {
            _ = try await service.require(parent, in: user.scope)
            return try await service.children(of: parent, in: user.scope).map { dto($0, levels: req.state.levels) }
        }
        return try await service.scopeRoots(user.scope).map { dto($0, levels: req.state.levels) }
    }

    @Sendable static func apiShow(req: Request) async throws -> AreaDTO {
        let user = try req.currentUser
        let area = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        return dto(area, levels: req.state.levels)
    }

    struct AreaInput: Content {
        var parentID: Int?
        var name: String?
        var code: String?
        var responsibleUsername: String?
        var boundary: PolygonDTO?
    }

    @Sendable static func apiCreate(req: Request) async throws -> Response {
        let user = try req.currentUser
        let input = try req.content.decode(AreaInput.self)
        let service = req.areas
        let parent: Area?
        if let parentID = input.parentID {
            let found = try await service.require(parentID, in: user.scope)
            guard user.scope.canAdminister(found.areaPath) else { throw Abort(.forbidden, reason: "只有管理员可以调整网格层级") }
            parent = found
        } else {
            guard user.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以新建顶级区域") }
            parent = nil
        }
        let area = try await service.create(.init(name: input.name ?? "", code: input.code, boundaryGeoJSON: input.boundary?.geoJSON,
                                                  responsibleUsername: input.responsibleUsername), parent: parent)
        return try await dto(area, levels: req.state.levels).encodeResponse(status: .created, for: req)
    }

    @Sendable static func apiUpdate(req: Request) async throws -> AreaDTO {
        let area = try await editable(req)
        let input = try req.content.decode(AreaInput.self)
        let responsible = try await area.$responsible.get(on: req.db)?.username
        try await req.areas.update(area, with: .init(
            name: input.name ?? area.name, code: input.code ?? area.code,
            boundaryGeoJSON: input.boundary?.geoJSON ?? area.boundaryGeoJSON, responsibleUsername: input.responsibleUsername ?? responsible))
        return dto(area, levels: req.state.levels)
    }

    @Sendable static func apiMove(req: Request) async throws -> AreaDTO {
        let area = try await editable(req)
        let form = try req.content.decode(MoveForm.self)
        let user = try req.currentUser
        let service = req.areas
        let target = try await service.require(form.parent, in: user.scope)
        guard user.scope.canAdminister(target.areaPath) else { throw Abort(.forbidden, reason: "您无权调整目标区域") }
        try await service.move(area, to: target)
        return dto(try await service.require(area.id!, in: user.scope), levels: req.state.levels)
    }

    @Sendable static func apiDelete(req: Request) async throws -> HTTPStatus {
        try await req.areas.delete(try await editable(req))
        return .noContent
    }

    /// The children of an area as a GeoJSON FeatureCollection, for maps and GIS tools.
    @Sendable static func apiGeoJSON(req: Request) async throws -> Response {
        let user = try req.currentUser
        let service = req.areas
        let area = try await service.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        let children = try await service.children(of: area.id!, in: user.scope)
        let features = (children.isEmpty ? [area] : children).compactMap { a -> String? in
            guard let boundary = a.boundaryGeoJSON else { return nil }
            let props = try? JSONSerialization.data(withJSONObject: ["id": a.id!, "code": a.code, "name": a.name, "level": a.level.rawValue], options: [.sortedKeys])
            return #"{"type":"Feature","geometry":"# + boundary + #","properties":"# + String(decoding: props ?? Data("{}".utf8), as: UTF8.self) + "}"
        }
        let body = #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}"
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "geo+json", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }
}
