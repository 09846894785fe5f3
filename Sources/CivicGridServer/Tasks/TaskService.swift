import Fluent
import Foundation
import GridCore
import Vapor

/// Top-down tasks: who may issue them, to which grids, and each grid's progress.
struct TaskService {
    let db: any Database
    let app: Application
    var now: Date { app.state.clock.now() }

    /// The area a user issues tasks from: where they hold an operator, leader or administrator role
    /// at community level or above (the highest such area).
    static func issuerArea(_ user: CurrentUser) -> CurrentUser.Assignment? {
        user.assignments.filter { [.operator, .leader, .administrator].contains($0.role) && ($0.areaLevel.map { $0 <= .community } ?? false) }
            .min { ($0.areaLevel ?? .grid) < ($1.areaLevel ?? .grid) }
    }

    struct Draft {
        var title: String
        var description: String
        var items: String
        var dueOn: String
        var gridIDs: [Int]
    }

    func create(_ draft: Draft, by user: CurrentUser) async throws -> FieldTask {
        guard let issuer = Self.issuerArea(user), let issuerArea = issuer.areaID else { throw Abort(.forbidden, reason: TopDownTask.Problem.notIssuer.description) }
        guard let due = LocalDate(draft.dueOn.trimmingCharacters(in: .whitespaces)) else { throw Abort(.unprocessableEntity, reason: "请填写完成期限（年-月-日）") }
        let items: [String]
        do {
            items = try TopDownTask.items(from: draft.items)
            try TopDownTask.validate(title: draft.title, items: items, grids: Set(draft.gridIDs).count, due: due, today: LocalDate(now))
        } catch { throw Abort(.unprocessableEntity, reason: error.description) }
        let wanted = Array(Set(draft.gridIDs))
        let grids = try await Area.query(on: db).filter(\.$id ~~ wanted).filter(\.$level ~~ [.grid, .microGrid])
            .within(AccessScope(areaPaths: [issuer.areaPath].compactMap { $0 }, departmentIDs: [], roles: [issuer.role])).all()
        guard grids.count == wanted.count else { throw Abort(.unprocessableEntity, reason: "所选网格不存在或不在本级管辖范围内") }
        let description = draft.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count <= 2000 else { throw Abort(.unprocessableEntity, reason: "任务说明不超过 2000 字") }
        let task = FieldTask()
        task.id = UUID()
        task.title = draft.title.trimmingCharacters(in: .whitespaces); task.description = description
        task.items = items.joined(separator: "\n"); task.issuerAreaID = issuerArea; task.issuerID = user.id; task.issuerName = user.displayName
        task.dueOn = due.description; task.createdAt = now
        try await db.transaction { tx in
            try await task.create(on: tx)
            for grid in grids {
                let target = TaskGrid()
                target.taskID = task.id!; target.gridID = try grid.requireID()
                try await target.create(on: tx)
            }
            for grid in grids {
                try await Notification(caseID: nil, areaID: grid.id, departmentID: nil, text: "新任务：\(task.title)（\(due.description) 前完成）", at: now).create(on: tx)
            }
        }
        return task
    }

    /// Tasks issued from areas in the user's scope, newest first.
    func issued(visibleTo user: CurrentUser) async throws -> [FieldTask] {
        guard !user.scope.areaPaths.isEmpty else { return [] }
        return try await FieldTask.query(on: db).join(Area.self, on: \FieldTask.$issuerAreaID == \Area.$id)
            .filter(areaWithin: user.scope)
            .sort(\.$createdAt, .descending).limit(100).all()
    }

    func task(_ id: UUID, visibleTo user: CurrentUser) async throws -> FieldTask {
        guard let task = try await issued(visibleTo: user).first(where: { $0.id == id }) else { throw Abort(.notFound, reason: "任务不存在或不在您的管辖范围内") }
        return task
    }

    struct GridProgress {
        let grid: Area
        let progress: TopDownTask.Progress
        let marks: [TaskItemMark]
    }

    func progress(of task: FieldTask, grids only: [Int]? = nil) async throws -> [GridProgress] {
        var targetQuery = TaskGrid.query(on: db).filter(\.$taskID == task.id!)
        if let only { targetQuery = targetQuery.filter(\.$gridID ~~ only) }
        let gridIDs = try await targetQuery.all().map(\.gridID)
        let grids = try await Area.query(on: db).filter(\.$id ~~ gridIDs).sort(\.$code).all()
        let marks = try await TaskItemMark.query(on: db).filter(\.$taskID == task.id!).filter(\.$gridID ~~ gridIDs).all()
        let due = LocalDate(task.dueOn) ?? LocalDate(now), today = LocalDate(now), total = task.itemList.count
        return grids.map { g in
            let mine = marks.filter { $0.gridID == g.id }
            return GridProgress(grid: g, progress: .init(done: Set(mine.map(\.itemIndex)).count, total: total, due: due, today: today), marks: mine)
        }
    }

    /// A worker marks one item done for one of their grids; marking it again changes nothing.
    func mark(_ task: FieldTask, grid gridID: Int, item: Int, note: String, by user: CurrentUser, myGrids: [Int]) async throws {
        guard myGrids.contains(gridID), try await TaskGrid.query(on: db).filter(\.$taskID == task.id!).filter(\.$gridID == gridID).count() == 1 else {
            throw Abort(.notFound, reason: "该任务没有派给您的网格")
        }
        guard task.itemList.indices.contains(item) else { throw Abort(.unprocessableEntity, reason: "没有这一项") }
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 500 else { throw Abort(.unprocessableEntity, reason: "说明不超过 500 字") }
        let existing = try await TaskItemMark.query(on: db).filter(\.$taskID == task.id!).filter(\.$gridID == gridID).filter(\.$itemIndex == item).first()
        guard existing == nil else { return }
        let m = TaskItemMark()
        m.taskID = task.id!; m.gridID = gridID; m.itemIndex = item; m.doneBy = user.id; m.doneByName = user.displayName; m.doneAt = now; m.note = text
        do { try await m.create(on: db) } catch {
            // A double tap raced the first: it is done either way.
            if try await TaskItemMark.query(on: db).filter(\.$taskID == task.id!).filter(\.$gridID == gridID).filter(\.$itemIndex == item).count() == 1 { return }
            throw error
        }
    }

    /// Tasks sent to any of these grids, open ones first.
    func tasks(forGrids grids: [Int]) async throws -> [FieldTask] {
        guard !grids.isEmpty else { return [] }
        let ids = Set(try await TaskGrid.query(on: db).filter(\.$gridID ~~ grids).all().map(\.taskID))
        guard !ids.isEmpty else { return [] }
        return try await FieldTask.query(on: db).filter(\.$id ~~ Array(ids)).sort(\.$dueOn).all()
    }
}
