import Fluent
import Foundation
import GridCore

/// A case with everything its actions read and change: loaded once, changed in memory by the
/// state machine's transitions, then written back (`CaseService.persist`). The demo history keeps
/// thousands of these in memory and writes them in bulk; the web writes one per request.
final class CaseAggregate {
    let record: Case
    /// The grid and its ancestors (holders, dispatchers and escalations are always among them).
    let chain: [Area]
    /// The category's time limits (改分类 replaces them).
    var policy: SLAPolicy
    var deadlines: [CaseDeadline]
    var openInquiry: Inquiry?
    /// The request waiting for a decision (延期, 缓办, 退单, 作废), if any.
    var openRequest: CaseRequest?
    var lastSeq: Int
    var lastHash: String
    let isNew: Bool

    // Rows to write.
    var dirtyDeadlines: [CaseDeadline] = []
    var newDeadlines: [CaseDeadline] = []
    var newEntries: [TimelineEntry] = []
    var newInquiries: [Inquiry] = []
    var dirtyInquiries: [Inquiry] = []
    var newNotifications: [Notification] = []
    var newNegatives: [NegativeListEntry] = []
    var newPhotos: [CasePhoto] = []
    var newRequests: [CaseRequest] = []
    var dirtyRequests: [CaseRequest] = []
    var newCallbacks: [CaseCallback] = []
    /// What the rollups hold for this case (nil: nothing yet); `CaseRollup.record` adds the difference.
    var rollupBaseline: CaseFacts?
    /// The department the rollups counted the case under (its last one), for moving it when that changes.
    var rollupDepartment: UUID?
    /// The category the rollups counted the case under, for moving it when an operator changes it.
    var rollupCategory: UUID?

    init(record: Case, chain: [Area], policy: SLAPolicy, deadlines: [CaseDeadline], openInquiry: Inquiry?, openRequest: CaseRequest? = nil,
         lastSeq: Int, lastHash: String, isNew: Bool) {
        self.record = record
        self.openRequest = openRequest
        self.chain = chain
        self.policy = policy
        self.deadlines = deadlines
        self.openInquiry = openInquiry
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.isNew = isNew
        rollupBaseline = isNew ? nil : CaseRollup.facts(of: self)
        rollupDepartment = isNew ? nil : record.lastDepartmentID
        rollupCategory = isNew ? nil : record.$category.id
    }

    func holder(area id: Int?, department: UUID?) -> Holder? {
        if let department { return .department(department.uuidString) }
        return area(id).map { .area($0.areaPath, $0.level) }
    }

    /// The open request as the machine sees it.
    var pending: PendingRequest? {
        guard let r = openRequest, let requester = holder(area: r.requesterAreaID, department: r.requesterDepartmentID),
              let decider = holder(area: r.deciderAreaID, department: nil) else { return nil }
        return PendingRequest(kind: r.kind, requestedBy: requester, decider: decider, proposedDue: r.proposedDue, reviewAt: r.reviewAt,
                              requestedByUser: r.requestedBy.uuidString)
    }

    var grid: Area { chain.first { $0.id == record.$grid.id }! }

    func area(_ id: Int?) -> Area? { id.flatMap { id in chain.first { $0.id == id } } }

    var ancestors: [AreaLevel: AreaPath] { Dictionary(chain.map { ($0.level, $0.areaPath) }, uniquingKeysWith: { a, _ in a }) }

    var openDeadlines: [CaseDeadline] { deadlines.filter(\.isOpen) }

    /// What the state machine sees.
    var snapshot: CaseSnapshot {
        let c = record
        let holder: Holder
        if let department = c.$holderDepartment.id {
            holder = .department(department.uuidString)
        } else if let area = area(c.$holderArea.id) {
            holder = .area(area.areaPath, area.level)
        } else {
            holder = .area(grid.areaPath, grid.level)
        }
        var s = CaseSnapshot(
            status: c.status, gridPath: grid.areaPath, ancestors: ancestors, holder: holder, coHandlers: c.coHandlerIDs.map(\.uuidString),
            dispatchedBy: area(c.dispatchedByAreaID)?.areaPath, lastDepartment: c.lastDepartmentID?.uuidString,
            escalatedFrom: area(c.escalatedFromAreaID)?.areaPath, escalatedTo: area(c.escalatedToAreaID)?.areaPath, escalatedAt: c.escalatedAt,
            hasOpenInquiry: c.inquiryOpen, reporterID: c.$reporter.id?.uuidString, rated: c.satisfaction != nil,
            onSitePending: openDeadlines.contains { $0.kind == .onSite },
            onSiteDue: openDeadlines.first { $0.kind == .onSite }?.dueAt, policy: policy)
        s.channel = c.channel
        s.pending = pending
        s.extensionsUsed = c.extensionCount ?? 0
        s.resolveDue = openDeadlines.filter { $0.kind == .resolve }.map(\.dueAt).max()
        s.suspension = c.suspension
        s.acceptedBy = area(c.acceptedByAreaID)?.areaPath
        s.callbackOpen = c.status == .closed && c.callbackStatus == .pending
        s.callbackAttempts = c.callbackAttempts ?? 0
        s.dispatchCount = c.dispatchCount ?? 0
        s.category = c.$category.id.uuidString
        s.reportedAt = c.reportedAt
        s.onSiteMet = deadlines.contains { $0.kind == .onSite && $0.metAt != nil }
        // When each running clock began counting: the on-site clock from the report (its stints only change who answers).
        s.runningClocks = openDeadlines.filter { [.accept, .onSite, .resolve].contains($0.kind) }.map {
            RecategorizedClocks.Clock(kind: $0.kind, startedAt: $0.kind == .onSite ? c.reportedAt : $0.startedAt)
        }
        return s
    }

    func markDirty(_ deadline: CaseDeadline) {
        if !newDeadlines.contains(where: { $0 === deadline }) && !dirtyDeadlines.contains(where: { $0 === deadline }) { dirtyDeadlines.append(deadline) }
    }

    /// The sweeper's rule, in one place: a missed deadline is marked, the case shows 超时, the
    /// holder gets a negative-list entry with points and a notification.
    func markOverdue(_ deadline: CaseDeadline, now: Date) {
        deadline.overdueAt = now
        markDirty(deadline)
        record.overdue = true
        let entry = NegativeListEntry()
        entry.id = UUID()
        entry.$case.id = record.id!
        entry.deadlineID = deadline.id!
        entry.kind = deadline.kind
        entry.areaID = deadline.areaID
        entry.departmentID = deadline.departmentID
        entry.points = deadline.kind.penaltyPoints
        entry.reason = "\(record.code) \(deadline.kind.displayName)已过（应于 \(Formatting.deadline(deadline.dueAt)) 前）"
        entry.createdAt = now
        newNegatives.append(entry)
        newNotifications.append(Notification(caseID: record.id, areaID: deadline.areaID, departmentID: deadline.departmentID,
                                             text: "超时：\(entry.reason)，记入负面清单扣 \(Formatting.points(entry.points)) 分", at: now))
    }
}
