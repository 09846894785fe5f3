import Fluent
import Foundation
import GridCore
import SQLKit

/// Who may see who belongs to which special group (社区矫正, 刑满释放, 精神障碍 … are restricted).
///
/// The one rule (`RegistryRules.visibleSpecialGroups`) applied to everything that names, lists,
/// links, counts per person or hints at a membership: the special-group list, the person page,
/// coverage, assessment evidence, visit plans and visit histories, the phone app. Counts per area
/// stay allowed; a member of a hidden group is simply not there, with no "另有 N 项" hint.
struct SpecialGroupVisibility: Sendable {
    let visible: [SpecialGroupKind]

    init(_ user: CurrentUser) { visible = user.kind == .staff ? RegistryRules.visibleSpecialGroups(user.roles) : [] }
    init(roles: Set<Role>) { visible = RegistryRules.visibleSpecialGroups(roles) }

    var hidden: [SpecialGroupKind] { SpecialGroupKind.allCases.filter { !visible.contains($0) } }
    func allows(_ kind: SpecialGroupKind) -> Bool { visible.contains(kind) }

    /// Memberships this user may see.
    func members(_ query: QueryBuilder<SpecialGroupMember>) -> QueryBuilder<SpecialGroupMember> {
        query.filter(\.$kind ~~ visible)
    }

    /// `column IN (…visible kinds…)` for raw SQL over `special_group_members` (never empty: `1 = 0`).
    func sqlCondition(_ column: String) -> SQLQueryString {
        guard !visible.isEmpty else { return "1 = 0" }
        var s = SQLQueryString(column + " IN (")
        for (i, k) in visible.enumerated() {
            if i > 0 { s.appendLiteral(", ") }
            s.appendInterpolation(bind: k.rawValue)
        }
        s.appendLiteral(")")
        return s
    }

    /// Visits minus those made under a membership of a hidden group (their notes and their very
    /// existence would say who is in it). Visits with no membership stay.
    func visits(_ visits: [Visit], on db: any Database) async throws -> [Visit] {
        let memberIDs = Array(Set(visits.compactMap(\.memberID)))
        guard !memberIDs.isEmpty else { return visits }
        let kinds = Dictionary(try await SpecialGroupMember.query(on: db).filter(\.$id ~~ memberIDs).all().map { ($0.id!, $0.kind) },
                               uniquingKeysWith: { a, _ in a })
        return visits.filter { v in v.memberID.map { id in kinds[id].map(allows) ?? false } ?? true }
    }

    /// A membership named in a form (a visit "under" it): must exist for the person and be visible.
    func member(_ id: UUID, person: UUID, on db: any Database) async throws -> SpecialGroupMember? {
        try await members(SpecialGroupMember.query(on: db)).filter(\.$id == id).filter(\.$person.$id == person).first()
    }
}
