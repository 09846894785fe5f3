import Fluent
import FluentSQL
import Foundation
import GridCore
import Vapor

/// The queues and filters of the case list, as SQL over the cases a user may see.
enum CaseQueries {
    enum Tab: String, CaseIterable {
        case approval, pending, triage, approvals, sign, working, soon, overdue, verify, callback, suspended, mine, all

        var label: String {
            switch self {
            case .approval: "待审核"
            case .pending: "待受理"
            case .triage: "待交办"
            case .sign: "待签收"
            case .working: "办理中"
            case .approvals: "待审批"
            case .callback: "待回访"
            case .suspended: "缓办"
            case .soon: "即将超时"
            case .overdue: "已超时"
            case .verify: "待核查"
            case .mine: "我上报的"
            case .all: "全部"
            }
        }
    }

    /// The tabs that make sense for this user, in the order they work them.
    static func tabs(for user: CurrentUser) -> [Tab] {
        let roles = user.roles
        if user.kind == .resident { return [.mine] }
        var tabs: [Tab] = []
        if roles.contains(.gridLeader) { tabs.append(.approval) }
        if roles.contains(.operator) { tabs += [.pending, .triage, .approvals] }
        if roles.contains(.handler) { tabs.append(.sign) }
        tabs += [.working, .soon, .overdue, .verify]
        if roles.contains(.operator) { tabs.append(.callback) }
        if roles.contains(.operator) || roles.contains(.handler) { tabs.append(.suspended) }
        if roles.contains(.gridWorker) || roles.contains(.gridLeader) { tabs.append(.mine) }
        tabs.append(.all)
        return tabs
    }

    struct Filter {
        var status: CaseStatus?
        var categoryID: UUID?
        var channel: CaseChannel?
        var from: LocalDate?
        var to: LocalDate?
        var areaCode: String?
        var text: String?
        /// Cases now held by this department.
        var departmentID: UUID?
    }

    static func query(_ tab: Tab, filter: Filter, user: CurrentUser, now: Date, on db: any Database) async throws -> QueryBuilder<Case> {
        let q = CaseService.visible(to: user, on: db)
        let operatorAreas = user.assignments.filter { $0.role == .operator }.compactMap(\.areaID)
        let departments = user.assignments.compactMap(\.departmentID)
        switch tab {
        case .approval: q.filter(\Case.$status == .awaitingApproval)
        case .pending: q.filter(\Case.$status == .reported).filter(\Case.$holderArea.$id ~~ operatorAreas)
        case .triage: q.filter(\Case.$status == .accepted).filter(\Case.$holderArea.$id ~~ operatorAreas)
        case .sign: q.filter(\Case.$status == .dispatched).filter(\Case.$holderDepartment.$id ~~ departments)
        case .working: q.filter(\Case.$status ~~ [.dispatched, .inProgress])
        case .suspended: q.filter(\Case.$status == .suspended)
        case .approvals:
            // Requests waiting for this user's command centers to decide (延期, 缓办, 退单, 作废).
            q.filter(.sql(embed: """
                \(ident: Case.schema).\(ident: "id") IN (SELECT \(ident: "case_id") FROM \(ident: CaseRequest.schema) \
                WHERE \(ident: "decided_at") IS NULL AND \(ident: "cancelled_at") IS NULL AND \(ident: "decider_area_id") IN (\(binds: operatorAreas + [-1])))
                """))
        case .callback: q.filter(\Case.$status == .closed).filter(\Case.$callbackStatus == .pending).filter(\Case.$acceptedByAreaID ~~ operatorAreas)
        case .soon:
            // 即将超时 = the yellow light: a running clock past 80 % of its time, not yet due. A subquery on the
            // running-deadline index of `warn_at`, not the ids loaded and sent back as an IN list (that list grew
            // with every open case, and with it the page's time and memory).
            q.filter(.sql(embed: """
                \(ident: Case.schema).\(ident: "id") IN (SELECT \(ident: "case_id") FROM \(ident: CaseDeadline.schema) \
                WHERE \(ident: "met_at") IS NULL AND \(ident: "ended_at") IS NULL AND \(ident: "overdue_at") IS NULL \
                AND \(ident: "warn_at") <= \(bind: now) AND \(ident: "due_at") >= \(bind: now))
                """))
        case .overdue: q.filter(\Case.$overdue == true).filter(\Case.$status ~~ CaseStatus.allCases.filter(\.isOpen))
        case .verify: q.filter(\Case.$status == .replied)
        case .mine: q.filter(\Case.$reporter.$id == user.id)
        case .all: break
        }
        if let status = filter.status { q.filter(\Case.$status == status) }
        if let category = filter.categoryID { q.filter(\Case.$category.$id == category) }
        if let channel = filter.channel { q.filter(\Case.$channel == channel) }
        if let from = filter.from { q.filter(\Case.$reportedAt >= from.startInstant) }
        if let to = filter.to { q.filter(\Case.$reportedAt < to.adding(days: 1).startInstant) }
        if let department = filter.departmentID { q.filter(\Case.$holderDepartment.$id == department) }
        if let code = filter.areaCode?.trimmingCharacters(in: .whitespaces), !code.isEmpty { q.filter(.sql(embed: Area.likeCondition(\.$code, .prefix(code)))) }  // input: taken literally
        if let text = filter.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            q.group(.or) { $0.filter(\Case.$title, like: .contains(text)).filter(\Case.$code, like: .contains(text)) }
        }
        return q
    }

    /// A case's trace (全面留痕), in order.
    static func trace(of id: UUID, on db: any Database) -> QueryBuilder<TimelineEntry> {
        TimelineEntry.query(on: db).filter(\.$case.$id == id).sort(\.$seq)
    }

    /// A case's deadlines, as they started.
    static func deadlines(of id: UUID, on db: any Database) -> QueryBuilder<CaseDeadline> {
        CaseDeadline.query(on: db).filter(\.$case.$id == id).sort(\.$startedAt).sort(\.$kind)
    }
}
