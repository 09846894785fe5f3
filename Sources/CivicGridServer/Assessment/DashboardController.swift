import Fluent
import GridCore
import Vapor

/// 指挥中心大屏 (`/dashboard`): dark, legible from across the room, live. The page subscribes to the
/// case events (`/events`, server-sent) and, within a second of a new case or a status change in its
/// area, fetches its board again (`/dashboard/board`, the same server-rendered fragment). Every
/// figure comes from the rollups; the lists are small indexed queries.
enum DashboardController {
    struct Figure: Encodable { let label: String; let value: String; let note: String; let warn: Bool }
    struct CaseRow: Encodable {
        let href: String; let code: String; let title: String; let place: String; let status: String; let when: String
        /// 时限灯 of its running clocks.
        var light: String? = nil
    }
    struct Rank: Encodable { let place: Int; let name: String; let received: Int; let closure: String; let onTime: String; let open: Int }

    struct Board: Encodable {
        let areaID: Int
        let areaName: String
        let updated: String
        let today: [Figure]
        let month: [Figure]
        let queues: [Figure]
        let overdue: [CaseRow]
        let latest: [CaseRow]
        let ranking: [Rank]
        let childLevel: String
        let trend: String
        let map: MapView?
    }

    struct Page: Encodable {
        let title: String
        let board: Board
        let boardURL: String
        let statsURL: String
    }

    static func staff(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "指挥中心大屏供有管辖区域的工作人员使用") }
        return user
    }

    static func board(_ req: Request, user: CurrentUser) async throws -> Board {
        let area = try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let id = try area.requireID()
        let today = LocalDate(req.now)
        let monthStart = LocalDate(year: today.year, month: today.month, day: 1)
        let from = min(today.adding(days: -29), monthStart)
        // One query for every day figure (today, this month, the 30-day trend), one for the queues of the
        // area and its children, one for the children's month, two for the lists: the board is a handful
        // of small indexed reads however many cases there are.
        let byDay = try await CaseRollup.totals(area: id, from: from.description, to: today.description, by: [.day], on: req.db).byDay
        func sum(from first: LocalDate) -> CaseFacts {
            byDay.filter { $0.key >= first.description }.values.reduce(CaseFacts(), +)
        }
        let todayTotals = byDay[today.description] ?? CaseFacts(), month = sum(from: monthStart)
        let last30 = byDay.filter { $0.key >= today.adding(days: -29).description }
        let children = try await Area.query(on: req.db).filter(\.$parent.$id == id).sort(\.$code).all()
        let counts = try await CaseRollup.statusCounts(areas: [id] + children.compactMap(\.id), on: req.db)
        let queues = Dictionary(uniqueKeysWithValues: (counts[id] ?? [:]).compactMap { k, v in CaseStatus(rawValue: k).map { ($0, v) } })
        let open = Dictionary(uniqueKeysWithValues: children.compactMap(\.id).map { child in
            (child, CaseStatus.allCases.filter(\.isOpen).reduce(0) { $0 + (counts[child]?[$1.rawValue] ?? 0) })
        })
        let lateNow = counts[id]?[CaseRollup.openOverdueKey] ?? 0
        let childFacts = try await CaseRollup.childTotals(of: id, from: monthStart.description, to: today.description, on: req.db)
        let overdue = try await CaseRollup.cases(in: area, overdueOnly: true, limit: 8, on: req.db)
        let latest = try await CaseRollup.cases(in: area, overdueOnly: false, limit: 8, on: req.db)
        let lights = try await CaseLights.worst(of: (overdue + latest).map(\.id), now: req.now, on: req.db)
        let yellow = try await CaseLights.yellowCount(in: area, now: req.now, on: req.db)
        func row(_ c: CaseRollup.Listed) -> CaseRow {
            CaseRow(href: SiteURL.caseDetail(c.id).path, code: c.code, title: c.title, place: c.grid, status: c.status.displayName, when: Formatting.dateTime(c.reportedAt),
                    light: lights[c.id]?.rawValue)
        }
        let rates = CaseRates(month)
        let openTotal = queues.filter { $0.key.isOpen }.values.reduce(0, +)
        let ranked = children.map { ($0, childFacts[$0.id!] ?? CaseFacts()) }
            .sorted { a, b in
                let ra = CaseRates(a.1).closure ?? -1, rb = CaseRates(b.1).closure ?? -1
                return ra != rb ? ra > rb : a.1.received > b.1.received
            }
        let maxOpen = max(1, open.values.max() ?? 1)
        var map = MapView(areas: children.map { ($0, SiteURL.dashboard.path(["area": "\($0.id!)"])) }, width: 640, height: 420)
        if var m = map {
            m = MapView(copying: m) { shape, index in
                let child = children.filter { $0.boundary != nil }[index]
                let n = open[child.id!] ?? 0
                shape.heat = n == 0 ? 0 : min(4, 1 + n * 4 / (maxOpen + 1))
                shape.figure = "\(n)"
            }
            map = m
        }
        return Board(
            areaID: id, areaName: area.name, updated: Formatting.time(req.now),
            today: [
                Figure(label: "今日受理", value: "\(todayTotals.received)", note: "件", warn: false),
                Figure(label: "今日已办结", value: "\(todayTotals.closed)", note: "件", warn: false),
                Figure(label: "在办", value: "\(openTotal)", note: "件", warn: false),
                Figure(label: "即将超时", value: "\(yellow)", note: "件（黄灯）", warn: yellow > 0),
                Figure(label: "超时在办", value: "\(lateNow)", note: "件（红灯）", warn: lateNow > 0),
            ],
            month: [
                Figure(label: "本月受理", value: "\(month.received)", note: "件", warn: false),
                Figure(label: "结案率", value: CaseRates.percent(rates.closure), note: "", warn: false),
                Figure(label: "按期办结率", value: CaseRates.percent(rates.onTime), note: "", warn: false),
                Figure(label: "满意率", value: CaseRates.percent(rates.satisfaction), note: "", warn: false),
                Figure(label: "现场处置", value: "\(month.onSite)", note: "件", warn: false),
                Figure(label: "上报上级", value: "\(month.escalated)", note: "件", warn: false),
            ],
            queues: CaseStatus.allCases.filter(\.isOpen).map { Figure(label: $0.displayName, value: "\(queues[$0] ?? 0)", note: "", warn: false) },
            overdue: overdue.map(row), latest: latest.map(row),
            ranking: ranked.prefix(10).enumerated().map { i, item in
                Rank(place: i + 1, name: item.0.name, received: item.1.received, closure: CaseRates.percent(CaseRates(item.1).closure),
                     onTime: CaseRates.percent(CaseRates(item.1).onTime), open: open[item.0.id!] ?? 0)
            },
            childLevel: children.first.map { req.state.levels.name(of: $0.level) } ?? "",
            trend: SVGChart(width: 560, height: 260, theme: "chart dark").render(StatsController.trend(
                last30, range: .init(from: today.adding(days: -29), to: today), grouping: .day)),
            map: map)
    }

    @Sendable static func index(req: Request) async throws -> View {
        let user = try staff(req)
        let board = try await board(req, user: user)
        return try await req.view.render("dashboard/index", Page(
            title: "\(board.areaName) · 指挥中心", board: board, boardURL: SiteURL.dashboardBoard.path(["area": "\(board.areaID)"]),
            statsURL: SiteURL.stats.path(["area": "\(board.areaID)"])))
    }

    /// The board alone, for the page to swap in when something changed.
    @Sendable static func fragment(req: Request) async throws -> View {
        let user = try staff(req)
        return try await req.view.render("dashboard/_board", ["board": try await board(req, user: user)])
    }
}

extension MapView {
    /// The same map with each drawable shape adjusted (shapes are in the order of the areas that have a boundary).
    init(copying other: MapView, _ adjust: (inout Shape, Int) -> Void) {
        self = other
        var shapes = other.shapes
        for i in shapes.indices { adjust(&shapes[i], i) }
        self.shapes = shapes
    }
}
