import Fluent
import GridCore
import Vapor

/// 任务派发: the issuer's pages (new task, list, per-grid progress that refreshes itself) and the
/// grid worker's phone page to tick items off.
enum TaskController {
    struct IndexPage: Encodable {
        let layout: PageLayout
        let canIssue: Bool
        let issuer: String
        let communities: [CaseController.GridGroup]
        let tasks: [TaskRow]
        let today: String
        let error: String?
        let form: [String: String]
    }

    struct TaskRow: Encodable { let href: String; let title: String; let issuer: String; let due: String; let grids: Int; let complete: Int; let overdue: Int; let percent: Int }

    static func staff(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "任务派发供各级指挥中心和网格工作人员使用") }
        return user
    }

    static func renderIndex(_ req: Request, error: String? = nil, form: [String: String] = [:]) async throws -> View {
        let user = try staff(req)
        let service = req.tasks
        let issuer = TaskService.issuerArea(user)
        var communities: [CaseController.GridGroup] = []
        if let path = issuer?.areaPath {
            let grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid])
                .within(AccessScope(areaPaths: [path], departmentIDs: [], roles: [])).with(\.$parent).sort(\.$code).limit(600).all()
            let chosen = Set((form["grids"] ?? "").split(separator: ",").map(String.init))
            communities = CaseController.gridGroups(grids) { chosen.contains(String($0.id!)) }
        }
        var rows: [TaskRow] = []
        for task in try await service.issued(visibleTo: user) {
            let progress = try await service.progress(of: task)
            let summary = TopDownTask.summary(progress.map(\.progress))
            rows.append(TaskRow(href: SiteURL.task(task.id!).path, title: task.title, issuer: task.issuerName, due: task.dueOn, grids: progress.count,
                                complete: summary.complete, overdue: summary.overdue, percent: summary.percent))
        }
        return try await req.view.render("tasks/index", IndexPage(
            layout: PageLayout(req, title: "任务派发", section: "tasks"), canIssue: issuer != nil, issuer: issuer?.areaName ?? "",
            communities: communities, tasks: rows, today: LocalDate(req.now).description, error: error, form: form))
    }

    @Sendable static func index(req: Request) async throws -> View { try await renderIndex(req) }

    struct NewTask: Content { var title: String; var description: String?; var items: String; var dueOn: String; var grids: [String]? }

    @Sendable static func create(req: Request) async throws -> Response {
        let user = try staff(req)
        guard TaskService.issuerArea(user) != nil else { throw Abort(.forbidden, reason: TopDownTask.Problem.notIssuer.description) }
        let form = try req.content.decode(NewTask.self)
        do {
            let task = try await req.tasks.create(
                .init(title: form.title, description: form.description ?? "", items: form.items, dueOn: form.dueOn,
                      gridIDs: (form.grids ?? []).compactMap { Int($0) }), by: user)
            return req.redirect(to: SiteURL.task(task.id!).path(["notice": "created"]))
        } catch let error as AbortError where error.status == .unprocessableEntity {
            return try await renderIndex(req, error: error.reason, form: ["title": form.title, "description": form.description ?? "", "items": form.items,
                                                                          "dueOn": form.dueOn, "grids": (form.grids ?? []).joined(separator: ",")])
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    struct ShowPage: Encodable {
        let layout: PageLayout
        let id: String
        let title: String
        let description: String
        let items: [String]
        let issuer: String
        let due: String
        let summary: Summary
        let grids: [GridRow]
    }

    struct Summary: Content { let complete: Int; let overdue: Int; let percent: Int; let grids: Int }
    struct GridRow: Content { let id: Int; let name: String; let done: Int; let total: Int; let percent: Int; let label: String; let overdue: Bool; let last: String }

    static func rows(_ progress: [TaskService.GridProgress]) -> [GridRow] {
        progress.map { p in
            GridRow(id: p.grid.id!, name: p.grid.name, done: p.progress.done, total: p.progress.total, percent: p.progress.percent,
                    label: p.progress.label, overdue: p.progress.overdue,
                    last: p.marks.max(by: { $0.doneAt < $1.doneAt }).map { "\($0.doneByName) \(Formatting.dateTime($0.doneAt))" } ?? "—")
        }
    }

    /// The task in the URL, if the user's scope holds its issuer, with every grid's progress.
    static func loaded(_ req: Request) async throws -> (FieldTask, ProgressJSON) {
        let user = try staff(req)
        let service = req.tasks
        let task = try await service.task(try req.parameters.require("id", as: UUID.self), visibleTo: user)
        let progress = try await service.progress(of: task)
        let s = TopDownTask.summary(progress.map(\.progress))
        return (task, ProgressJSON(summary: Summary(complete: s.complete, overdue: s.overdue, percent: s.percent, grids: progress.count), grids: rows(progress)))
    }

    @Sendable static func show(req: Request) async throws -> View {
        let (task, progress) = try await loaded(req)
        return try await req.view.render("tasks/show", ShowPage(
            layout: PageLayout(req, title: task.title, section: "tasks"), id: task.id!.uuidString, title: task.title, description: task.description,
            items: task.itemList, issuer: task.issuerName, due: task.dueOn, summary: progress.summary, grids: progress.grids))
    }

    struct ProgressJSON: Content { let summary: Summary; let grids: [GridRow] }

    /// What the task page polls to stay current.
    @Sendable static func progress(req: Request) async throws -> ProgressJSON { try await loaded(req).1 }

    // MARK: Phone

    struct PhonePage: Encodable {
        let layout: FieldController.Layout
        let tasks: [PhoneTask]
    }

    struct PhoneTask: Encodable {
        let id: String; let title: String; let description: String; let due: String; let label: String; let overdue: Bool
        let gridID: Int; let grid: String; let items: [PhoneItem]; let percent: Int
    }

    struct PhoneItem: Encodable { let index: Int; let text: String; let done: Bool; let by: String }

    @Sendable static func phone(req: Request) async throws -> View {
        let user = try FieldController.worker(req)
        let grids = try await FieldController.myGrids(user, req: req)
        let service = req.tasks
        var result: [PhoneTask] = []
        for task in try await service.tasks(forGrids: grids.compactMap(\.id)) {
            for p in try await service.progress(of: task, grids: grids.compactMap(\.id)) {
                result.append(PhoneTask(
                    id: task.id!.uuidString, title: task.title, description: task.description, due: task.dueOn, label: p.progress.label,
                    overdue: p.progress.overdue, gridID: p.grid.id!, grid: p.grid.name,
                    items: task.itemList.enumerated().map { i, text in
                        let mark = p.marks.first { $0.itemIndex == i }
                        return PhoneItem(index: i, text: text, done: mark != nil,
                                         by: mark.map { "\($0.doneByName) \(Formatting.dateTime($0.doneAt))" + ($0.note.isEmpty ? "" : " · \($0.note)") } ?? "")
                    }, percent: p.progress.percent))
            }
        }
        // Unfinished first, nearest deadline first.
        result.sort { ($0.percent == 100 ? 1 : 0, $0.due) < ($1.percent == 100 ? 1 : 0, $1.due) }
        return try await req.view.render("field/tasks", PhonePage(layout: FieldController.layout(req, user, title: "我的任务", tab: "home", back: SiteURL.field.path), tasks: result))
    }

    struct MarkForm: Content { var grid: Int; var item: Int; var note: String? }

    @Sendable static func mark(req: Request) async throws -> Response {
        let user = try FieldController.worker(req)
        let form = try req.content.decode(MarkForm.self)
        let id = try req.parameters.require("id", as: UUID.self)
        guard let task = try await FieldTask.find(id, on: req.db) else { throw Abort(.notFound, reason: "任务不存在") }
        let grids = try await FieldController.myGrids(user, req: req).compactMap(\.id)
        try await req.tasks.mark(task, grid: form.grid, item: form.item, note: form.note ?? "", by: user, myGrids: grids)
        return req.redirect(to: SiteURL.fieldTasks.path + "?notice=saved#task-\(id)")
    }
}
