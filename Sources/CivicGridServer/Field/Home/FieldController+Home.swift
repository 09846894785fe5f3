import Fluent
import GridCore
import Vapor

/// 我的工作: the worker's home — cases to verify, own reports, visits due, today's patrols, the month so far.
extension FieldController {
    // MARK: 我的工作

    struct HomePage: Encodable {
        let layout: Layout
        let grids: [String]
        let verify: [CaseRow]
        let reported: [CaseRow]
        let visitsDue: [DueRow]
        let patrols: [PatrolRow]
        let month: [Figure]
        let openTasks: Int
        let agentTodo: Int
        let agentOverdue: Int
    }

    @Sendable static func home(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        let gridIDs = grids.compactMap(\.id)
        let today = LocalDate(req.now)
        let verify = try await CaseQueries.query(.verify, filter: .init(), user: user, now: req.now, on: req.db)
            .sort(\.$updatedAt, .descending).limit(10).all()
        let mine = try await CaseQueries.query(.mine, filter: .init(), user: user, now: req.now, on: req.db)
            .sort(\.$reportedAt, .descending).limit(8).all()
        let due = try await SpecialGroupVisibility(user).members(SpecialGroupMember.query(on: req.db)).filter(\.$gridID ~~ gridIDs)
            .filter(\.$active == true).filter(\.$nextVisitDue <= today.adding(days: 7).description)
            .sort(\.$nextVisitDue).limit(20).with(\.$person).all()
        let patrols = try await PatrolCheckIn.query(on: req.db).filter(\.$userID == user.id).filter(\.$day == today.description)
            .sort(\.$at, .descending).all()
        let names = Dictionary(grids.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let agent = gridIDs.isEmpty ? [] : try await AgentServiceRequest.query(on: req.db).filter(\.$gridID ~~ gridIDs)
            .filter(\.$status ~~ AgentServiceStatus.allCases.filter { $0.waitsFor == .gridWorker }).all()
        let lights = try await CaseLights.worst(of: (verify + mine).compactMap(\.id), now: req.now, on: req.db)
        func row(_ c: Case, now: Date) -> CaseRow {
            var r = Self.row(c, now: now)
            (r.light, r.lightLabel) = (lights[c.id!]?.rawValue, lights[c.id!]?.displayName)
            return r
        }
        return try await req.view.render("field/home", HomePage(
            layout: layout(req, user, title: "我的工作", tab: "home"),
            grids: grids.map(\.name),
            verify: verify.map { row($0, now: req.now) },
            reported: mine.map { row($0, now: req.now) },
            visitsDue: due.map { m in
                DueRow(name: m.person.name, kind: m.kind.displayName, due: m.nextVisitDue, overdue: m.nextVisitDue < today.description,
                       href: SiteURL.fieldVisitNew.path(["person": "\(m.$person.id)", "member": "\(m.id!)"]))
            },
            patrols: patrols.map { PatrolRow(time: Formatting.time($0.at), grid: names[$0.gridID] ?? "", note: $0.note, place: place($0)) },
            month: try await monthFigures(user, grids: gridIDs, req: req),
            openTasks: try await openTaskCount(grids: gridIDs, req: req),
            agentTodo: agent.count, agentOverdue: agent.filter { $0.overdue(now: req.now) }.count))
    }

    /// Task-grid pairs of the worker's grids not yet complete (three queries, whatever the number of tasks).
    static func openTaskCount(grids: [Int], req: Request) async throws -> Int {
        guard !grids.isEmpty else { return 0 }
        let targets = try await TaskGrid.query(on: req.db).filter(\.$gridID ~~ grids).all()
        guard !targets.isEmpty else { return 0 }
        let taskIDs = Array(Set(targets.map(\.taskID)))
        let itemCounts = Dictionary(try await FieldTask.query(on: req.db).filter(\.$id ~~ taskIDs).all().map { ($0.id!, $0.itemList.count) },
                                    uniquingKeysWith: { a, _ in a })
        var done: [String: Set<Int>] = [:]
        for m in try await TaskItemMark.query(on: req.db).filter(\.$taskID ~~ taskIDs).filter(\.$gridID ~~ grids).all() {
            done["\(m.taskID)|\(m.gridID)", default: []].insert(m.itemIndex)
        }
        return targets.filter { (done["\($0.taskID)|\($0.gridID)"]?.count ?? 0) < (itemCounts[$0.taskID] ?? 0) }.count
    }

    static func row(_ c: Case, now: Date) -> CaseRow {
        CaseRow(code: c.code, title: c.title, status: c.status.displayName, href: SiteURL.caseDetail(c.id!).path, when: Formatting.dateTime(c.reportedAt),
                warn: c.overdue)
    }

    static func place(_ p: PatrolCheckIn) -> String {
        if p.isUnverified { return "离线补报·无定位（不计入考核）" }
        switch p.insideGrid {
        case .some(true): return "定位在网格内"
        case .some(false): return "定位不在本网格"
        case .none: return "未定位"
        }
    }

    /// This month so far, for the worker and their grids (the monthly assessment's raw figures).
    static func monthFigures(_ user: CurrentUser, grids: [Int], req: Request) async throws -> [Figure] {
        let today = LocalDate(req.now)
        let first = LocalDate(year: today.year, month: today.month, day: 1)
        let since = first.startInstant
        let reported = try await Case.query(on: req.db).filter(\.$reporter.$id == user.id).filter(\.$reportedAt >= since).count()
        let onSite = try await TimelineEntry.query(on: req.db).filter(\.$actorID == user.id.uuidString)
            .filter(\.$action == ActionKind.resolveOnSite.rawValue).filter(\.$at >= since).count()
        let visits = try await Visit.query(on: req.db).filter(\.$workerID == user.id).filter(\.$visitedOn >= first.description).count()
        let overdueVisits = try await SpecialGroupMember.query(on: req.db).filter(\.$gridID ~~ grids).filter(\.$active == true)
            .filter(\.$nextVisitDue < today.description).count()
        let patrolDays = Set(try await PatrolCheckIn.query(on: req.db).filter(\.$userID == user.id)
            .filter(\.$day >= first.description).all().map(\.day)).count
        let deductions = try await NegativeListEntry.query(on: req.db).filter(\.$areaID ~~ grids).filter(\.$createdAt >= since).all()
            .reduce(0) { $0 + $1.points }
        return [
            Figure(label: "本月上报", value: "\(reported) 件", warn: false),
            Figure(label: "现场处置", value: "\(onSite) 件", warn: false),
            Figure(label: "走访", value: "\(visits) 次", warn: false),
            Figure(label: "走访逾期", value: "\(overdueVisits) 人", warn: overdueVisits > 0),
            Figure(label: "巡查打卡", value: "\(patrolDays) 天", warn: false),
            Figure(label: "负面清单扣分", value: Formatting.points(deductions), warn: deductions > 0),
        ]
    }
}
