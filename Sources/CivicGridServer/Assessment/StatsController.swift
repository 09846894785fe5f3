import Fluent
import GridCore
import Vapor

/// 统计分析 (`/stats`): any area of the user's scope over any range of days received, read from the
/// rollups (`CaseRollup`), with every rate's definition printed on the page; CSV/XLSX export.
enum StatsController {
    struct Figure: Encodable { let label: String; let value: String; let note: String }
    struct Row: Encodable {
        let name: String
        let href: String?
        let received: Int
        let closed: Int
        let closure: String
        let onTime: String
        let satisfaction: String
        let overdue: Int
        let escalated: Int
    }
    struct Count: Encodable { let label: String; let value: Int; let percent: String }
    /// One of the standard's indicators: its value, numerator ÷ denominator, and definition.
    struct Indicator: Encodable { let name: String; let value: String; let fraction: String; let definition: String }
    /// The indicators of one area, department, channel or category, in `indicatorColumns` order.
    struct IndicatorRow: Encodable { let name: String; let href: String?; let accepted: Int; let values: [String] }
    struct IndicatorGroup: Encodable { let title: String; let id: String; let rows: [IndicatorRow] }

    /// The indicators compared across areas, departments, channels and categories.
    static let comparedIndicators = ["结案率", "按期结案率", "按时受理率", "按时派遣率", "派遣准确率", "返工率", "延期率", "退回率", "回访率", "回访满意率", "响应率", "解决率"]

    static func indicatorRow(_ name: String, href: String?, _ f: CaseFacts) -> IndicatorRow {
        let all = CaseRates(f).indicators
        return IndicatorRow(name: name, href: href, accepted: f.accepted, values: comparedIndicators.map { n in
            CaseRates.percent(all.first { $0.name == n }?.value)
        })
    }

    struct Page: Encodable {
        let sub = "stats"
        let layout: PageLayout
        let areaID: Int
        let areaName: String
        let parentHref: String?
        let from: String
        let to: String
        let group: String
        let groups: [CaseController.Option]
        let figures: [Figure]
        let definitions: [Figure]
        let queues: [Count]
        let split: [Count]
        let channels: [Row]
        let categories: [Row]
        let children: [Row]
        let childLevel: String
        let trend: String
        let indicators: [Indicator]
        let indicatorColumns: [String]
        let indicatorGroups: [IndicatorGroup]
        let export: String
        let error: String?
    }

    struct Range { let from: LocalDate; let to: LocalDate }

    /// The period asked for (default: this month so far), checked.
    static func range(_ req: Request) throws -> Range {
        let today = LocalDate(req.now)
        let from = try req.query[String.self, at: "from"].flatMap(nonEmpty).map { text -> LocalDate in
            guard let d = LocalDate(text) else { throw Abort(.badRequest, reason: "开始日期格式应为 年-月-日") }
            return d
        } ?? LocalDate(year: today.year, month: today.month, day: 1)
        let to = try req.query[String.self, at: "to"].flatMap(nonEmpty).map { text -> LocalDate in
            guard let d = LocalDate(text) else { throw Abort(.badRequest, reason: "结束日期格式应为 年-月-日") }
            return d
        } ?? today
        guard from <= to else { throw Abort(.badRequest, reason: "开始日期不能晚于结束日期") }
        guard to.daysSinceEpoch - from.daysSinceEpoch <= 366 * 3 else { throw Abort(.badRequest, reason: "统计区间不超过 3 年") }
        return Range(from: from, to: to)
    }

    static func staff(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "统计分析供有管辖区域的工作人员使用") }
        return user
    }

    static func row(_ name: String, href: String?, _ f: CaseFacts) -> Row {
        let r = CaseRates(f)
        return Row(name: name, href: href, received: f.received, closed: f.closed, closure: CaseRates.percent(r.closure),
                   onTime: CaseRates.percent(r.onTime), satisfaction: CaseRates.percent(r.satisfaction), overdue: f.overdue, escalated: f.escalated)
    }

    static func share(_ n: Int, of total: Int) -> String { total == 0 ? "—" : String(format: "%.1f%%", Double(n) * 100 / Double(total)) }

    enum Grouping: String, CaseIterable {
        case day, week, month
        var displayName: String { switch self { case .day: "按日"; case .week: "按周"; case .month: "按月" } }

        static func `default`(for range: Range) -> Grouping {
            let days = range.to.daysSinceEpoch - range.from.daysSinceEpoch
            return days <= 62 ? .day : days <= 190 ? .week : .month
        }

        func bucket(_ d: LocalDate) -> LocalDate {
            switch self {
            case .day: d
            case .week: VisitWeek(containing: d).monday
            case .month: LocalDate(year: d.year, month: d.month, day: 1)
            }
        }

        func label(_ d: LocalDate) -> String {
            switch self {
            case .day: String(d.description.suffix(5))
            case .week: String(d.description.suffix(5)) + "周"
            case .month: String(d.description.prefix(7))
            }
        }
    }

    /// The trend as chart points: every bucket of the period, empty ones included.
    static func trend(_ byDay: [String: CaseFacts], range: Range, grouping: Grouping) -> [SVGChart.Point] {
        var sums: [LocalDate: (Int, Int)] = [:]
        for (day, f) in byDay {
            guard let d = LocalDate(day) else { continue }
            let b = grouping.bucket(d)
            sums[b] = ((sums[b]?.0 ?? 0) + f.received, (sums[b]?.1 ?? 0) + f.closed)
        }
        var points: [SVGChart.Point] = []
        var d = grouping.bucket(range.from)
        while d <= range.to {
            points.append(.init(label: grouping.label(d), bar: sums[d]?.0 ?? 0, line: sums[d]?.1 ?? 0))
            d = switch grouping {
            case .day: d.adding(days: 1)
            case .week: d.adding(days: 7)
            case .month: d.month == 12 ? LocalDate(year: d.year + 1, month: 1, day: 1) : LocalDate(year: d.year, month: d.month + 1, day: 1)
            }
        }
        return points
    }

    struct Report {
        let area: Area
        let range: Range
        let totals: CaseRollup.Totals
        let queues: [CaseStatus: Int]
        let children: [(Area, CaseFacts)]
        let categoryNames: [UUID: String]
        let departments: [(String, CaseFacts)]
    }

    static func report(_ req: Request, user: CurrentUser) async throws -> Report {
        let range = try range(req)
        let area = try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let id = try area.requireID()
        let totals = try await CaseRollup.totals(area: id, from: range.from.description, to: range.to.description, on: req.db)
        let childFacts = try await CaseRollup.childTotals(of: id, from: range.from.description, to: range.to.description, on: req.db)
        let children = try await Area.query(on: req.db).filter(\.$parent.$id == id).sort(\.$code).all()
        let names = Dictionary(try await CaseCategory.query(on: req.db).filter(\.$id ~~ Array(totals.byCategory.keys)).all().map { ($0.id!, $0.name) },
                               uniquingKeysWith: { a, _ in a })
        let byDepartment = try await CaseRollup.perDepartment(area: id, from: range.from.description, to: range.to.description, on: req.db)
        let departmentNames = Dictionary(try await Department.query(on: req.db).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return Report(area: area, range: range, totals: totals, queues: try await CaseRollup.statusCounts(area: id, on: req.db),
                      children: children.map { ($0, childFacts[$0.id!] ?? CaseFacts()) }, categoryNames: names,
                      departments: byDepartment.map { (departmentNames[$0.key] ?? "（已停用部门）", $0.value) }.sorted { ($0.1.dispatches, $0.0) > ($1.1.dispatches, $1.0) })
    }

    @Sendable static func index(req: Request) async throws -> View {
        let user = try staff(req)
        let r = try await report(req, user: user)
        let f = r.totals.facts, rates = CaseRates(f)
        let grouping = req.query[String.self, at: "group"].flatMap(Grouping.init(rawValue:)) ?? .default(for: r.range)
        let query = "area=\(r.area.id!)&from=\(r.range.from)&to=\(r.range.to)"
        let parent = try await r.area.$parent.get(on: req.db)
        let parentInScope = parent.map { p in user.scope.areaPaths.contains { $0.contains(p.areaPath) } } ?? false
        let openTotal = r.queues.filter { $0.key.isOpen }.values.reduce(0, +)
        let handled = f.byCommunity + f.byStreet + f.byDistrict + f.byDepartment + f.explained + f.onSite
        let levels = req.state.levels
        return try await req.view.render("stats/index", Page(
            layout: PageLayout(req, title: "统计分析 · \(r.area.name)", section: "stats"),
            areaID: r.area.id!, areaName: r.area.name,
            parentHref: parentInScope ? SiteURL.stats.path(["area": "\(parent!.id!)", "from": "\(r.range.from)", "to": "\(r.range.to)"]) : nil,
            from: r.range.from.description, to: r.range.to.description, group: grouping.rawValue,
            groups: Grouping.allCases.map { CaseController.Option(value: $0.rawValue, label: $0.displayName, selected: $0 == grouping) },
            figures: [
                Figure(label: "受理", value: "\(f.received)", note: "件"),
                Figure(label: "立案", value: "\(f.accepted)", note: "件"),
                Figure(label: "结案", value: "\(f.closed)", note: "件"),
                Figure(label: "结案率", value: CaseRates.percent(rates.closure), note: "\(f.closed) / \(rates.dueToClose - f.suspended)"),
                Figure(label: "按期结案率", value: CaseRates.percent(rates.onTime), note: "\(f.closedOnTime) / \(f.closed)"),
                Figure(label: "满意率", value: CaseRates.percent(rates.satisfaction), note: "\(f.satisfied) / \(f.rated)"),
                Figure(label: "现场处置率", value: CaseRates.percent(rates.onSite), note: "\(f.onSite) / \(f.closed)"),
                Figure(label: "上报上级", value: "\(f.escalated)", note: CaseRates.percent(rates.escalation)),
                Figure(label: "超时", value: "\(f.overdue)", note: "件"),
                Figure(label: "平均办理时长", value: rates.averageHandlingHours.map { String(format: "%.1f", $0) } ?? "—", note: "小时"),
            ],
            definitions: CaseRates.definitions.map { Figure(label: $0.0, value: "", note: $0.1) },
            queues: CaseStatus.allCases.filter(\.isOpen).map { s in Count(label: s.displayName, value: r.queues[s] ?? 0, percent: share(r.queues[s] ?? 0, of: openTotal)) },
            split: [("现场处置", f.onSite), ("社区办理", f.byCommunity), ("街道办理", f.byStreet), ("区级办理", f.byDistrict), ("交办部门", f.byDepartment),
                    ("解释说明", f.explained)].map { Count(label: $0.0, value: $0.1, percent: share($0.1, of: handled)) },
            channels: r.totals.byChannel.sorted { $0.value.received > $1.value.received }
                .map { row(CaseChannel(rawValue: $0.key)?.displayName ?? $0.key, href: nil, $0.value) },
            categories: r.totals.byCategory.sorted { ($0.value.received, r.categoryNames[$0.key] ?? "") > ($1.value.received, r.categoryNames[$1.key] ?? "") }
                .prefix(20).map { row(r.categoryNames[$0.key] ?? "（已删除类别）", href: nil, $0.value) },
            children: r.children.map { row($0.0.name, href: SiteURL.stats.path(["area": "\($0.0.id!)", "from": "\(r.range.from)", "to": "\(r.range.to)"]), $0.1) },
            childLevel: r.children.first.map { levels.name(of: $0.0.level) } ?? "",
            trend: SVGChart(width: 1100, height: 240).render(trend(r.totals.byDay, range: r.range, grouping: grouping)),
            indicators: rates.indicators.map { Indicator(name: $0.name, value: CaseRates.percent($0.value), fraction: $0.fraction, definition: $0.definition) },
            indicatorColumns: comparedIndicators,
            indicatorGroups: [
                IndicatorGroup(title: "各\(r.children.first.map { levels.name(of: $0.0.level) } ?? "下级")", id: "children", rows: r.children.map {
                    indicatorRow($0.0.name, href: SiteURL.stats.path(["area": "\($0.0.id!)", "from": "\(r.range.from)", "to": "\(r.range.to)"]), $0.1)
                }),
                IndicatorGroup(title: "承办部门", id: "departments", rows: r.departments.map { indicatorRow($0.0, href: nil, $0.1) }),
                IndicatorGroup(title: "来源渠道", id: "channels", rows: r.totals.byChannel.sorted { $0.value.received > $1.value.received }
                    .map { indicatorRow(CaseChannel(rawValue: $0.key)?.displayName ?? $0.key, href: nil, $0.value) }),
                IndicatorGroup(title: "事件类别（前 20 类）", id: "categories", rows: r.totals.byCategory.sorted { $0.value.received > $1.value.received }
                    .prefix(20).map { indicatorRow(r.categoryNames[$0.key] ?? "（已删除类别）", href: nil, $0.value) }),
            ].filter { !$0.rows.isEmpty },
            export: SiteURL.statsExport.path + "?\(query)", error: nil))
    }

    /// The same figures as a table for Excel: the area and each child area, then by channel and category.
    @Sendable static func export(req: Request) async throws -> Response {
        let user = try staff(req)
        let r = try await report(req, user: user)
        let format = req.query[String.self, at: "format"].flatMap(Spreadsheet.Format.init(rawValue:)) ?? .csv
        let header = ["范围", "名称", "受理", "立案", "结案", "结案率", "按期结案", "按期结案率", "已评价", "满意", "满意率", "现场处置", "上报上级", "超时",
                      "平均办理时长（小时）", "缓办", "撤件", "作废", "派遣次数", "改派", "延期", "退回未获同意", "重办", "应回访", "已回访", "回访满意"]
            + comparedIndicators.filter { $0 != "结案率" && $0 != "按期结案率" }
        func line(_ scope: String, _ name: String, _ f: CaseFacts) -> [String] {
            let rates = CaseRates(f)
            let more = comparedIndicators.filter { $0 != "结案率" && $0 != "按期结案率" }.map { n in CaseRates.percent(rates.indicators.first { $0.name == n }?.value) }
            return [scope, name, "\(f.received)", "\(f.accepted)", "\(f.closed)", CaseRates.percent(rates.closure), "\(f.closedOnTime)", CaseRates.percent(rates.onTime),
                    "\(f.rated)", "\(f.satisfied)", CaseRates.percent(rates.satisfaction), "\(f.onSite)", "\(f.escalated)", "\(f.overdue)",
                    rates.averageHandlingHours.map { String(format: "%.1f", $0) } ?? "",
                    "\(f.suspended)", "\(f.withdrawn)", "\(f.voided)", "\(f.dispatches)", "\(f.redispatches)", "\(f.extended)", "\(f.returnsRefused)",
                    "\(f.reworks)", "\(f.callbackDue)", "\(f.callbackReached)", "\(f.callbackSatisfied)"] + more
        }
        var rows = [["统计区间", "\(r.range.from) 至 \(r.range.to)（按受理日期）"], header, line("合计", r.area.name, r.totals.facts)]
        rows += r.children.map { line("下级区域", $0.0.name, $0.1) }
        rows += r.totals.byChannel.sorted { $0.key < $1.key }.map { line("来源渠道", CaseChannel(rawValue: $0.key)?.displayName ?? $0.key, $0.value) }
        rows += r.totals.byCategory.sorted { $0.value.received > $1.value.received }.map { line("事件类别", r.categoryNames[$0.key] ?? "", $0.value) }
        rows += r.departments.map { line("承办部门", $0.0, $0.1) }
        rows += [[]] + CaseRates.definitions.map { ["口径", $0.0, $0.1] }
        rows += CaseRates(CaseFacts()).indicators.map { ["口径", $0.name, $0.definition] }
        return try RegistryListController.download(Spreadsheet.write(rows, as: format), name: "统计-\(r.area.name)-\(r.range.from)-\(r.range.to).\(format.rawValue)",
                                                   format: format)
    }
}
