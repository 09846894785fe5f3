import Fluent
import Foundation
import GridCore
import Vapor

/// 责任倒追: a case's chain of responsibility (each deadline, who held it, how late) with the staff who
/// acted in each span, and the sanctions recorded against people and units.
struct AccountabilityService {
    let db: any Database
    let app: Application
    var now: Date { app.state.clock.now() }

    struct Link {
        let link: ResponsibilityLink
        let target: String?
        let actors: [String]
    }

    struct Chain {
        let links: [Link]
        /// "user:<id>", "area:<id>", "department:<id>" → name, the targets a sanction may name for this case.
        let targets: [(key: String, label: String)]
        var failed: Bool
    }

    func chain(of c: Case) async throws -> Chain {
        let id = try c.requireID()
        let deadlines = try await CaseDeadline.query(on: db).filter(\.$case.$id == id).sort(\.$startedAt).all()
        let entries = try await TimelineEntry.query(on: db).filter(\.$case.$id == id).sort(\.$seq).all()
        let areaIDs = Array(Set(deadlines.compactMap(\.areaID)))
        let departmentIDs = Array(Set(deadlines.compactMap(\.departmentID)))
        let areas = Dictionary(try await Area.query(on: db).filter(\.$id ~~ areaIDs).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let departments = Dictionary(try await Department.query(on: db).filter(\.$id ~~ departmentIDs).all().map { ($0.id!, $0.name) },
                                     uniquingKeysWith: { a, _ in a })
        let staffIDs = Set(try await User.query(on: db).filter(\.$kind == .staff)
            .filter(\.$id ~~ Array(Set(entries.compactMap { UUID(uuidString: $0.actorID) }))).all().compactMap(\.id))
        var targets: [(String, String)] = []
        func add(_ key: String, _ label: String) { if !targets.contains(where: { $0.0 == key }) { targets.append((key, label)) } }
        let links = deadlines.map { d -> Link in
            let holder = d.departmentID.flatMap { departments[$0] } ?? d.areaID.flatMap { areas[$0] } ?? "—"
            let done = d.metAt ?? d.endedAt
            let span = entries.filter { $0.at >= d.startedAt && $0.at <= (done ?? now) }
            let actors = span.filter { e in UUID(uuidString: e.actorID).map { staffIDs.contains($0) } ?? false }
            var key: String?
            if let dep = d.departmentID { key = "department:\(dep)"; add(key!, "单位：\(holder)") }
            else if let area = d.areaID { key = "area:\(area)"; add(key!, "单位：\(holder)") }
            for a in actors { add("user:\(a.actorID)", "个人：\(a.actorName)") }
            return Link(link: ResponsibilityLink(step: d.kind.displayName, holder: holder, from: d.startedAt, due: d.dueAt, done: done),
                        target: key, actors: actors.map(\.actorName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        }
        let failed = c.overdue || c.satisfaction == .unsatisfied || links.contains { $0.link.hoursLate(now: now) > 0 }
        return Chain(links: links, targets: targets.map { (key: $0.0, label: $0.1) }, failed: failed)
    }

    /// Street level and above (operators, leaders, administrators) and supervisors record sanctions.
    static func maySanction(_ user: CurrentUser) -> Bool {
        user.kind == .staff && user.assignments.contains { a in
            a.role == .supervisor || ([.operator, .leader, .administrator].contains(a.role) && (a.areaLevel.map { $0 <= .street } ?? false))
        }
    }

    func record(_ kind: SanctionKind, target key: String, on c: Case, reason raw: String, by user: CurrentUser) async throws -> Sanction {
        guard Self.maySanction(user) else { throw Abort(.forbidden, reason: "问责由街道以上指挥中心或督导员记录") }
        let chain = try await chain(of: c)
        guard let target = chain.targets.first(where: { $0.key == key }) else { throw Abort(.unprocessableEntity, reason: "请选择本事件责任链上的单位或个人") }
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (4...500).contains(reason.count) else { throw Abort(.unprocessableEntity, reason: "请写明问责事由（4–500 字）") }
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let type = Sanction.Target(rawValue: parts[0]) else { throw Abort(.badRequest) }
        let s = Sanction()
        s.kind = kind; s.targetType = type; s.targetID = parts[1]
        s.targetName = String(target.label.split(separator: "：", maxSplits: 1).last ?? Substring(target.label))
        s.caseID = c.id; s.caseCode = c.code; s.areaID = c.$grid.id; s.reason = reason
        s.issuedBy = user.id; s.issuedByName = user.displayName; s.issuedAt = now
        try await s.create(on: db)
        return s
    }

    static func against(_ type: Sanction.Target, _ id: String, on db: any Database) async throws -> [Sanction] {
        try await Sanction.query(on: db).filter(\.$targetType == type).filter(\.$targetID == id).sort(\.$issuedAt, .descending).all()
    }

    /// Sanctions in the month whose case (or area) lies in `area`'s subtree.
    static func inMonth(_ month: AssessmentService.Month, area: Area, on db: any Database) async throws -> [Sanction] {
        try await Sanction.query(on: db).join(Area.self, on: \Sanction.$areaID == \Area.$id).filter(areaWithin: area.areaPath)
            .filter(\.$issuedAt >= month.first.startInstant).filter(\.$issuedAt < month.next.first.startInstant).sort(\.$issuedAt).all()
    }
}
