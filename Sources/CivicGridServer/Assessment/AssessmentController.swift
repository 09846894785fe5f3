import Fluent
import GridCore
import Vapor

/// 考核 pages: the month's grid scores with ranks (`/assessment`), a grid's month line by line with
/// the records behind each line (`/assessment/grids/:id`), hardware points and freezing for the
/// street, the department ranking, the scheme and its versions, exports.
enum AssessmentController {
    typealias Month = AssessmentService.Month

    static func staff(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.scope.areaPaths.isEmpty else { throw Abort(.forbidden, reason: "考核供有管辖区域的工作人员使用") }
        return user
    }

    static func month(_ req: Request) throws -> Month {
        guard let text = req.query[String.self, at: "month"].flatMap(nonEmpty) else { return Month(containing: LocalDate(req.now)) }
        guard let m = Month(text) else { throw Abort(.badRequest, reason: "月份格式应为 年-月，如 2026-11") }
        return m
    }

    /// The grids of an area's subtree (the area itself if it is a grid).
    static func grids(of area: Area, on db: any Database) async throws -> [Area] {
        if [.grid, .microGrid].contains(area.level) { return [area] }
        return try await Area.query(on: db).filter(\.$level ~~ [.grid, .microGrid]).filter(within: area.areaPath).sort(\.$code).limit(1000).all()
    }

    struct Row: Encodable {
        let rank: Int
        let name: String
        let parent: String
        let href: String
        let daily: String
        let hardware: String
        let work: String
        let deducted: String
        let total: String
        let frozen: Bool
        let low: Bool
    }

    struct IndexPage: Encodable {
        let sub = "assessment"
        let layout: PageLayout
        let areaID: Int
        let areaName: String
        let month: String
        let rows: [Row]
        let average: String
        let frozenCount: Int
        let canFreeze: Bool
        let schemeVersion: Int
        let export: String
        let error: String?
    }

    static func f(_ v: Double) -> String { AssessmentScheme.Problem.format(AssessmentScore.round(v)) }

    static func rows(_ scores: [AssessmentService.GridScore], month: Month, parents: [Int: String]) -> [Row] {
        scores.enumerated().map { i, s in
            Row(rank: i + 1, name: s.grid.name, parent: s.grid.$parent.id.flatMap { parents[$0] } ?? "",
                href: SiteURL.assessmentGrid(s.grid.id!).path(["month": "\(month.text)"]), daily: f(s.part(.daily)), hardware: f(s.part(.hardware)),
                work: f(s.part(.work)), deducted: s.deducted > 0 ? "−" + f(s.deducted) : "0", total: f(s.total), frozen: s.frozen != nil, low: s.total < 60)
        }
    }

    static func load(_ req: Request, user: CurrentUser) async throws -> (Area, Month, [AssessmentService.GridScore], [Int: String]) {
        let area = try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let month = try month(req)
        let grids = try await grids(of: area, on: req.db)
        let scores = try await req.assessment.scores(grids, month)
        let parentIDs = Array(Set(grids.compactMap { $0.$parent.id }))
        let parents = Dictionary(try await Area.query(on: req.db).filter(\.$id ~~ parentIDs).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return (area, month, scores, parents)
    }

    static func renderIndex(_ req: Request, error: String? = nil) async throws -> Response {
        let user = try staff(req)
        let (area, month, scores, parents) = try await load(req, user: user)
        let service = req.assessment
        let average = scores.isEmpty ? 0 : scores.reduce(0) { $0 + $1.total } / Double(scores.count)
        let page = IndexPage(
            layout: PageLayout(req, title: "网格考核 · \(area.name) · \(month.text)", section: "stats"),
            areaID: area.id!, areaName: area.name, month: month.text, rows: rows(scores, month: month, parents: parents), average: f(average),
            frozenCount: scores.filter { $0.frozen != nil }.count,
            canFreeze: AssessmentService.mayFreeze(user) && month.last < LocalDate(req.now) && scores.contains { $0.frozen == nil },
            schemeVersion: try await service.scheme().version, export: SiteURL.assessmentExport.path(["area": "\(area.id!)", "month": "\(month.text)"]), error: error)
        let response = try await req.view.render("assessment/index", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func index(req: Request) async throws -> Response { try await renderIndex(req) }

    struct FreezeForm: Content { var area: Int; var month: String }

    @Sendable static func freeze(req: Request) async throws -> Response {
        let user = try staff(req)
        guard AssessmentService.mayFreeze(user) else { throw Abort(.forbidden, reason: "考核结果由街道或区冻结") }
        let form = try req.content.decode(FreezeForm.self)
        guard let month = Month(form.month) else { throw Abort(.badRequest, reason: "月份格式应为 年-月") }
        let area = try await req.areas.require(form.area, in: user.scope)
        do {
            _ = try await req.assessment.freeze(try await grids(of: area, on: req.db), month, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity {
            return req.redirect(to: SiteURL.assessment.path(["area": "\(form.area)", "month": "\(form.month)", "notice": "not-ended"]))
        }
        return req.redirect(to: SiteURL.assessment.path(["area": "\(form.area)", "month": "\(form.month)", "notice": "frozen"]))
    }

    @Sendable static func export(req: Request) async throws -> Response {
        let user = try staff(req)
        let (area, month, scores, parents) = try await load(req, user: user)
        let format = req.query[String.self, at: "format"].flatMap(Spreadsheet.Format.init(rawValue:)) ?? .xlsx
        var rows = [["\(area.name) \(month.text) 网格百分考核"], ["名次", "网格", "所属", "日常工作(40)", "硬件建设(10)", "工作实绩(50)", "扣分", "总分", "状态"]]
        rows += self.rows(scores, month: month, parents: parents).map {
            [String($0.rank), $0.name, $0.parent, $0.daily, $0.hardware, $0.work, $0.deducted, $0.total, $0.frozen ? "已冻结" : "实时"]
        }
        return try RegistryListController.download(Spreadsheet.write(rows, as: format), name: "网格考核-\(area.name)-\(month.text).\(format.rawValue)", format: format)
    }

    // MARK: One grid's month

    struct Line: Encodable { let part: String; let name: String; let points: String; let max: String; let actual: String; let formula: String; let evidence: String?; let short: Bool }
    struct Deduction: Encodable { let points: String; let reason: String; let href: String? }

    struct GridPage: Encodable {
        let sub = "assessment"
        let layout: PageLayout
        let gridID: Int
        let gridName: String
        let month: String
        let previous: String
        let next: String?
        let total: String
        let parts: [Line]
        let lines: [Line]
        let deductions: [Deduction]
        let explanation: [String]
        let frozen: String?
        let canRate: Bool
        let hardware: String
        let hardwareReason: String
        let hardwareMax: String
        let back: String
        let error: String?
    }

    static func renderGrid(_ req: Request, error: String? = nil) async throws -> Response {
        let user = try staff(req)
        let grid = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        guard [.grid, .microGrid].contains(grid.level) else { throw Abort(.notFound) }
        let month = try month(req)
        let service = req.assessment
        let scheme = try await service.scheme()
        let frozen = try await AssessmentResult.query(on: req.db).filter(\.$month == month.text).filter(\.$gridID == grid.requireID()).first()
        let gathered = frozen == nil ? try await service.months([grid], month)[grid.id!] : nil
        let detail: AssessmentService.FrozenDetail
        let total: Double
        if let frozen, let d = try? JSONDecoder().decode(AssessmentService.FrozenDetail.self, from: Data(frozen.detail.utf8)) {
            detail = d; total = frozen.total
        } else {
            let score = Assessment.score(gathered ?? AssessmentMonth(), scheme: scheme)
            detail = AssessmentService.detail(score); total = score.total
        }
        let codes = detail.deductions.compactMap(\.caseCode)
        let caseIDs = Dictionary(try await Case.query(on: req.db).filter(\.$code ~~ codes).all().map { ($0.code, $0.id!) }, uniquingKeysWith: { a, _ in a })
        let lines = detail.lines.map { l in
            Line(part: AssessmentScheme.Part(rawValue: l.part)?.displayName ?? l.part, name: AssessmentScheme.Measure(rawValue: l.measure)?.displayName ?? l.measure,
                 points: f(l.points), max: f(l.max), actual: l.actual, formula: l.formula,
                 evidence: l.measure == "hardware" ? nil : SiteURL.assessmentEvidence(grid.id!).path(["month": "\(month.text)", "measure": "\(l.measure)"]), short: l.points < l.max - 0.05)
        }
        let parts = AssessmentScheme.Part.allCases.map { p in
            Line(part: p.displayName, name: p.displayName, points: f(detail.lines.filter { $0.part == p.rawValue }.reduce(0) { $0 + $1.points }),
                 max: f(p.points), actual: "", formula: "", evidence: nil, short: false)
        }
        let hardware = try await AssessmentHardware.query(on: req.db).filter(\.$gridID == grid.requireID()).filter(\.$month == month.text).first()
        let today = Month(containing: LocalDate(req.now))
        let page = GridPage(
            layout: PageLayout(req, title: "\(grid.name) · \(month.text) 考核", section: "stats"), gridID: grid.id!, gridName: grid.name,
            month: month.text, previous: SiteURL.assessmentGrid(grid.id!).path(["month": "\(month.previous.text)"]),
            next: month.first < today.first ? SiteURL.assessmentGrid(grid.id!).path(["month": "\(month.next.text)"]) : nil,
            total: f(total), parts: parts, lines: lines,
            deductions: detail.deductions.map { d in Deduction(points: f(d.points), reason: d.reason, href: d.caseCode.flatMap { caseIDs[$0] }.map { SiteURL.caseDetail($0).path }) },
            explanation: detail.explanation,
            frozen: frozen.map { "已于 \(Formatting.dateTime($0.frozenAt)) 由 \($0.frozenBy) 冻结（方案第 \($0.schemeVersion) 版）" },
            canRate: frozen == nil && AssessmentService.mayRate(user, grid: grid),
            hardware: hardware.map { f($0.points) } ?? "", hardwareReason: hardware?.reason ?? "",
            hardwareMax: f(scheme.items.first { $0.measure == .hardware }?.points ?? 10),
            back: SiteURL.assessment.path(["area": "\(grid.$parent.id ?? grid.id!)", "month": "\(month.text)"]), error: error)
        let response = try await req.view.render("assessment/grid", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func grid(req: Request) async throws -> Response { try await renderGrid(req) }

    struct HardwareForm: Content { var points: String; var reason: String?; var month: String }

    @Sendable static func hardware(req: Request) async throws -> Response {
        let user = try staff(req)
        let grid = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        let form = try req.content.decode(HardwareForm.self)
        guard let month = Month(form.month) else { throw Abort(.badRequest, reason: "月份格式应为 年-月") }
        return try await req.submitForm({
            guard let points = Double(form.points.trimmingCharacters(in: .whitespaces)) else { throw Abort(.unprocessableEntity, reason: "请填写得分") }
            try await req.assessment.setHardware(grid: grid, month: month, points: points, reason: form.reason ?? "", by: user)
        }, showAgain: { try await renderGrid(req, error: $0) }, then: SiteURL.assessmentGrid(grid.id!).path(["month": month.text, "notice": "saved"]))
    }

    // MARK: The records behind a line

    struct EvidencePage: Encodable {
        let sub = "assessment"
        let layout: PageLayout
        let title: String
        let back: String
        let header: [String]
        let rows: [EvidenceRow]
        let note: String
    }

    struct EvidenceRow: Encodable { let cells: [String]; let link: String? }

    @Sendable static func evidence(req: Request) async throws -> View {
        let user = try staff(req)
        let grid = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        let month = try month(req)
        guard let measure = req.query[String.self, at: "measure"].flatMap(AssessmentScheme.Measure.init(rawValue:)) else { throw Abort(.badRequest, reason: "缺少考核项") }
        let id = try grid.requireID()
        let start = month.first.startInstant, stop = month.next.first.startInstant
        var header: [String] = [], rows: [[String]] = [], links: [String?] = [], note = ""
        switch measure {
        case .patrolDays:
            header = ["日期", "时间", "网格员", "定位", "情况"]
            for c in try await PatrolCheckIn.query(on: req.db).filter(\.$gridID == id).filter(\.$day >= month.first.description)
                .filter(\.$day <= month.last.description).sort(\.$at).all() {
                rows.append([c.day, Formatting.time(c.at), c.userName, FieldController.place(c), c.note]); links.append(nil)
            }
            note = "同一天多次打卡计 1 天。标“离线补报·无定位”的打卡（超过 1 小时后才同步、且没有定位）只作记录，不计入巡查天数。"
        case .visits:
            header = ["日期", "网格员", "走访对象", "记录"]
            let visits = try await SpecialGroupVisibility(user).visits(Visit.query(on: req.db).filter(\.$gridID == id).filter(\.$memberID != nil)
                .filter(\.$visitedOn >= month.first.description).filter(\.$visitedOn <= month.last.description).sort(\.$at).all(), on: req.db)
            let names = Dictionary(try await Person.query(on: req.db).filter(\.$id ~~ visits.compactMap(\.personID)).all().map { ($0.id!, $0.name) },
                                   uniquingKeysWith: { a, _ in a })
            for v in visits {
                rows.append([v.visitedOn, v.workerName, v.personID.flatMap { names[$0] }.map(NameMask.mask) ?? "—", String(v.note.prefix(40))])
                links.append(v.personID.map { SiteURL.person($0).path })
            }
            note = "应走访次数按各特殊人群的走访频次计算（独居老人每周一次等）；只计关联到特殊人群登记的走访。只列出您的岗位可以查看的人群的走访。"
        case .registryUpdates:
            header = ["时间", "对象", "操作", "经办"]
            for r in try await RegistryRevision.query(on: req.db).filter(\.$gridID == id).filter(\.$at >= start).filter(\.$at < stop).sort(\.$at).limit(500).all() {
                rows.append([Formatting.dateTime(r.at), r.entity.displayName, r.action.displayName, r.actorName]); links.append(nil)
            }
        case .hardware:
            throw Abort(.notFound)
        case .casesFound, .onSite, .onTimeRate, .closureRate, .satisfactionRate, .verifySpeed:
            header = ["编号", "标题", "渠道", "状态", "超时", "评价", "上报时间"]
            var q = Case.query(on: req.db).filter(\.$grid.$id == id).filter(\.$reportedAt >= start).filter(\.$reportedAt < stop)
            if measure == .casesFound { q = q.filter(\.$channel == .gridWorker) }
            if measure == .onSite { q = q.filter(\.$resolution == .resolvedOnSite) }
            if measure == .satisfactionRate { q = q.filter(\.$satisfaction != nil) }
            for c in try await q.sort(\.$reportedAt).limit(500).all() {
                rows.append([c.code, c.title, c.channel.displayName, c.status.displayName, c.overdue ? "是" : "", c.satisfaction?.displayName ?? "",
                             Formatting.dateTime(c.reportedAt)])
                links.append(SiteURL.caseDetail(c.id!).path)
            }
            note = "按受理日期统计本月受理的本网格事件；办结率、按期办结率、满意率的口径见“统计分析”页。"
        }
        return try await req.view.render("assessment/evidence", EvidencePage(
            layout: PageLayout(req, title: "\(grid.name) · \(month.text) · \(measure.displayName)", section: "stats"),
            title: "\(grid.name) · \(month.text) · \(measure.displayName)（\(rows.count) 条）", back: SiteURL.assessmentGrid(id).path(["month": "\(month.text)"]),
            header: header, rows: zip(rows, links).map { EvidenceRow(cells: $0.0, link: $0.1) }, note: note))
    }

    // MARK: The scheme

    struct SchemePage: Encodable {
        struct Item: Encodable { let measure: String; let name: String; let part: String; let points: String; let target: String; let limit: String; let hasTarget: Bool; let hasLimit: Bool }
        struct Version: Encodable { let version: Int; let at: String; let by: String }
        let sub = "scheme"
        let layout: PageLayout
        let version: Int
        let items: [Item]
        let penalty: String
        let versions: [Version]
        let canEdit: Bool
        let error: String?
    }

    static func renderScheme(_ req: Request, edited: AssessmentScheme? = nil, error: String? = nil) async throws -> Response {
        let user = try staff(req)
        let scheme = try await req.assessment.scheme()
        let shown = edited ?? scheme
        let versions = try await AssessmentSchemeRecord.query(on: req.db).sort(\.$version, .descending).all()
        let page = SchemePage(
            layout: PageLayout(req, title: "考核方案", section: "stats"), version: scheme.version,
            items: shown.items.map { i in
                SchemePage.Item(measure: i.measure.rawValue, name: i.measure.displayName, part: i.part.displayName, points: f(i.points),
                                target: i.target.map(f) ?? "", limit: i.limit.map(f) ?? "",
                                hasTarget: [.registryUpdates, .casesFound, .onSite, .verifySpeed].contains(i.measure), hasLimit: i.measure == .verifySpeed)
            },
            penalty: f(shown.overdueTaskPenalty),
            versions: versions.map { .init(version: $0.version, at: Formatting.dateTime($0.createdAt), by: $0.createdBy) },
            canEdit: user.isAdministrator, error: error)
        let response = try await req.view.render("assessment/scheme", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func scheme(req: Request) async throws -> Response { try await renderScheme(req) }

    /// Administrators save a new version: the points and targets per item (`points_<measure>`, …).
    @Sendable static func saveScheme(req: Request) async throws -> Response {
        let user = try staff(req)
        guard user.isAdministrator else { throw Abort(.forbidden, reason: "考核方案由管理员维护") }
        let form = try req.content.decode([String: String].self)
        var scheme = try await req.assessment.scheme()
        func number(_ key: String) throws -> Double? {
            guard let raw = form[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard let v = Double(raw) else { throw Abort(.unprocessableEntity, reason: "“\(raw)”不是数字") }
            return v
        }
        do {
            for i in scheme.items.indices {
                let m = scheme.items[i].measure.rawValue
                if let p = try number("points_" + m) { scheme.items[i].points = p }
                if let t = try number("target_" + m) { scheme.items[i].target = t }
                if let l = try number("limit_" + m) { scheme.items[i].limit = l }
            }
            if let p = try number("penalty") { scheme.overdueTaskPenalty = max(0, p) }
            _ = try await req.assessment.saveScheme(scheme, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity {
            return try await renderScheme(req, edited: scheme, error: error.reason)
        }
        return req.redirect(to: SiteURL.assessmentScheme.path(["notice": "saved"]))
    }

    // MARK: Departments

    struct DepartmentRow: Encodable {
        let rank: Int
        let name: String
        let received: Int
        let closed: Int
        let onTime: String
        let returns: Int
        let returnRate: String
        let overdue: Int
        let satisfaction: String
        let hours: String
        let sanctions: Int
    }

    struct DepartmentPage: Encodable {
        let sub = "departments"
 let layout: PageLayout; let month: String; let rows: [DepartmentRow] }

    /// 部门考核: cases dispatched to each department received in the month (cohort), its returns and
    /// missed deadlines in the month; ranked by on-time rate, then fewer returns and overdue cases.
    @Sendable static func departments(req: Request) async throws -> Response {
        let page = try await departmentRanking(req)
        guard let format = req.query[String.self, at: "format"].flatMap(Spreadsheet.Format.init(rawValue:)) else {
            return try await req.view.render("assessment/departments", page).encodeResponse(for: req)
        }
        var rows = [["\(page.month) 部门考核"], ["名次", "部门", "交办", "办结", "按期办结率", "退回", "退回率", "超时", "满意率", "平均办理（小时）", "问责"]]
        rows += page.rows.map { [String($0.rank), $0.name, String($0.received), String($0.closed), $0.onTime, String($0.returns), $0.returnRate,
                                 String($0.overdue), $0.satisfaction, $0.hours, String($0.sanctions)] }
        return try RegistryListController.download(Spreadsheet.write(rows, as: format), name: "部门考核-\(page.month).\(format.rawValue)", format: format)
    }

    static func departmentRanking(_ req: Request) async throws -> DepartmentPage {
        _ = try staff(req)
        let month = try month(req)
        let start = month.first.startInstant, stop = month.next.first.startInstant
        let departments = try await Department.query(on: req.db).filter(\.$active == true).sort(\.$code).all()
        var facts: [UUID: CaseFacts] = [:]
        let cases = try await Case.query(on: req.db).filter(\.$lastDepartmentID != nil).filter(\.$reportedAt >= start).filter(\.$reportedAt < stop).all()
        for c in cases {
            guard let d = c.lastDepartmentID else { continue }
            let one = CaseFacts(status: c.status, overdue: c.overdue, escalated: c.escalatedAt != nil, satisfaction: c.satisfaction, resolution: c.resolution,
                                handlingLevel: nil, reportedAt: c.reportedAt, closedAt: c.closedAt)
            facts[d] = (facts[d] ?? CaseFacts()) + one
        }
        // Returns (退回) by department staff in the month.
        let returns = try await TimelineEntry.query(on: req.db).filter(\.$action == ActionKind.returnCase.rawValue).filter(\.$at >= start).filter(\.$at < stop).all()
        let actorIDs = Array(Set(returns.compactMap { UUID(uuidString: $0.actorID) }))
        let memberships = try await RoleAssignment.query(on: req.db).filter(\.$user.$id ~~ actorIDs).filter(\.$department.$id != nil).all()
        let departmentOf = Dictionary(memberships.map { ($0.$user.id, $0.$department.id!) }, uniquingKeysWith: { a, _ in a })
        var returned: [UUID: Int] = [:]
        for r in returns { if let u = UUID(uuidString: r.actorID), let d = departmentOf[u] { returned[d, default: 0] += 1 } }
        var sanctioned: [String: Int] = [:]
        for s in try await Sanction.query(on: req.db).filter(\.$targetType == .department).filter(\.$issuedAt >= start).filter(\.$issuedAt < stop).all() {
            sanctioned[s.targetID, default: 0] += 1
        }
        var overdue: [UUID: Int] = [:]
        for n in try await NegativeListEntry.query(on: req.db).filter(\.$departmentID != nil).filter(\.$createdAt >= start).filter(\.$createdAt < stop).all() {
            overdue[n.departmentID!, default: 0] += 1
        }
        let rows = departments.map { d -> (Department, CaseFacts, Int, Int) in (d, facts[d.id!] ?? CaseFacts(), returned[d.id!] ?? 0, overdue[d.id!] ?? 0) }
            .filter { $0.1.received > 0 || $0.2 > 0 || $0.3 > 0 }
            .sorted { a, b in
                let ra = CaseRates(a.1).onTime ?? 0, rb = CaseRates(b.1).onTime ?? 0
                return ra != rb ? ra > rb : (a.2 + a.3, a.0.code) < (b.2 + b.3, b.0.code)
            }
        return DepartmentPage(
            layout: PageLayout(req, title: "部门考核 · \(month.text)", section: "stats"), month: month.text,
            rows: rows.enumerated().map { i, r in
                let rates = CaseRates(r.1)
                return DepartmentRow(rank: i + 1, name: r.0.name, received: r.1.received, closed: r.1.closed, onTime: CaseRates.percent(rates.onTime),
                                     returns: r.2, returnRate: r.1.received + r.2 == 0 ? "—" : CaseRates.percent(Double(r.2) / Double(r.1.received + r.2)),
                                     overdue: r.3, satisfaction: CaseRates.percent(rates.satisfaction),
                                     hours: rates.averageHandlingHours.map { String(format: "%.1f", $0) } ?? "—",
                                     sanctions: sanctioned[r.0.id!.uuidString] ?? 0)
            })
    }
}
