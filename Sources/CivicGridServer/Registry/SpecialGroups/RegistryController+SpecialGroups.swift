import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 特殊人群: the list of the groups this user may see (`SpecialGroupVisibility`).
extension RegistryController {
    // MARK: Special groups

    struct SpecialRow: Encodable { let person: String; let href: String; let kind: String; let grid: String; let frequency: String; let lastVisit: String; let nextDue: String; let status: String; let overdue: Bool; let memberID: String; let personID: String }
    struct SpecialPage: Encodable {
        let layout: PageLayout
        let kinds: [Option]
        let statuses: [Option]
        let rows: [SpecialRow]
        let total: Int
        let overdue: Int
        let hidden: [String]
        let can: RegistryAbilities
        let today: String
        let grid: String
    }

    @Sendable static func special(req: Request) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let kindText = req.query[String.self, at: "kind"] ?? ""
        let status = req.query[String.self, at: "status"] ?? ""
        let gridID = req.query[Int.self, at: "grid"]
        let visibility = SpecialGroupVisibility(user)
        let allowed = visibility.visible
        let today = LocalDate(req.state.clock.now())
        var query = registry.specialMembers(user).filter(\.$active == true)
        if let k = SpecialGroupKind(rawValue: kindText) { query = query.filter(\.$kind == k) }
        if let gridID { query = query.filter(\.$gridID == gridID) }
        if status == "overdue" { query = query.filter(\.$nextVisitDue < today.description) }
        if status == "week" { query = query.filter(\.$nextVisitDue <= today.adding(days: 7).description) }
        let total = try await query.count()
        let overdue = try await query.copy().filter(\.$nextVisitDue < today.description).count()
        let members = try await query.sort(\.$nextVisitDue).limit(300).with(\.$person).all()
        let gridNames = Dictionary(try await registry.grids(for: user).map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return try await req.view.render("registry/special", SpecialPage(
            layout: PageLayout(req, title: "特殊人群", section: "registry"),
            kinds: allowed.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == kindText) },
            statuses: [Option(value: "overdue", label: "走访逾期", selected: status == "overdue"), Option(value: "week", label: "7 天内到期", selected: status == "week")],
            rows: members.map { m in
                let s = VisitSchedule.status(nextDue: LocalDate(m.nextVisitDue) ?? today, today: today)
                return SpecialRow(person: m.person.name, href: SiteURL.person(m.$person.id).path, kind: m.kind.displayName, grid: gridNames[m.gridID] ?? "",
                                  frequency: m.kind.visitFrequencyText, lastVisit: m.lastVisitOn ?? "尚未走访", nextDue: m.nextVisitDue,
                                  status: s.displayName, overdue: s.isOverdue, memberID: m.id!.uuidString, personID: m.$person.id.uuidString)
            },
            total: total, overdue: overdue,
            hidden: visibility.hidden.map(\.displayName),
            can: RegistryAbilities(user), today: today.description, grid: gridID.map(String.init) ?? ""))
    }
}
