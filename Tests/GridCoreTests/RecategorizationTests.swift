import Foundation
import XCTest
@testable import GridCore

/// 改分类: who may change a case's 小类, and how its running clocks are recomputed with the time already used.
final class RecategorizationTests: XCTestCase {
    let machine = CaseMachine(calendar: officialCalendar)
    let now = bj("2026-11-18 10:00")  // Wednesday
    let pipeBurst = SLAPolicy(acceptHours: 12, onSiteHours: 24, resolveWorkingDays: 3)
    let fiveDays = SLAPolicy(resolveWorkingDays: 5)

    func to(_ policy: SLAPolicy, _ reason: String = "热线类别有误，实为供水管道爆裂") -> CaseAction {
        .recategorize(Recategorization(category: "GS01", name: "供水管道破损", previousName: "待分类（热线类别未对照）", policy: policy, reason: reason))
    }

    func apply(_ action: CaseAction, by actor: CaseActor, _ c: CaseSnapshot) throws -> Transition {
        try machine.apply(action, by: actor, to: c, now: now)
    }

    func refused(_ action: CaseAction, by actor: CaseActor, _ c: CaseSnapshot, _ expected: CaseRuleViolation, line: UInt = #line) {
        XCTAssertThrowsError(try apply(action, by: actor, c), line: line) { XCTAssertEqual($0 as? CaseRuleViolation, expected, line: line) }
    }

    /// A hotline order that arrived 待分类 at the district yesterday noon, waiting to be accepted.
    func unmappedOrder() -> CaseSnapshot {
        var c = Cast.snapshot(.reported, holder: .area(Cast.district, .district))
        c.category = "QT99"
        c.reportedAt = bj("2026-11-17 12:00")
        c.runningClocks = [.init(kind: .accept, startedAt: bj("2026-11-17 12:00"))]
        return c
    }

    /// A department working on a utility case since Monday morning: on-site still owed, resolution running.
    func atDepartment(resolveSince start: Date = bj("2026-11-16 09:00")) -> CaseSnapshot {
        var c = Cast.snapshot(.inProgress)
        c.category = "SR01"
        c.reportedAt = bj("2026-11-16 08:00")
        c.acceptedBy = Cast.community
        c.onSiteDue = bj("2026-11-17 08:00")
        c.runningClocks = [.init(kind: .onSite, startedAt: bj("2026-11-16 08:00")), .init(kind: .resolve, startedAt: start)]
        return c
    }

    func testTheNewPolicyAppliesFromTheChangeWithTheTimeAlreadyUsedCounted() throws {
        let t = try apply(to(fiveDays), by: Cast.communityOp, atDepartment())
        XCTAssertEqual(t.recategorized?.category, "GS01")
        XCTAssertEqual(t.to, .inProgress, "the case stays where it is")
        XCTAssertEqual(t.holder, .department("CG"))
        XCTAssertEqual(t.endReason, .recategorized)
        XCTAssertEqual(t.ends, [.onSite, .resolve], "the new category asks for no on-site visit: that clock just ends")
        // Five working days counted from Monday's dispatch: Tue 17 … Mon 23, so due Tue 24 00:00 — not five more from today (Thu 26).
        XCTAssertEqual(t.starts.map(\.0), [PlannedDeadline(kind: .resolve, due: bj("2026-11-24 00:00"), countedFrom: bj("2026-11-16 09:00"))])
        XCTAssertEqual(t.starts.map(\.1), [.department("CG")], "answered for by the same holder")
        XCTAssertNil(t.opens)
        XCTAssertFalse(t.cancelsPending)
    }

    func testALimitAlreadyUsedUpLeavesOneWorkingDayNotAnInstantMiss() throws {
        // Resolution since Fri 13 under a 3-day category: Mon 16, Tue 17, Wed 18 — it would have been due this morning.
        let t = try apply(to(SLAPolicy(resolveWorkingDays: 3)), by: Cast.communityOp, atDepartment(resolveSince: bj("2026-11-13 09:00")))
        XCTAssertEqual(t.starts.first { $0.0.kind == .resolve }?.0.due, bj("2026-11-20 00:00"), "one working day after today (Thu 19)")
    }

    func testAnUnmappedHotlineOrderGetsTheUtilityClocks() throws {
        let t = try apply(to(pipeBurst), by: Cast.districtOp, unmappedOrder())
        XCTAssertEqual(t.to, .reported)
        XCTAssertEqual(t.ends, [.accept])
        XCTAssertEqual(t.starts.map(\.0), [
            // 12 hours from yesterday noon were up at midnight: one hour from now instead.
            PlannedDeadline(kind: .accept, due: bj("2026-11-18 11:00"), countedFrom: bj("2026-11-17 12:00")),
            // The new category wants someone on site within 24 hours of the report.
            PlannedDeadline(kind: .onSite, due: bj("2026-11-18 12:00"), countedFrom: bj("2026-11-17 12:00")),
        ])
        XCTAssertEqual(t.starts.map(\.1), [.area(Cast.district, .district), .area(Cast.district, .district)])
    }

    func testAnOnSiteVisitAlreadyMadeIsNotAskedForAgain() throws {
        var c = atDepartment()
        c.runningClocks = [.init(kind: .resolve, startedAt: bj("2026-11-16 09:00"))]
        c.onSiteDue = nil
        c.onSiteMet = true
        let t = try apply(to(pipeBurst), by: Cast.communityOp, c)
        XCTAssertFalse(t.starts.contains { $0.0.kind == .onSite })
    }

    func testAnApprovedExtensionKeepsItsDate() throws {
        var c = atDepartment()
        c.extensionsUsed = 1
        let t = try apply(to(fiveDays), by: Cast.communityOp, c)
        XCTAssertFalse(t.ends.contains(.resolve))
        XCTAssertFalse(t.starts.contains { $0.0.kind == .resolve })
    }

    func testARepliedCaseOnlyChangesItsCategory() throws {
        var c = Cast.snapshot(.replied)
        c.category = "SR01"
        let t = try apply(to(pipeBurst), by: Cast.communityOp, c)
        XCTAssertTrue(t.ends.isEmpty && t.starts.isEmpty)
        XCTAssertEqual(t.recategorized?.category, "GS01")
    }

    func testTheAcceptingCenterTheHolderAndTheDispatcherMayNobodyElse() throws {
        let c = atDepartment()
        XCTAssertNoThrow(try apply(to(fiveDays), by: Cast.communityOp, c), "the dispatcher (and accepting center)")
        var acceptedByStreet = c
        acceptedByStreet.acceptedBy = Cast.street
        acceptedByStreet.dispatchedBy = Cast.street
        XCTAssertNoThrow(try apply(to(fiveDays), by: Cast.streetOp, acceptedByStreet))
        XCTAssertNoThrow(try apply(to(pipeBurst), by: Cast.districtOp, unmappedOrder()), "the center holding it before acceptance")
        for actor in [Cast.cg, Cast.gs, Cast.worker, Cast.gridLeader, Cast.streetOp, Cast.otherStreetOp, Cast.districtLeader, Cast.resident] {
            refused(to(fiveDays), by: actor, c, .notPermitted(.recategorize))
        }
        refused(to(pipeBurst), by: Cast.communityOp, unmappedOrder(), .notPermitted(.recategorize))
        XCTAssertTrue(machine.allowedActions(for: Cast.communityOp, on: c, now: now).contains(.recategorize))
        XCTAssertFalse(machine.allowedActions(for: Cast.cg, on: c, now: now).contains(.recategorize))
    }

    func testAReasonANewCategoryAndAnUnsettledCase() {
        let c = atDepartment()
        refused(to(fiveDays, "  "), by: Cast.communityOp, c, .reasonRequired(.recategorize))
        refused(.recategorize(Recategorization(category: "SR01", reason: "x")), by: Cast.communityOp, c, .sameCategory)
        for status in [CaseStatus.awaitingApproval, .suspended, .closed, .rejected, .withdrawn, .voided] {
            refused(to(fiveDays), by: Cast.communityOp, Cast.snapshot(status), .notAllowedInStatus(.recategorize, status))
        }
    }

    func testTheTrailSaysFromWhatToWhatAndWhy() {
        XCTAssertEqual(to(pipeBurst).comment, "类别由“待分类（热线类别未对照）”改为“供水管道破损”：热线类别有误，实为供水管道爆裂")
        XCTAssertEqual(CaseAction.recategorize(Recategorization(category: "x", reason: "分错了")).comment, "分错了")
    }
}
