import Fluent
import GridCore
import Vapor

/// 上报: a problem reported in 30 seconds (also from a patrol finding), kept once however often the phone resends it.
extension FieldController {
    // MARK: 上报

    struct ReportPage: Encodable {
        let layout: Layout
        let recent: [CategoryService.Option]
        let categories: [CategoryService.Group]
        let grids: [CaseController.Option]
        let form: ReportForm
        let clientKey: String
    }

    struct ReportForm: Content {
        var category: String = ""
        var description: String = ""
        var title: String? = nil
        var grid: String? = nil
        var address: String? = nil
        var latitude: String? = nil
        var longitude: String? = nil
        var mode: String? = nil
        var onSiteNote: String? = nil
        var building: String? = nil
        var finding: String? = nil
        var clientKey: String? = nil
        var recordedAt: String? = nil
        var photos: [File]? = nil
        var afterPhotos: [File]? = nil

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(category, forKey: .category)
            try c.encode(description, forKey: .description)
            for (key, value) in [(CodingKeys.title, title), (.grid, grid), (.address, address), (.latitude, latitude), (.longitude, longitude),
                                 (.mode, mode), (.onSiteNote, onSiteNote), (.building, building), (.finding, finding)] {
                try c.encode(value ?? "", forKey: key)
            }
        }
    }

    static func renderReport(_ req: Request, form: ReportForm, error: String?) async throws -> Response {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        // The worker's most used categories of the last 90 days first (recent first).
        let since = req.now.addingTimeInterval(-90 * 86_400)
        let used = try await Case.query(on: req.db).filter(\.$reporter.$id == user.id).filter(\.$reportedAt >= since)
            .sort(\.$reportedAt, .descending).limit(200).all().map(\.$category.id)
        var counts: [UUID: Int] = [:]
        for id in used { counts[id, default: 0] += 1 }
        let recentIDs = used.reduce(into: [UUID]()) { if !$0.contains($1) { $0.append($1) } }.prefix(6)
        let recentRows = try await CaseCategory.query(on: req.db).filter(\.$id ~~ Array(recentIDs)).filter(\.$active == true).all()
        let recent = recentIDs.compactMap { id in recentRows.first { $0.id == id } }
            .map { CategoryService.Option(id: $0.id!.uuidString, name: $0.name, selected: $0.id!.uuidString == form.category) }
        let page = ReportPage(
            layout: layout(req, user, title: "上报事件", tab: "report", error: error),
            recent: recent,
            categories: try await CategoryService.groups(on: req.db, selected: UUID(uuidString: form.category)),
            grids: grids.map { CaseController.Option(value: String($0.id!), label: $0.name, selected: String($0.id!) == form.grid || grids.count == 1) },
            form: form, clientKey: UUID().uuidString)
        let response = try await req.view.render("field/report", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func reportForm(req: Request) async throws -> Response {
        var form = ReportForm()
        if let id = req.query[String.self, at: "finding"].flatMap(UUID.init(uuidString:)) {
            let user = try worker(req)
            let (finding, item) = try await patrolFinding(id, user: user, req: req)
            form.finding = try finding.requireID().uuidString
            form.category = item.categoryID?.uuidString ?? ""
            form.grid = String(finding.gridID)
            form.description = PatrolChecklist.caseDescription(item: item.title, place: item.place, note: finding.note)
            form.address = item.place
            if let lat = item.latitude, let lon = item.longitude { form.latitude = String(lat); form.longitude = String(lon) }
        }
        return try await renderReport(req, form: form, error: nil)
    }

    /// A problem found on one of the worker's patrols that has not become a case yet.
    static func patrolFinding(_ id: UUID, user: CurrentUser, req: Request) async throws -> (PatrolItemResult, PatrolChecklistItem) {
        let grids = try await myGrids(user, req: req).compactMap(\.id)
        guard let finding = try await PatrolItemResult.find(id, on: req.db), grids.contains(finding.gridID), !finding.ok,
              let item = try await PatrolChecklistItem.find(finding.itemID, on: req.db) else {
            throw Abort(.notFound, reason: "巡查记录不存在")
        }
        guard finding.caseID == nil else { throw Abort(.conflict, reason: "该问题已上报为事件") }
        return (finding, item)
    }

    /// A report from the phone (online, or replayed from the offline queue with its client key).
    @Sendable static func report(req: Request) async throws -> Response {
        let user = try worker(req)
        var form = try req.content.decode(ReportForm.self)
        do {
            let key = try FieldService.validKey(form.clientKey ?? req.headers.first(name: "X-Client-Key"))
            guard let category = UUID(uuidString: form.category) else { throw Abort(.unprocessableEntity, reason: "请选择事件类别") }
            let categoryName = try await CaseCategory.find(category, on: req.db)?.name ?? "事件"
            var input = try CaseService.ReportInput.phone(form, categoryID: category, categoryName: categoryName, clientKey: key)
            let onSite = input.onSiteNote != nil
            if let raw = form.finding.flatMap(nonEmpty) {
                guard let fid = UUID(uuidString: raw) else { throw Abort(.badRequest, reason: "巡查记录标识不正确") }
                input.patrolFindingID = try await patrolFinding(fid, user: user, req: req).0.id
            }
            let (id, duplicate) = try await FieldService.once(key, user: user, on: req.db) {
                let photos = try await CaseController.storePhotos(form.photos ?? [], req: req)
                let after = onSite ? try await CaseController.storePhotos(form.afterPhotos ?? [], req: req) : []
                return try await req.cases
                    .report(input, by: user, photos: photos, onSitePhotos: after, now: req.now).id!.uuidString
            }
            return try await answer(req, id: id, duplicate: duplicate, kind: "report", href: UUID(uuidString: id).map { SiteURL.caseDetail($0).path } ?? SiteURL.cases.path, then: SiteURL.field.path(["notice": "reported"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            if req.wantsJSON { throw error }
            form.photos = nil; form.afterPhotos = nil
            return try await renderReport(req, form: form, error: reason)
        }
    }

    /// A title from the category and the first words of the description: the phone form has no title box.
    static func title(category: String, description: String) -> String {
        let firstLine = description.split(whereSeparator: \.isNewline).first.map(String.init) ?? description
        let head = firstLine.count > 24 ? String(firstLine.prefix(24)) + "…" : firstLine
        return String("\(category)：\(head)".prefix(100))
    }

    struct SyncAnswer: Content { let id: String; let kind: String; let duplicate: Bool; let href: String }

    /// The offline queue gets JSON (200 the first time and again for a repeat); a plain form a redirect.
    static func answer(_ req: Request, id: String, duplicate: Bool, kind: String, href: String, then: String) async throws -> Response {
        if req.wantsJSON {
            return try await SyncAnswer(id: id, kind: kind, duplicate: duplicate, href: href).encodeResponse(status: duplicate ? .ok : .created, for: req)
        }
        return req.redirect(to: then)
    }
}
