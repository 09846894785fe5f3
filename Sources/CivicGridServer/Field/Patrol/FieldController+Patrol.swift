import Fluent
import GridCore
import Vapor

/// 巡查打卡 and the grid's patrol checklist (日常巡查清单).
extension FieldController {
    // MARK: 巡查打卡

    struct PatrolPage: Encodable {
        let layout: Layout
        let grids: [CaseController.Option]
        let gridID: String
        let gridName: String
        let items: [ChecklistRow]
        let today: [PatrolRow]
        let findings: [FindingRow]
        let clientKey: String
    }

    struct ChecklistRow: Encodable { let id: String; let title: String; let kind: String; let place: String; let last: String; let lastProblem: Bool }
    struct FindingRow: Encodable { let time: String; let item: String; let note: String; let reportHref: String?; let caseHref: String? }

    /// 巡查打卡 with the grid's checklist: each item fine or a problem; problems become cases in one tap.
    @Sendable static func patrol(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        let chosen = req.query[Int.self, at: "grid"].flatMap { id in grids.first { $0.id == id } } ?? grids.first
        let names = Dictionary(grids.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows = try await PatrolCheckIn.query(on: req.db).filter(\.$userID == user.id).filter(\.$day == LocalDate(req.now).description)
            .sort(\.$at, .descending).all()
        let items = try await FieldService.checklists(grids: chosen.map { [$0.id!] } ?? [], on: req.db)
        // Each item's latest finding, for "上次" (one query for the grid).
        var latest: [UUID: PatrolItemResult] = [:]
        if !items.isEmpty {
            for r in try await PatrolItemResult.query(on: req.db).filter(\.$itemID ~~ items.compactMap(\.id))
                .filter(\.$at >= req.now.addingTimeInterval(-30 * 86_400)).sort(\.$at).all() { latest[r.itemID] = r }
        }
        let todayResults = rows.isEmpty ? [] : try await PatrolItemResult.query(on: req.db).filter(\.$checkInID ~~ rows.compactMap(\.id))
            .filter(\.$ok == false).sort(\.$at, .descending).all()
        let titles = Dictionary(try await PatrolChecklistItem.query(on: req.db).filter(\.$id ~~ todayResults.map(\.itemID)).all().map { ($0.id!, $0.title) },
                                uniquingKeysWith: { a, _ in a })
        return try await req.view.render("field/patrol", PatrolPage(
            layout: layout(req, user, title: "巡查打卡", tab: "patrol"),
            grids: grids.map { CaseController.Option(value: String($0.id!), label: $0.name, selected: $0.id == chosen?.id) },
            gridID: chosen.map { String($0.id!) } ?? "", gridName: chosen?.name ?? "",
            items: items.map { i in
                let last = latest[i.id!]
                return ChecklistRow(id: i.id!.uuidString, title: i.title, kind: i.kind.displayName, place: i.place,
                                    last: last.map { "上次 \(Formatting.dateTime($0.at))：\($0.ok ? "正常" : "有问题")" } ?? "近 30 天未巡查",
                                    lastProblem: last.map { !$0.ok } ?? false)
            },
            today: rows.map { PatrolRow(time: Formatting.time($0.at), grid: names[$0.gridID] ?? "", note: $0.note, place: place($0)) },
            findings: todayResults.map { r in
                FindingRow(time: Formatting.time(r.at), item: titles[r.itemID] ?? "", note: r.note,
                           reportHref: r.caseID == nil ? SiteURL.fieldReport.path(["finding": "\(r.id!)"]) : nil, caseHref: r.caseID.map { SiteURL.caseDetail($0).path })
            },
            clientKey: UUID().uuidString))
    }

    struct PatrolForm: Content {
        var grid: String
        var latitude: String?
        var longitude: String?
        var note: String?
        var clientKey: String?
        var recordedAt: String?
        var items: [String]?
        var results: [String]?
        var notes: [String]?
    }

    @Sendable static func checkIn(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(PatrolForm.self)
        guard let gridID = Int(form.grid) else { throw Abort(.unprocessableEntity, reason: "请选择巡查的网格") }
        let key = try FieldService.validKey(form.clientKey ?? req.headers.first(name: "X-Client-Key"))
        let recorded = try form.recordedAt.flatMap(nonEmpty).map { text -> Date in
            guard let ms = Double(text) else { throw Abort(.unprocessableEntity, reason: "记录时间格式不正确") }
            return Date(timeIntervalSince1970: ms / 1000)
        }
        let ids = form.items ?? [], results = form.results ?? [], notes = form.notes ?? []
        guard results.count == ids.count, notes.isEmpty || notes.count == ids.count, ids.count <= PatrolChecklist.maxItems else {
            throw Abort(.badRequest, reason: "巡查清单的结果与巡查项不对应")
        }
        let findings = try ids.indices.map { i -> FieldService.Finding in
            guard let id = UUID(uuidString: ids[i]), ["ok", "problem"].contains(results[i]) else { throw Abort(.badRequest, reason: "巡查清单的结果格式不正确") }
            return FieldService.Finding(itemID: id, ok: results[i] == "ok", note: notes.isEmpty ? "" : notes[i])
        }
        var input = FieldService.CheckInInput(gridID: gridID, latitude: try CaseController.number(form.latitude, "纬度"),
                                              longitude: try CaseController.number(form.longitude, "经度"), note: form.note ?? "",
                                              clientKey: key, recordedAt: recorded)
        input.findings = findings
        let (id, duplicate) = try await FieldService.once(key, user: user, on: req.db) {
            try await req.fieldWork.checkIn(input, by: user).id!.uuidString
        }
        return try await answer(req, id: id, duplicate: duplicate, kind: "patrol", href: SiteURL.fieldPatrol.path, then: SiteURL.fieldPatrol.path(["grid": "\(gridID)", "notice": "saved"]))
    }
    // MARK: 巡查清单

    struct ChecklistPage: Encodable {
        let layout: Layout
        let grids: [CaseController.Option]
        let gridID: String
        let items: [ChecklistRow]
        let kinds: [CaseController.Option]
        let categories: [CategoryService.Group]
    }

    @Sendable static func checklist(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        let chosen = req.query[Int.self, at: "grid"].flatMap { id in grids.first { $0.id == id } } ?? grids.first
        let items = try await FieldService.checklists(grids: chosen.map { [$0.id!] } ?? [], on: req.db)
        return try await req.view.render("field/checklist", ChecklistPage(
            layout: layout(req, user, title: "巡查清单", tab: "patrol", back: SiteURL.fieldPatrol.path + (chosen.map { "?grid=\($0.id!)" } ?? "")),
            grids: grids.map { CaseController.Option(value: String($0.id!), label: $0.name, selected: $0.id == chosen?.id) },
            gridID: chosen.map { String($0.id!) } ?? "",
            items: items.map { ChecklistRow(id: $0.id!.uuidString, title: $0.title, kind: $0.kind.displayName, place: $0.place, last: "", lastProblem: false) },
            kinds: PatrolChecklist.Kind.allCases.map { CaseController.Option(value: $0.rawValue, label: $0.displayName, selected: false) },
            categories: try await CategoryService.groups(on: req.db, selected: nil)))
    }

    struct ChecklistForm: Content { var grid: String; var title: String; var kind: String; var place: String?; var category: String? }

    @Sendable static func addChecklistItem(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(ChecklistForm.self)
        guard let gridID = Int(form.grid) else { throw Abort(.unprocessableEntity, reason: "请选择网格") }
        _ = try await req.fieldWork.addChecklistItem(
            .init(gridID: gridID, title: form.title, kind: form.kind, place: form.place ?? "", categoryID: form.category), by: user)
        return req.redirect(to: SiteURL.fieldChecklist.path(["grid": "\(gridID)", "notice": "created"]))
    }

    @Sendable static func retireChecklistItem(req: Request) async throws -> Response {
        let user = try worker(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let grid = try await PatrolChecklistItem.find(id, on: req.db)?.gridID
        try await req.fieldWork.retireChecklistItem(id, by: user)
        return req.redirect(to: SiteURL.fieldChecklist.path(["grid": "\(grid ?? 0)", "notice": "deleted"]))
    }
}
