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
        case .casesFound, .onSite, .onTimeRate, .closureRate, .satisfactionRate, .verifySpeed, .validReportRate, .callbackSatisfactionRate, .reworkRate:
            header = ["编号", "标题", "渠道", "状态", "超时", "评价", "上报时间"]
            var q = Case.query(on: req.db).filter(\.$grid.$id == id).filter(\.$reportedAt >= start).filter(\.$reportedAt < stop)
            if measure == .casesFound || measure == .validReportRate { q = q.filter(\.$channel == .gridWorker) }
            if measure == .callbackSatisfactionRate { q = q.filter(\.$callbackStatus == .reached) }
            if measure == .reworkRate { q = q.filter(\.$reworkCount > 0) }
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
            // Every measure is offered: one the scheme does not use yet shows 0 points under 工作实绩.
            items: (shown.items + AssessmentScheme.Measure.allCases.filter { m in !shown.items.contains { $0.measure == m } }
                    .map { AssessmentScheme.Item($0, .work, points: 0) }).map { i in
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
            for measure in AssessmentScheme.Measure.allCases where !scheme.items.contains(where: { $0.measure == measure }) {
                if let p = try number("points_" + measure.rawValue), p > 0 { scheme.items.append(AssessmentScheme.Item(measure, .work, points: p)) }
            }
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

    // MARK: Departments and roles

    struct DepartmentRow: Encodable {
        let rank: Int
        let name: String
        let received: Int
        let closed: Int
        let onTime: String
        let returns: Int
        let returnRate: String
        let rework: String
        let extension_: String
        let overdue: Int
        let satisfaction: String
        let hours: String
        let sanctions: Int
    }

    /// A command center's or a grid's line of the role ranking: its figures in `columns` order.
    struct RoleRow: Encodable { let rank: Int; let name: String; let who: String; let values: [String] }
    struct RoleTable: Encodable { let title: String; let id: String; let note: String; let columns: [String]; let rows: [RoleRow] }

    struct DepartmentPage: Encodable {
        let sub = "departments"
        let layout: PageLayout; let month: String; let areaName: String; let rows: [DepartmentRow]; let roles: [RoleTable]
    }

    /// 部门与岗位考核: each department's cases received in the month (cohort, from the department rollups) with its
    /// missed deadlines and sanctions in the month, ranked by 按期处置率, then fewer refused returns and overdue
    /// cases; beside it the command centers below the area (按时受理率, 按时派遣率, 派遣准确率) and the grids' workers
    /// (有效上报率, 现场处置率), ranked.
    @Sendable static func departments(req: Request) async throws -> Response {
        let page = try await departmentRanking(req)
        guard let format = req.query[String.self, at: "format"].flatMap(Spreadsheet.Format.init(rawValue:)) else {
            return try await req.view.render("assessment/departments", page).encodeResponse(for: req)
        }
        var rows = [["\(page.month) 部门考核 · \(page.areaName)"],
                    ["名次", "部门", "交办", "办结", "按期处置率", "退回未获同意", "退回率", "返工率", "延期率", "超时", "满意率", "平均办理（小时）", "问责"]]
        rows += page.rows.map { [String($0.rank), $0.name, String($0.received), String($0.closed), $0.onTime, String($0.returns), $0.returnRate,
                                 $0.rework, $0.extension_, String($0.overdue), $0.satisfaction, $0.hours, String($0.sanctions)] }
        for table in page.roles {
            rows += [[], [table.title], ["名次", "名称", "人员"] + table.columns]
            rows += table.rows.map { [String($0.rank), $0.name, $0.who] + $0.values }
        }
        return try RegistryListController.download(Spreadsheet.write(rows, as: format), name: "部门考核-\(page.month).\(format.rawValue)", format: format)
    }

    static func departmentRanking(_ req: Request) async throws -> DepartmentPage {
        let user = try staff(req)
        let month = try month(req)
        let area = try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let areaID = try area.requireID()
        let start = month.first.startInstant, stop = month.next.first.startInstant
        let (from, to) = (month.first.description, month.last.description)
        let departments = try await Department.query(on: req.db).filter(\.$active == true).sort(\.$code).all()
        let facts = try await CaseRollup.perDepartment(area: areaID, from: from, to: to, on: req.db)
        var sanctioned: [String: Int] = [:]
        for s in try await Sanction.query(on: req.db).filter(\.$targetType == .department).filter(\.$issuedAt >= start).filter(\.$issuedAt < stop).all() {
            sanctioned[s.targetID, default: 0] += 1
        }
        var overdue: [UUID: Int] = [:]
        for n in try await NegativeListEntry.query(on: req.db).filter(\.$departmentID != nil).filter(\.$createdAt >= start).filter(\.$createdAt < stop).all() {
            overdue[n.departmentID!, default: 0] += 1
        }
        let rows = departments.map { d -> (Department, CaseFacts, Int) in (d, facts[d.id!] ?? CaseFacts(), overdue[d.id!] ?? 0) }
            .filter { $0.1.received > 0 || $0.2 > 0 }
            .sorted { a, b in
                let ra = CaseRates(a.1).onTime ?? 0, rb = CaseRates(b.1).onTime ?? 0
                return ra != rb ? ra > rb : (a.1.returnsRefused + a.2, a.0.code) < (b.1.returnsRefused + b.2, b.0.code)
            }
        return DepartmentPage(
            layout: PageLayout(req, title: "部门与岗位考核 · \(month.text)", section: "stats"), month: month.text, areaName: area.name,
            rows: rows.enumerated().map { i, r in
                let rates = CaseRates(r.1)
                return DepartmentRow(rank: i + 1, name: r.0.name, received: r.1.received, closed: r.1.closed, onTime: CaseRates.percent(rates.onTime),
                                     returns: r.1.returnsRefused, returnRate: CaseRates.percent(rates.returnRate), rework: CaseRates.percent(rates.rework),
                                     extension_: CaseRates.percent(rates.extension_), overdue: r.2, satisfaction: CaseRates.percent(rates.satisfaction),
                                     hours: rates.averageHandlingHours.map { String(format: "%.1f", $0) } ?? "—",
                                     sanctions: sanctioned[r.0.id!.uuidString] ?? 0)
            },
            roles: try await roleTables(req, area: area, from: from, to: to))
    }

    /// The command centers one level below `area` and the grids of its subtree, ranked.
    static func roleTables(_ req: Request, area: Area, from: String, to: String) async throws -> [RoleTable] {
        let db = req.db
        var tables: [RoleTable] = []
        let children = try await Area.query(on: db).filter(\.$parent.$id == area.id!).sort(\.$code).all()
        let centers = children.filter { [.street, .community, .district].contains($0.level) }
        if !centers.isEmpty {
            let totals = try await CaseRollup.childTotals(of: area.id!, from: from, to: to, on: db)
            let operators = try await staffNames(role: .operator, areas: centers.compactMap(\.id), on: db)
            let ranked = centers.map { ($0, CaseRates(totals[$0.id!] ?? CaseFacts())) }
                .sorted { ($0.1.acceptedOnTime ?? -1, $0.1.dispatchAccuracy ?? -1) > ($1.1.acceptedOnTime ?? -1, $1.1.dispatchAccuracy ?? -1) }
            tables.append(RoleTable(
                title: "指挥中心坐席（各\(req.state.levels.name(of: centers[0].level))）", id: "operators",
                note: "辖区内本月受理的事件：按时受理率 = 受理时限内受理 ÷ 立案；按时派遣率 = 首次派遣在受理时限内 ÷ 派遣事件；派遣准确率 = 1 − 改派 ÷ 派遣次数",
                columns: ["立案", "按时受理率", "按时派遣率", "派遣准确率"],
                rows: ranked.enumerated().map { i, r in
                    RoleRow(rank: i + 1, name: r.0.name, who: operators[r.0.id!] ?? "", values: ["\(r.1.facts.accepted)", CaseRates.percent(r.1.acceptedOnTime),
                            CaseRates.percent(r.1.dispatchedOnTime), CaseRates.percent(r.1.dispatchAccuracy)])
                }))
        }
        let grids = try await Area.query(on: db).filter(\.$level ~~ [.grid, .microGrid]).filter(within: area.areaPath).sort(\.$code).all()
        if !grids.isEmpty {
            let perGrid = try await CaseRollup.perArea(grids.compactMap(\.id), from: from, to: to, on: db)
            let workers = try await staffNames(role: .gridWorker, areas: grids.compactMap(\.id), on: db)
            func valid(_ f: CaseFacts) -> Double? { f.received == 0 ? nil : Double(f.accepted + f.onSite) / Double(f.received) }
            let ranked = grids.map { ($0, perGrid[$0.id!]?.byChannel[CaseChannel.gridWorker.rawValue] ?? CaseFacts()) }
                .sorted { (valid($0.1) ?? -1, $0.1.received) > (valid($1.1) ?? -1, $1.1.received) }
            tables.append(RoleTable(
                title: "网格员（各网格）", id: "grid-workers",
                note: "网格员本月上报的事件：有效上报率 =（立案 + 现场处置）÷ 上报；现场处置率 = 现场处置 ÷ 上报",
                columns: ["上报", "有效上报率", "现场处置率"],
                rows: ranked.enumerated().map { i, r in
                    RoleRow(rank: i + 1, name: r.0.name, who: workers[r.0.id!] ?? "", values: ["\(r.1.received)", CaseRates.percent(valid(r.1)),
                            CaseRates.percent(r.1.received == 0 ? nil : Double(r.1.onSite) / Double(r.1.received))])
                }))
        }
        return tables
    }

    /// The staff holding `role` on each area, by name.
    static func staffNames(role: Role, areas: [Int], on db: any Database) async throws -> [Int: String] {
        guard !areas.isEmpty else { return [:] }
        let held = try await RoleAssignment.query(on: db).filter(\.$role == role).filter(\.$area.$id ~~ areas).with(\.$user).all()
        var out: [Int: [String]] = [:]
        for a in held where a.user.active { if let area = a.$area.id { out[area, default: []].append(a.user.displayName) } }
        return out.mapValues { $0.sorted().joined(separator: "、") }
    }
}
