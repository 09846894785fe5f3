import Fluent
import GridCore
import Vapor

/// The first page after login: for each role the user holds, where they work and what they do next.
enum HomeController {
    struct HomePage: Encodable {
        let layout: PageLayout
        let isResident: Bool
        let cards: [Card]
        let lookup: [LookupRow]
        let query: String
        let hasQuery: Bool
        var queues: [Queue] = []
        var notices: [Notice] = []
        var canReport = false
        /// For administrators: a year's holiday arrangement to enter.
        var missingYear: CalendarService.MissingYear? = nil
    }

    struct Queue: Encodable { let label: String; let count: Int; let href: String; let warn: Bool }
    struct Notice: Encodable { let text: String; let at: String; let href: String? }

    struct Card: Encodable {
        let title: String
        let subtitle: String
        let duty: String
        let facts: [Fact]
        let team: [Fact]
        let links: [Fact]
        let map: MapView?
    }

    struct Fact: Encodable { let label: String; let value: String }
    struct LookupRow: Encodable { let grid: String; let community: String; let worker: String; let href: String? }

    @Sendable static func root(req: Request) async throws -> Response {
        req.redirect(to: req.auth.get(CurrentUser.self) == nil ? SiteURL.login.path : SiteURL.home.path)
    }

    @Sendable static func home(req: Request) async throws -> View {
        let user = try req.currentUser
        let layout = PageLayout(req, title: "首页", section: "home")
        if user.kind == .resident {
            let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
            return try await req.view.render("home", HomePage(layout: layout, isResident: true, cards: [],
                                                              lookup: try await findMyGrid(q, req: req), query: q, hasQuery: !q.isEmpty))
        }
        var cards: [Card] = []
        for assignment in user.assignments {
            cards.append(try await card(for: assignment, user: user, req: req))
        }
        var page = HomePage(layout: layout, isResident: false, cards: cards, lookup: [], query: "", hasQuery: false)
        page.queues = try await queues(for: user, req: req)
        page.notices = try await notices(for: user, req: req)
        page.canReport = CaseController.canReport(user)
        if user.isAdministrator {
            // The calendar as the reference cache holds it (no query of its own).
            page.missingYear = CalendarService.missingYear(today: LocalDate(req.now), in: try await req.cases.reference().calendar)
        }
        return try await req.view.render("home", page)
    }

    static func card(for a: CurrentUser.Assignment, user: CurrentUser, req: Request) async throws -> Card {
        let levels = req.state.levels
        if a.role.isDepartmentRole, let departmentID = a.departmentID {
            let department = try await Department.find(departmentID, on: req.db)
            return Card(title: a.role.displayName, subtitle: department?.name ?? "", duty: a.role.duty,
                        facts: [Fact(label: "部门职责", value: department?.responsibilities ?? "")], team: [],
                        links: [Fact(label: "职能部门清单", value: SiteURL.departments.path)], map: nil)
        }
        guard let areaID = a.areaID, let area = try await Area.find(areaID, on: req.db) else {
            return Card(title: a.role.displayName, subtitle: "", duty: a.role.duty, facts: [], team: [], links: [], map: nil)
        }
        let service = AreaService(db: req.db, levels: levels)
        var facts = [Fact(label: "层级", value: levels.name(of: area.level)), Fact(label: "网格编码", value: area.code)]
        let counts = try await service.subtreeLevelCounts(area)
        for level in levels.levels where level > area.level {
            if let n = counts[level] { facts.append(Fact(label: "下辖\(levels.name(of: level))", value: "\(n) 个")) }
        }
        if let responsible = try await area.$responsible.get(on: req.db) {
            facts.append(Fact(label: "第一责任人", value: responsible.displayName))
        }
        // The grid team: everyone holding a role on this area or its parent community (the "1+3" team).
        var teamAreaIDs = [areaID]
        if area.level >= .grid, let parentID = area.$parent.id { teamAreaIDs.append(parentID) }
        let teamRows = try await RoleAssignment.query(on: req.db).filter(\.$area.$id ~~ teamAreaIDs)
            .filter(\.$user.$id != user.id).with(\.$user).with(\.$area).all()
        let team = teamRows.prefix(12).map { Fact(label: $0.role.displayName, value: $0.user.displayName) }
        var links = [Fact(label: "查看\(levels.name(of: area.level))详情", value: SiteURL.area(areaID).path)]
        if a.role == .administrator { links.append(Fact(label: "人员岗位管理", value: SiteURL.staff.path)) }
        let children = try await service.children(of: areaID, in: user.scope)
        let map = MapView(areas: children.isEmpty ? [(area, nil)] : children.map { ($0, SiteURL.area($0.id!).path) }, width: 480, height: 360)
        let kind = a.employment.map { "（\($0.displayName)）" } ?? ""
        return Card(title: a.role.displayName + kind, subtitle: area.name, duty: a.role.duty, facts: facts,
                    team: Array(team), links: links, map: map)
    }

    /// The user's work queues with their counts: what to do next.
    static func queues(for user: CurrentUser, req: Request) async throws -> [Queue] {
        var result: [Queue] = []
        for tab in CaseQueries.tabs(for: user) where tab != .all {
            let count = try await CaseQueries.query(tab, filter: .init(), user: user, now: req.now, on: req.db).count()
            result.append(Queue(label: tab.label, count: count, href: SiteURL.cases.path(["tab": "\(tab.rawValue)"]), warn: (tab == .overdue || tab == .soon) && count > 0))
        }
        return result
    }

    /// The latest messages to the areas the user works at and to their departments.
    static func notices(for user: CurrentUser, req: Request) async throws -> [Notice] {
        let areas = user.assignments.compactMap(\.areaID), departments = user.assignments.compactMap(\.departmentID)
        guard !areas.isEmpty || !departments.isEmpty else { return [] }
        let rows = try await Notification.query(on: req.db).group(.or) { g in
            if !areas.isEmpty { g.filter(\.$areaID ~~ areas) }
            if !departments.isEmpty { g.filter(\.$departmentID ~~ departments) }
        }.sort(\.$createdAt, .descending).limit(8).all()
        // A case that has since moved out of the user's sight (returned and re-dispatched elsewhere) is named, not linked.
        let caseIDs = Array(Set(rows.compactMap { $0.$case.id }))
        let visible = caseIDs.isEmpty ? [] : Set(try await CaseService.visible(to: user, on: req.db).filter(\Case.$id ~~ caseIDs).all().compactMap(\.id))
        return rows.map { n in
            Notice(text: n.text, at: Formatting.dateTime(n.createdAt), href: n.$case.id.flatMap { visible.contains($0) ? SiteURL.caseDetail($0).path : nil })
        }
    }

    /// 找网格员: a resident types the name of their community or grid and sees who looks after it.
    static func findMyGrid(_ q: String, req: Request) async throws -> [LookupRow] {
        guard !q.isEmpty else { return [] }
        let grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).filter(\.$name, like: .contains(q))
            .with(\.$parent).with(\.$responsible).sort(\.$code).limit(30).all()
        return grids.map { grid in
            LookupRow(grid: grid.name, community: grid.parent?.name ?? "", worker: grid.responsible?.displayName ?? "（待配备）", href: nil)
        }
    }
}
