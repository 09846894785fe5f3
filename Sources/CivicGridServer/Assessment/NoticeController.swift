import Fluent
import GridCore
import Vapor

/// 督办通报: the month's supervision notice for an area — overall figures, the cases that went
/// overdue with who held them, the grid and department rankings, the sanctions — as a printable
/// A4 page (the browser's "打印 → 另存为 PDF" gives the PDF).
enum NoticeController {
    struct Figure: Encodable { let label: String; let value: String }
    struct LateCase: Encodable { let code: String; let href: String; let title: String; let holder: String; let step: String; let late: String }
    struct Ranked: Encodable { let rank: Int; let name: String; let score: String }
    struct Sanctioned: Encodable { let kind: String; let target: String; let reason: String; let caseCode: String }

    struct Page: Encodable {
        let layout: PageLayout
        let sub = "notice"
        let areaName: String
        let month: String
        let title: String
        let issued: String
        let figures: [Figure]
        let lateCases: [LateCase]
        let top: [Ranked]
        let bottom: [Ranked]
        let departments: [Ranked]
        let sanctions: [Sanctioned]
        let gridCount: Int
        let average: String
    }

    @Sendable static func show(req: Request) async throws -> View {
        let user = try AssessmentController.staff(req)
        let area = try await req.areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let month = try AssessmentController.month(req)
        let start = month.first.startInstant, stop = month.next.first.startInstant
        let totals = try await CaseRollup.totals(area: area.id!, from: month.first.description, to: month.last.description, by: [], on: req.db).facts
        let rates = CaseRates(totals)
        // Deadlines missed in the month, for cases in the area (the negative list), with their holders.
        let negatives = try await NegativeListEntry.query(on: req.db).join(Case.self, on: \NegativeListEntry.$case.$id == \Case.$id)
            .join(Area.self, on: \Case.$grid.$id == \Area.$id).filter(areaWithin: area.areaPath)
            .filter(\.$createdAt >= start).filter(\.$createdAt < stop).sort(\.$createdAt).limit(200).with(\.$case).all()
        let deadlineIDs = negatives.map(\.deadlineID)
        let deadlines = Dictionary(try await CaseDeadline.query(on: req.db).filter(\.$id ~~ deadlineIDs).all().map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let areaNames = Dictionary(try await Area.query(on: req.db).filter(\.$id ~~ negatives.compactMap(\.areaID)).all().map { ($0.id!, $0.name) },
                                   uniquingKeysWith: { a, _ in a })
        let departmentNames = Dictionary(try await Department.query(on: req.db).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let lateCases = negatives.map { n in
            let d = deadlines[n.deadlineID]
            let link = ResponsibilityLink(step: n.kind.displayName, holder: "", from: d?.startedAt ?? n.createdAt, due: d?.dueAt ?? n.createdAt, done: d?.metAt ?? d?.endedAt)
            return LateCase(code: n.case.code, href: SiteURL.caseDetail(n.case.id!).path, title: n.case.title,
                            holder: n.departmentID.flatMap { departmentNames[$0] } ?? n.areaID.flatMap { areaNames[$0] } ?? "—",
                            step: n.kind.displayName, late: link.verdict(now: req.now))
        }
        let grids = try await AssessmentController.grids(of: area, on: req.db)
        let scores = try await req.assessment.scores(grids, month)
        let ranked = scores.enumerated().map { Ranked(rank: $0.offset + 1, name: $0.element.grid.name, score: AssessmentController.f($0.element.total)) }
        let average = scores.isEmpty ? 0 : scores.reduce(0) { $0 + $1.total } / Double(scores.count)
        // Departments by on-time rate of the month's dispatched cases.
        var departmentFacts: [UUID: CaseFacts] = [:]
        for c in try await Case.query(on: req.db).join(Area.self, on: \Case.$grid.$id == \Area.$id).filter(areaWithin: area.areaPath)
            .filter(\.$lastDepartmentID != nil).filter(\.$reportedAt >= start).filter(\.$reportedAt < stop).all() {
            departmentFacts[c.lastDepartmentID!] = (departmentFacts[c.lastDepartmentID!] ?? CaseFacts())
                + CaseFacts(status: c.status, overdue: c.overdue, escalated: false, satisfaction: c.satisfaction, resolution: c.resolution,
                            handlingLevel: nil, reportedAt: c.reportedAt, closedAt: c.closedAt)
        }
        let departments = departmentFacts.sorted { (CaseRates($0.value).onTime ?? 0, $1.key.uuidString) > (CaseRates($1.value).onTime ?? 0, $0.key.uuidString) }
            .enumerated().map { i, d in
                Ranked(rank: i + 1, name: departmentNames[d.key] ?? "", score: "按期办结率 \(CaseRates.percent(CaseRates(d.value).onTime))，交办 \(d.value.received) 件")
            }
        let sanctions = try await AccountabilityService.inMonth(month, area: area, on: req.db)
        let y = month.first.year, m = month.first.month
        return try await req.view.render("assessment/notice", Page(
            layout: PageLayout(req, title: "督办通报 · \(area.name) · \(month.text)", section: "stats"),
            areaName: area.name, month: month.text, title: "关于\(y)年\(m)月网格化服务管理工作情况的通报",
            issued: "\(area.name)网格化服务管理指挥中心 · \(Formatting.dateTime(req.now).prefix(10))",
            figures: [
                Figure(label: "受理", value: "\(totals.received) 件"), Figure(label: "办结", value: "\(totals.closed) 件"),
                Figure(label: "办结率", value: CaseRates.percent(rates.closure)), Figure(label: "按期办结率", value: CaseRates.percent(rates.onTime)),
                Figure(label: "满意率", value: CaseRates.percent(rates.satisfaction)), Figure(label: "超时", value: "\(totals.overdue) 件"),
            ],
            lateCases: lateCases, top: Array(ranked.prefix(5)), bottom: ranked.count > 5 ? Array(ranked.suffix(5)) : [], departments: departments,
            sanctions: sanctions.map { Sanctioned(kind: $0.kind.displayName, target: $0.targetName, reason: $0.reason, caseCode: $0.caseCode ?? "") },
            gridCount: scores.count, average: AssessmentController.f(average)))
    }
}
