import Fluent
import GridCore
import Vapor

/// 网格员移动端 (`/m`): the grid worker's phone app — my work, report in 30 seconds, visits,
/// patrol check-in, my grid. Forms work without script; with it (field.js) they are queued on
/// the phone when there is no signal and sent once, each with its client key.
enum FieldController {
    struct Layout: Encodable {
        let title: String
        let tab: String
        let csrf: String
        let userName: String
        let notice: String?
        let error: String?
        let back: String?
    }

    static func layout(_ req: Request, _ user: CurrentUser, title: String, tab: String, error: String? = nil, back: String? = nil) -> Layout {
        Layout(title: title, tab: tab, csrf: CSRFMiddleware.token(for: req), userName: user.displayName,
               notice: req.query[String.self, at: "notice"].flatMap(PageLayout.notices), error: error, back: back)
    }

    /// Grid workers and grid leaders (and, for their own grids, the community above them).
    static func worker(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.roles.isDisjoint(with: [.gridWorker, .gridLeader]) else {
            throw Abort(.forbidden, reason: "网格员移动端供网格员、网格长使用")
        }
        return user
    }

    /// The grids the worker walks: where they hold the grid-worker or grid-leader role at grid level,
    /// else every grid under the area they lead.
    static func myGrids(_ user: CurrentUser, req: Request) async throws -> [Area] {
        let held = user.assignments.filter { [.gridWorker, .gridLeader].contains($0.role) }
        let direct = held.filter { [.grid, .microGrid].contains($0.areaLevel ?? .district) }.compactMap(\.areaID)
        var grids = try await Area.query(on: req.db).filter(\.$id ~~ direct).sort(\.$code).all()
        if grids.isEmpty {
            let scope = AccessScope(areaPaths: held.compactMap(\.areaPath), departmentIDs: [], roles: [.gridLeader])
            grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).within(scope).sort(\.$code).limit(50).all()
        }
        return grids
    }

    struct CaseRow: Encodable { let code: String; let title: String; let status: String; let href: String; let when: String; let warn: Bool }
    struct DueRow: Encodable { let name: String; let kind: String; let due: String; let overdue: Bool; let href: String }
    struct PatrolRow: Encodable { let time: String; let grid: String; let note: String; let place: String }
    struct Figure: Encodable { let label: String; let value: String; let warn: Bool }

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
        return try await req.view.render("field/home", HomePage(
            layout: layout(req, user, title: "我的工作", tab: "home"),
            grids: grids.map(\.name),
            verify: verify.map { row($0, now: req.now) },
            reported: mine.map { row($0, now: req.now) },
            visitsDue: due.map { m in
                DueRow(name: m.person.name, kind: m.kind.displayName, due: m.nextVisitDue, overdue: m.nextVisitDue < today.description,
                       href: "/m/visits/new?person=\(m.$person.id)&member=\(m.id!)")
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
        CaseRow(code: c.code, title: c.title, status: c.status.displayName, href: "/cases/\(c.id!)", when: Formatting.dateTime(c.reportedAt),
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
            let description = form.description.trimmingCharacters(in: .whitespacesAndNewlines)
            guard description.count >= 2 else { throw Abort(.unprocessableEntity, reason: "请简要描述问题（至少 2 个字）") }
            let onSite = form.mode == "onsite"
            if onSite, (form.onSiteNote ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw Abort(.unprocessableEntity, reason: "现场处置请填写处置情况")
            }
            let categoryName = try await CaseCategory.find(category, on: req.db)?.name ?? "事件"
            let title = (form.title ?? "").trimmingCharacters(in: .whitespaces).nilIfEmpty ?? Self.title(category: categoryName, description: description)
            var input = CaseService.ReportInput(
                categoryID: category, title: title, description: description, channel: .gridWorker,
                gridID: form.grid.flatMap { Int($0) }, latitude: try CaseController.number(form.latitude, "纬度"),
                longitude: try CaseController.number(form.longitude, "经度"), address: form.address,
                onSiteNote: onSite ? form.onSiteNote : nil, needsApproval: true, buildingID: form.building.flatMap(UUID.init(uuidString:)))
            input.clientKey = key
            if let raw = form.finding.flatMap(nonEmpty) {
                guard let fid = UUID(uuidString: raw) else { throw Abort(.badRequest, reason: "巡查记录标识不正确") }
                input.patrolFindingID = try await patrolFinding(fid, user: user, req: req).0.id
            }
            let (id, duplicate) = try await FieldService.once(key, user: user, on: req.db) {
                let photos = try await CaseController.storePhotos(form.photos ?? [], req: req)
                let after = onSite ? try await CaseController.storePhotos(form.afterPhotos ?? [], req: req) : []
                return try await CaseService(req)
                    .report(input, by: user, photos: photos, onSitePhotos: after, now: req.now).id!.uuidString
            }
            return try await answer(req, id: id, duplicate: duplicate, kind: "report", href: "/cases/\(id)", then: "/m/?notice=reported")
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

    // MARK: 走访

    struct VisitsPage: Encodable {
        let layout: Layout
        let query: String
        let people: [PersonRow]
        let week: String
        let overdue: [DueRow]
        let days: [DayPlan]
        let done: [PersonRow]
        let dueThisWeek: Int
    }

    struct DayPlan: Encodable { let label: String; let date: String; let today: Bool; let due: [DueRow] }

    struct PersonRow: Encodable { let name: String; let detail: String; let href: String }

    /// People to visit: those due, and a search by name in the worker's grids.
    @Sendable static func visits(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req).compactMap(\.id)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        var people: [PersonRow] = []
        if !q.isEmpty {
            let found = try await Person.query(on: req.db).filter(\.$gridID ~~ grids).filter(\.$name, like: .contains(q)).sort(\.$name).limit(30)
                .with(\.$household).all()
            people = found.map { p in
                PersonRow(name: p.name, detail: [p.kind.displayName, p.household.map { "户号 \($0.number)" } ?? ""].filter { !$0.isEmpty }.joined(separator: " · "),
                          href: "/m/visits/new?person=\(p.id!)")
            }
        }
        // 本周走访计划: what is late, what falls due each day of this week, what was done since Monday.
        let week = VisitWeek(containing: LocalDate(req.now))
        let due = try await SpecialGroupVisibility(user).members(SpecialGroupMember.query(on: req.db)).filter(\.$gridID ~~ grids)
            .filter(\.$active == true).filter(\.$nextVisitDue <= week.sunday.description)
            .sort(\.$nextVisitDue).limit(300).with(\.$person).all()
        func row(_ m: SpecialGroupMember) -> DueRow {
            DueRow(name: m.person.name, kind: m.kind.displayName, due: m.nextVisitDue, overdue: m.nextVisitDue < week.today.description,
                   href: "/m/visits/new?person=\(m.$person.id)&member=\(m.id!)")
        }
        var overdue: [DueRow] = [], byDay = Array(repeating: [DueRow](), count: 7)
        for m in due {
            guard let date = LocalDate(m.nextVisitDue) else { continue }
            switch week.slot(of: date) {
            case .overdue: overdue.append(row(m))
            case .day(let i): byDay[i].append(row(m))
            case .later: break
            }
        }
        let done = try await Visit.query(on: req.db).filter(\.$workerID == user.id).filter(\.$visitedOn >= week.monday.description)
            .sort(\.$at, .descending).limit(100).all()
        let doneNames = Dictionary(try await Person.query(on: req.db).filter(\.$id ~~ done.compactMap(\.personID)).all().map { ($0.id!, $0.name) },
                                   uniquingKeysWith: { a, _ in a })
        return try await req.view.render("field/visits", VisitsPage(
            layout: layout(req, user, title: "走访", tab: "visits"), query: q, people: people,
            week: "\(week.monday.description) 至 \(week.sunday.description)", overdue: overdue,
            days: week.days.enumerated().compactMap { i, d in
                d < week.today ? nil : DayPlan(label: VisitWeek.dayNames[i], date: String(d.description.suffix(5)), today: d == week.today, due: byDay[i])
            },
            done: done.map { v in
                PersonRow(name: v.personID.flatMap { doneNames[$0] } ?? "入户走访", detail: "\(v.visitedOn) · \(v.note.prefix(30))",
                          href: v.personID.map { "/m/visits/new?person=\($0)" } ?? "/m/visits")
            },
            dueThisWeek: byDay.reduce(0) { $0 + $1.count }))
    }

    struct VisitPage: Encodable {
        let layout: Layout
        let personID: String
        let name: String
        let facts: [Figure]
        let members: [CaseController.Option]
        let lastVisits: [Figure]
        let today: String
        let clientKey: String
        let note: String
    }

    static func renderVisit(_ req: Request, personID: UUID, member: String?, note: String = "", error: String? = nil) async throws -> Response {
        let user = try worker(req)
        let registry = RegistryService(db: req.db, app: req.application)
        let p = try await registry.person(personID, for: user)
        let household = try await p.$household.get(on: req.db)
        let visibility = SpecialGroupVisibility(user)
        let members = try await visibility.members(SpecialGroupMember.query(on: req.db)).filter(\.$person.$id == personID).filter(\.$active == true).all()
        let last = try await visibility.visits(Visit.query(on: req.db).filter(\.$personID == personID).sort(\.$at, .descending).limit(3).all(), on: req.db)
        let page = VisitPage(
            layout: layout(req, user, title: "走访记录", tab: "visits", error: error, back: "/m/visits"),
            personID: personID.uuidString, name: p.name,
            facts: [Figure(label: "类型", value: p.kind.displayName, warn: false),
                    Figure(label: "户号", value: household?.number ?? "—", warn: false),
                    Figure(label: "电话", value: p.phoneTail.map { "尾号 \($0)" } ?? "未登记", warn: false),
                    Figure(label: "就业", value: p.employment ?? "—", warn: false),
                    Figure(label: "标签", value: p.tags.isEmpty ? "—" : p.tags, warn: false)],
            members: members.map { m in
                CaseController.Option(value: m.id!.uuidString, label: "\(m.kind.displayName)（应于 \(m.nextVisitDue) 前走访）",
                                      selected: m.id!.uuidString == member || members.count == 1)
            },
            lastVisits: last.map { Figure(label: $0.visitedOn + " " + $0.workerName, value: $0.note, warn: false) },
            today: LocalDate(req.now).description, clientKey: UUID().uuidString, note: note)
        let response = try await req.view.render("field/visit", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func visitForm(req: Request) async throws -> Response {
        guard let id = req.query[String.self, at: "person"].flatMap(UUID.init(uuidString:)) else {
            return req.redirect(to: "/m/visits")
        }
        return try await renderVisit(req, personID: id, member: req.query[String.self, at: "member"])
    }

    struct VisitForm: Content {
        var person: String
        var member: String?
        var note: String
        var visitedOn: String?
        var phone: String?
        var employment: String?
        var addTags: String?
        var clientKey: String?
        var photos: [File]?
    }

    @Sendable static func recordVisit(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(VisitForm.self)
        guard let personID = UUID(uuidString: form.person) else { throw Abort(.badRequest, reason: "缺少走访对象") }
        do {
            let key = try FieldService.validKey(form.clientKey ?? req.headers.first(name: "X-Client-Key"))
            let registry = RegistryService(db: req.db, app: req.application)
            let (id, duplicate) = try await FieldService.once(key, user: user, on: req.db) {
                let p = try await registry.person(personID, for: user)
                var member: SpecialGroupMember?
                if let mid = form.member.flatMap(nonEmpty).flatMap(UUID.init(uuidString:)) {
                    member = try await SpecialGroupVisibility(user).member(mid, person: personID, on: req.db)
                    guard member != nil else { throw Abort(.notFound, reason: "特殊人群登记不存在") }
                }
                var date: LocalDate?
                if let text = form.visitedOn.flatMap(nonEmpty) {
                    guard let d = LocalDate(text) else { throw Abort(.unprocessableEntity, reason: "走访日期格式应为 年-月-日") }
                    date = d
                }
                let photos = try await CaseController.storePhotos(form.photos ?? [], req: req)
                let update = RegistryService.VisitUpdate(phone: form.phone, employment: form.employment, addTags: form.addTags)
                return try await registry.recordVisit(person: p, member: member, note: form.note, on: date, by: user, photos: photos,
                                                      update: update, clientKey: key).id!.uuidString
            }
            return try await answer(req, id: id, duplicate: duplicate, kind: "visit", href: "/registry/people/\(personID)", then: "/m/visits?notice=saved")
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500, status != .notFound, !req.wantsJSON else { throw error }
            return try await renderVisit(req, personID: personID, member: form.member, note: form.note, error: reason)
        }
    }

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
                           reportHref: r.caseID == nil ? "/m/report?finding=\(r.id!)" : nil, caseHref: r.caseID.map { "/cases/\($0)" })
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
            try await FieldService(db: req.db, app: req.application).checkIn(input, by: user).id!.uuidString
        }
        return try await answer(req, id: id, duplicate: duplicate, kind: "patrol", href: "/m/patrol", then: "/m/patrol?grid=\(gridID)&notice=saved")
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
            layout: layout(req, user, title: "巡查清单", tab: "patrol", back: "/m/patrol" + (chosen.map { "?grid=\($0.id!)" } ?? "")),
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
        _ = try await FieldService(db: req.db, app: req.application).addChecklistItem(
            .init(gridID: gridID, title: form.title, kind: form.kind, place: form.place ?? "", categoryID: form.category), by: user)
        return req.redirect(to: "/m/patrol/items?grid=\(gridID)&notice=created")
    }

    @Sendable static func retireChecklistItem(req: Request) async throws -> Response {
        let user = try worker(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let grid = try await PatrolChecklistItem.find(id, on: req.db)?.gridID
        try await FieldService(db: req.db, app: req.application).retireChecklistItem(id, by: user)
        return req.redirect(to: "/m/patrol/items?grid=\(grid ?? 0)&notice=deleted")
    }

    // MARK: 我的网格

    struct GridPage: Encodable {
        let layout: Layout
        let grids: [GridCard]
        let workPhone: String
        let hasPhoto: Bool
        let photo: String
    }

    struct GridCard: Encodable {
        let id: Int
        let name: String
        let community: String
        let figures: [Figure]
        let notices: [NoticeRow]
        let publicPage: String
        let qrSheet: String
    }

    struct NoticeRow: Encodable { let id: String; let title: String; let body: String; let at: String; let author: String }

    @Sendable static func grid(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        var cards: [GridCard] = []
        for g in grids.prefix(6) {
            let id = g.id!
            let parent = try await g.$parent.get(on: req.db)
            let special = try await SpecialGroupMember.query(on: req.db).filter(\.$gridID == id).filter(\.$active == true).count()
            let open = try await Case.query(on: req.db).filter(\.$grid.$id == id).filter(\.$status !~ [.closed, .rejected]).count()
            let notices = try await FieldService.liveNotices(grids: [id], limit: 5, on: req.db)
            cards.append(GridCard(
                id: id, name: g.name, community: parent?.name ?? "",
                figures: [
                    Figure(label: "楼栋", value: "\(try await Building.query(on: req.db).filter(\.$grid.$id == id).count())", warn: false),
                    Figure(label: "户", value: "\(try await Household.query(on: req.db).filter(\.$gridID == id).count())", warn: false),
                    Figure(label: "人口", value: "\(try await Person.query(on: req.db).filter(\.$gridID == id).count())", warn: false),
                    Figure(label: "特殊人群", value: "\(special)", warn: false),
                    Figure(label: "办理中事件", value: "\(open)", warn: open > 0),
                ],
                notices: notices.map { NoticeRow(id: $0.id!.uuidString, title: $0.title, body: $0.body, at: Formatting.dateTime($0.createdAt), author: $0.authorName) },
                publicPage: "/r/grids/\(id)", qrSheet: "/registry/grids/\(id)/qr"))
        }
        let me = try await User.find(user.id, on: req.db)
        return try await req.view.render("field/grid", GridPage(
            layout: layout(req, user, title: "我的网格", tab: "grid"), grids: cards,
            workPhone: me?.workPhone ?? "", hasPhoto: me?.photoPath != nil, photo: "/r/staff/\(user.id)/photo"))
    }

    struct NoticeForm: Content { var grid: String; var title: String; var body: String }

    @Sendable static func postNotice(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(NoticeForm.self)
        guard let gridID = Int(form.grid) else { throw Abort(.unprocessableEntity, reason: "请选择网格") }
        _ = try await FieldService(db: req.db, app: req.application).postNotice(gridID: gridID, title: form.title, body: form.body, by: user)
        return req.redirect(to: "/m/grid?notice=created")
    }

    @Sendable static func withdrawNotice(req: Request) async throws -> Response {
        let user = try worker(req)
        _ = try await FieldService(db: req.db, app: req.application).withdrawNotice(try req.parameters.require("id", as: UUID.self), by: user)
        return req.redirect(to: "/m/grid?notice=saved")
    }

    struct ProfileForm: Content { var workPhone: String?; var photo: File? }

    /// The worker's public card: duty phone and photo shown on the QR pages.
    @Sendable static func profile(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(ProfileForm.self)
        guard let me = try await User.find(user.id, on: req.db) else { throw Abort(.notFound) }
        if let raw = form.workPhone?.trimmingCharacters(in: .whitespaces) {
            if raw.isEmpty { me.workPhone = nil } else {
                let digits = raw.filter { $0.isNumber || $0 == "-" }
                guard digits.count == raw.count, (7...20).contains(digits.count) else {
                    throw Abort(.unprocessableEntity, reason: "工作电话应为 7–20 位数字（可含 -）")
                }
                me.workPhone = digits
            }
        }
        if let photo = form.photo, photo.data.readableBytes > 0 {
            let stored = try await CaseController.storePhotos([photo], req: req)
            me.photoPath = stored.first?.relativePath
            me.photoType = stored.first?.contentType
        }
        try await me.save(on: req.db)
        return req.redirect(to: "/m/grid?notice=saved")
    }

    // MARK: 待同步

    @Sendable static func outbox(req: Request) async throws -> View {
        let user = try worker(req)
        return try await req.view.render("field/outbox", ["layout": layout(req, user, title: "待同步", tab: "outbox")])
    }
}
