import Foundation
import XCTest
@testable import GridCore

/// 延期, 缓办, 退单审核 and 改派, 回访 and 重办, 撤件 and 作废, and the 时限灯: each through the machine.
final class ExceptionPathTests: XCTestCase {
    let machine = CaseMachine(calendar: officialCalendar)
    let now = bj("2026-11-18 10:00")

    func apply(_ action: CaseAction, by actor: CaseActor, _ c: CaseSnapshot, at time: Date? = nil) throws -> Transition {
        try machine.apply(action, by: actor, to: c, now: time ?? now)
    }

    func refused(_ action: CaseAction, by actor: CaseActor, _ c: CaseSnapshot, _ expected: CaseRuleViolation, at time: Date? = nil,
                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try apply(action, by: actor, c, at: time), file: file, line: line) {
            XCTAssertEqual($0 as? CaseRuleViolation, expected, file: file, line: line)
        }
    }

    /// CG holds it, dispatched by the community, resolution due Fri 27 Nov 24:00.
    func atDepartment(_ status: CaseStatus = .inProgress) -> CaseSnapshot {
        var c = Cast.snapshot(status)
        c.resolveDue = bj("2026-11-28 00:00")
        c.dispatchCount = 1
        return c
    }

    // MARK: 延期

    func testTheHolderAsksForMoreWorkingDaysAndTheDispatcherDecides() throws {
        let c = atDepartment()
        let asked = try apply(.requestExtension(reason: "需采购配件", length: .workingDays(3)), by: Cast.cg, c)
        XCTAssertEqual(asked.opens, PendingRequest(kind: .extension, requestedBy: .department("CG"), decider: .area(Cast.community, .community),
                                                   proposedDue: bj("2026-12-03 00:00"), requestedByUser: "cg"), "three working days after Fri 27: Mon 30, Tue 1, Wed 2")
        XCTAssertEqual(asked.to, .inProgress)
        XCTAssertTrue(asked.ends.isEmpty && asked.starts.isEmpty, "a pending request does not stop the clock")
        XCTAssertEqual(asked.notify, [.area(Cast.community, .community)])
        refused(.requestExtension(reason: "x", length: .workingDays(3)), by: Cast.gs, c, .notPermitted(.requestExtension))
        refused(.requestExtension(reason: " ", length: .workingDays(3)), by: Cast.cg, c, .reasonRequired(.requestExtension))
        refused(.requestExtension(reason: "x", length: .workingDays(31)), by: Cast.cg, c, .invalidExtension)
        refused(.requestExtension(reason: "x", length: .until(bj("2026-11-27 12:00"))), by: Cast.cg, c, .invalidExtension)

        var pending = c
        pending.pending = asked.opens
        refused(.requestExtension(reason: "再延", length: .workingDays(1)), by: Cast.cg, pending, .requestPending(.extension))
        refused(.decideExtension(approved: true, comment: ""), by: Cast.cg, pending, .notPermitted(.decideExtension))
        refused(.decideExtension(approved: true, comment: ""), by: Cast.streetOp, pending, .notPermitted(.decideExtension))
        refused(.decideExtension(approved: false, comment: ""), by: Cast.communityOp, pending, .reasonRequired(.decideExtension))
        refused(.decideExtension(approved: true, comment: ""), by: Cast.communityOp, c, .noPendingRequest(.extension))

        let granted = try apply(.decideExtension(approved: true, comment: "同意"), by: Cast.communityOp, pending)
        XCTAssertEqual(granted.ends, [.resolve])
        XCTAssertEqual(granted.endReason, .extended, "the old stint ends as 延期, not missed")
        XCTAssertEqual(granted.starts.first?.0, PlannedDeadline(kind: .resolve, due: bj("2026-12-03 00:00")))
        XCTAssertEqual(granted.starts.first?.1, .department("CG"))
        XCTAssertTrue(granted.extensionGranted)
        XCTAssertEqual(granted.notify, [.department("CG")])

        let denied = try apply(.decideExtension(approved: false, comment: "配件可本地采购"), by: Cast.communityOp, pending)
        XCTAssertTrue(denied.ends.isEmpty && denied.starts.isEmpty && !denied.extensionGranted)
        XCTAssertTrue(denied.decides! == (.extension, false))
    }

    func testMoreWorkingDaysCountFromTheDayTheCurrentDeadlineEnds() throws {
        var c = atDepartment()
        c.resolveDue = bj("2026-11-24 00:00")  // Mon 23 24:00
        let asked = try apply(.requestExtension(reason: "x", length: .workingDays(3)), by: Cast.cg, c)
        XCTAssertEqual(asked.opens?.proposedDue, bj("2026-11-27 00:00"), "Tue 24, Wed 25, Thu 26")
    }

    func testAtMostTwoExtensionsAndOnlyWhileAClockRuns() {
        var c = atDepartment()
        c.extensionsUsed = 2
        refused(.requestExtension(reason: "x", length: .workingDays(1)), by: Cast.cg, c, .tooManyExtensions(max: 2))
        let generous = CaseMachine(calendar: officialCalendar, rules: WorkflowRules(maxExtensions: 3))
        XCTAssertNoThrow(try generous.apply(.requestExtension(reason: "x", length: .workingDays(1)), by: Cast.cg, to: c, now: now))
        refused(.requestExtension(reason: "x", length: .workingDays(1)), by: Cast.communityOp, Cast.snapshot(.accepted),
                .notAllowedInStatus(.requestExtension, .accepted))
        var noClock = atDepartment()
        noClock.resolveDue = nil
        refused(.requestExtension(reason: "x", length: .workingDays(1)), by: Cast.cg, noClock, .notAllowedInStatus(.requestExtension, .inProgress))
    }

    func testACommunityHandlingItselfAsksTheStreet() throws {
        var c = Cast.snapshot(.inProgress, holder: .area(Cast.community, .community))
        c.holder = .area(Cast.community, .community)
        c.dispatchedBy = nil
        c.resolveDue = bj("2026-11-28 00:00")
        let asked = try apply(.requestExtension(reason: "x", length: .until(bj("2026-12-05 00:00"))), by: Cast.communityOp, c)
        XCTAssertEqual(asked.opens?.decider, .area(Cast.street, .street))
        XCTAssertEqual(asked.opens?.proposedDue, bj("2026-12-05 00:00"))
        var atDistrict = c
        atDistrict.holder = .area(Cast.district, .district)
        let own = try apply(.requestExtension(reason: "x", length: .workingDays(2)), by: Cast.districtOp, atDistrict).opens
        XCTAssertEqual(own?.decider, .area(Cast.district, .district), "the top command center decides its own")
        var cityAbove = atDistrict
        cityAbove.ancestors[.city] = AreaPath("/1/")!
        XCTAssertEqual(try apply(.requestExtension(reason: "x", length: .workingDays(2)), by: Cast.districtOp, cityAbove).opens?.decider,
                       .area(Cast.district, .district), "the city is no command center")
        atDistrict.pending = own
        refused(.decideExtension(approved: true, comment: ""), by: Cast.districtOp, atDistrict, .notPermitted(.decideExtension))
        XCTAssertNoThrow(try apply(.decideExtension(approved: true, comment: ""), by: Cast.districtLeader, atDistrict), "by someone else")
    }

    // MARK: 缓办

    func testSuspensionIsApprovedAboveThePausedClockResumesWithWhatItHadLeft() throws {
        let c = atDepartment(.inProgress)
        let review = bj("2027-03-01 00:00")
        let asked = try apply(.suspend(reason: "待明年预算", reviewAt: review), by: Cast.cg, c)
        XCTAssertEqual(asked.opens?.kind, .suspension)
        XCTAssertEqual(asked.to, .inProgress, "nothing is paused before the approval")
        refused(.suspend(reason: "x", reviewAt: bj("2026-11-17 00:00")), by: Cast.cg, c, .invalidReviewDate)
        refused(.suspend(reason: "x", reviewAt: bj("2028-01-01 00:00")), by: Cast.cg, c, .invalidReviewDate)
        refused(.suspend(reason: "x", reviewAt: review), by: Cast.gs, c, .notPermitted(.suspend))

        var pending = c
        pending.pending = asked.opens
        refused(.decideSuspension(approved: true, comment: ""), by: Cast.cg, pending, .notPermitted(.decideSuspension))
        let approved = try apply(.decideSuspension(approved: true, comment: ""), by: Cast.communityOp, pending)
        XCTAssertEqual(approved.to, .suspended)
        XCTAssertEqual(approved.ends, [.resolve, .onSite])
        XCTAssertEqual(approved.endReason, .suspended)
        // Wed 18 10:00 to Fri 27 24:00: Thu 19 … Fri 27 are seven working days left.
        XCTAssertEqual(approved.suspension, Suspension(resumeStatus: .inProgress, remainingWorkingDays: 7, reviewAt: review))

        var suspended = c
        suspended.status = .suspended
        suspended.resolveDue = nil
        suspended.suspension = approved.suspension
        for kind in [ActionKind.reply, .markOnSite, .requestExtension, .returnCase, .acknowledge] {
            XCTAssertFalse(machine.allowedActions(for: Cast.cg, on: suspended, now: now).contains(kind), "\(kind) while suspended")
        }
        refused(.resume(""), by: Cast.cg, suspended, .reasonRequired(.resume))
        refused(.resume("x"), by: Cast.gs, suspended, .notPermitted(.resume))
        refused(.resume("x"), by: .system, suspended, .notYetDue, at: bj("2027-02-28 23:00"))
        let early = try apply(.resume("预算已提前到位"), by: Cast.cg, suspended, at: bj("2026-12-01 10:00"))
        XCTAssertEqual(early.to, .inProgress)
        XCTAssertEqual(early.starts.first?.0, PlannedDeadline(kind: .resolve, due: bj("2026-12-11 00:00")), "seven working days from Tue 1 Dec")
        XCTAssertTrue(early.clearsSuspension)
        XCTAssertEqual(try apply(.resume("x"), by: Cast.communityOp, suspended).to, .inProgress, "the approver may bring it back too")
        let onTime = try apply(.resume(""), by: .system, suspended, at: bj("2027-03-01 06:00"))
        XCTAssertEqual(onTime.to, .inProgress, "the review date brings it back to the holder's queue")
        XCTAssertEqual(onTime.starts.first?.1, .department("CG"))
    }

    func testASuspensionRefusedChangesNothingAndOneRequestAtATime() throws {
        var pending = atDepartment()
        pending.pending = PendingRequest(kind: .suspension, requestedBy: .department("CG"), decider: .area(Cast.community, .community),
                                         reviewAt: bj("2027-01-01 00:00"))
        let refusedOne = try apply(.decideSuspension(approved: false, comment: "应先行临时处置"), by: Cast.communityOp, pending)
        XCTAssertEqual(refusedOne.to, .inProgress)
        XCTAssertNil(refusedOne.suspension)
        refused(.requestExtension(reason: "x", length: .workingDays(1)), by: Cast.cg, pending, .requestPending(.suspension))
        refused(.decideExtension(approved: true, comment: ""), by: Cast.communityOp, pending, .noPendingRequest(.extension))
        // The department replies meanwhile: the request is moot.
        XCTAssertTrue(try apply(.reply("已临时处置"), by: Cast.cg, pending).cancelsPending)
        XCTAssertFalse(try apply(.urge("请尽快"), by: Cast.streetOp, pending).cancelsPending)
    }

    // MARK: 退单审核 and 改派

    func testAReturnWaitsForTheDispatcherWhoApprovesOrRefuses() throws {
        let c = atDepartment(.dispatched)
        let asked = try apply(.returnCase("不属于城管职责，应交供水"), by: Cast.cg, c)
        XCTAssertEqual(asked.to, .dispatched, "the department keeps it until the dispatcher decides")
        XCTAssertEqual(asked.holder, .department("CG"))
        XCTAssertEqual(asked.opens, PendingRequest(kind: .returnCase, requestedBy: .department("CG"), decider: .area(Cast.community, .community),
                                                   requestedByUser: "cg"))
        var pending = c
        pending.pending = asked.opens
        refused(.reviewReturn(approved: true, comment: ""), by: Cast.streetOp, pending, .notPermitted(.reviewReturn))
        refused(.reviewReturn(approved: false, comment: ""), by: Cast.communityOp, pending, .reasonRequired(.reviewReturn))
        refused(.returnCase("再退"), by: Cast.cg, pending, .requestPending(.returnCase))

        let back = try apply(.reviewReturn(approved: true, comment: "改派供水公司"), by: Cast.communityOp, pending)
        XCTAssertEqual(back.to, .accepted)
        XCTAssertEqual(back.holder, .area(Cast.community, .community))
        XCTAssertNil(back.dispatchedBy)
        XCTAssertEqual(back.starts.first?.0.kind, .resolve)
        XCTAssertFalse(back.returnRefused)

        var returned = Cast.snapshot(.accepted)
        returned.dispatchCount = 1
        let again = try apply(.dispatch(department: "GS", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp, returned)
        XCTAssertTrue(again.redispatch, "a second dispatch is a 改派")
        XCTAssertFalse(try apply(.dispatch(department: "GS", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp,
                                 Cast.snapshot(.accepted)).redispatch)

        let kept = try apply(.reviewReturn(approved: false, comment: "井盖属市政设施，由城管负责"), by: Cast.communityOp, pending)
        XCTAssertEqual(kept.to, .dispatched)
        XCTAssertEqual(kept.holder, .department("CG"))
        XCTAssertTrue(kept.returnRefused)
        XCTAssertEqual(kept.notify, [.department("CG")])
    }

    // MARK: 回访 and 重办

    func closedFromResident() -> CaseSnapshot {
        var c = Cast.snapshot(.closed, holder: .department("CG"))
        c.channel = .resident
        c.acceptedBy = Cast.community
        c.callbackOpen = true
        return c
    }

    func testClosingAResidentsCaseStartsACallbackAtTheCenterThatAcceptedIt() throws {
        var replied = Cast.snapshot(.replied, holder: .department("CG"))
        replied.channel = .hotline12345
        replied.acceptedBy = Cast.district
        let closed = try apply(.verify(passed: true, ""), by: Cast.worker, replied)
        XCTAssertTrue(closed.callbackStarts)
        XCTAssertEqual(closed.starts.first?.0, PlannedDeadline(kind: .callback, due: bj("2026-11-21 00:00")), "two working days: Thu 19, Fri 20")
        XCTAssertEqual(closed.starts.first?.1, .area(Cast.district, .district))
        var fromWorker = replied
        fromWorker.channel = .gridWorker
        XCTAssertFalse(try apply(.verify(passed: true, ""), by: Cast.worker, fromWorker).callbackStarts, "grid workers' own reports are not called back")
        refused(.callback(CallbackOutcome(contact: .reached)), by: Cast.communityOp, Cast.snapshot(.inProgress), .notAllowedInStatus(.callback, .inProgress))
        var done = closedFromResident()
        done.callbackOpen = false
        refused(.callback(CallbackOutcome(contact: .reached)), by: Cast.communityOp, done, .noCallbackDue)
    }

    func testACallbackThatFindsItUnsolvedSendsItBackAsRework() throws {
        let c = closedFromResident()
        refused(.callback(CallbackOutcome(contact: .reached)), by: Cast.otherStreetOp, c, .notPermitted(.callback))
        refused(.callback(CallbackOutcome(contact: .reached)), by: Cast.cg, c, .notPermitted(.callback))
        let happy = try apply(.callback(CallbackOutcome(contact: .reached, resolved: true, satisfaction: .satisfied)), by: Cast.communityOp, c)
        XCTAssertEqual(happy.meets, [.callback])
        XCTAssertEqual(happy.callbackEnds, .reached)
        XCTAssertEqual(happy.to, .closed)
        XCTAssertFalse(happy.rework)
        for outcome in [CallbackOutcome(contact: .reached, resolved: true, satisfaction: .unsatisfied, note: "路面仍积水"),
                        CallbackOutcome(contact: .reached, resolved: false, satisfaction: .mostlySatisfied)] {
            let back = try apply(.callback(outcome), by: Cast.communityOp, c)
            XCTAssertEqual(back.to, .inProgress)
            XCTAssertEqual(back.holder, .department("CG"), "back to the last handler")
            XCTAssertTrue(back.rework)
            XCTAssertEqual(back.meets, [.callback])
            XCTAssertFalse(back.ends.contains(.callback))
            XCTAssertEqual(back.starts.first?.0.kind, .resolve)
        }
        XCTAssertEqual(try apply(.callback(CallbackOutcome(contact: .reached)), by: Cast.streetOp, c).callbackEnds, .reached, "a center above may call too")
    }

    func testThreeUnansweredCallsCloseTheCallbackAsUnreachable() throws {
        var c = closedFromResident()
        let first = try apply(.callback(CallbackOutcome(contact: .noAnswer)), by: Cast.communityOp, c)
        XCTAssertNil(first.callbackEnds)
        XCTAssertTrue(first.meets.isEmpty, "the callback clock keeps running")
        XCTAssertEqual(first.callbackAttempt?.contact, .noAnswer)
        c.callbackAttempts = 2
        let third = try apply(.callback(CallbackOutcome(contact: .noAnswer)), by: Cast.communityOp, c)
        XCTAssertEqual(third.callbackEnds, .unreachable)
        XCTAssertEqual(third.meets, [.callback])
        XCTAssertEqual(try apply(.callback(CallbackOutcome(contact: .refused)), by: Cast.communityOp, closedFromResident()).callbackEnds, .refused)
        XCTAssertEqual(CallbackOutcome(contact: .reached, resolved: false, satisfaction: .unsatisfied, note: "仍漏水").summary, "已联系，未解决，不满意：仍漏水")
    }

    func testAReopenOrUnsatisfiedRatingEndsAnOpenCallback() throws {
        let c = closedFromResident()
        XCTAssertTrue(try apply(.reopen("复发"), by: Cast.communityOp, c).ends.contains(.callback))
        XCTAssertTrue(try apply(.rate(.unsatisfied, ""), by: Cast.resident, c).ends.contains(.callback))
    }

    // MARK: 撤件 and 作废

    func testTheReporterOrStaffOnTheirBehalfWithdraws() throws {
        let c = atDepartment()
        let byReporter = try apply(.withdraw("已自行解决"), by: Cast.resident, c)
        XCTAssertEqual(byReporter.to, .withdrawn)
        XCTAssertEqual(byReporter.ends, Set(DeadlineKind.allCases))
        XCTAssertEqual(byReporter.endReason, .withdrawn)
        XCTAssertEqual(try apply(.withdraw("居民来电撤回"), by: Cast.communityOp, c).to, .withdrawn)
        refused(.withdraw("x"), by: Cast.otherWorker, c, .notPermitted(.withdraw))
        refused(.withdraw("x"), by: Cast.cg, c, .notPermitted(.withdraw))
        refused(.withdraw(""), by: Cast.resident, c, .reasonRequired(.withdraw))
        refused(.withdraw("x"), by: Cast.resident, Cast.snapshot(.closed), .notAllowedInStatus(.withdraw, .closed))
        var suspended = c
        suspended.status = .suspended
        suspended.suspension = Suspension(resumeStatus: .inProgress, remainingWorkingDays: 3, reviewAt: bj("2027-01-01 00:00"))
        XCTAssertTrue(try apply(.withdraw("不需要了"), by: Cast.resident, suspended).clearsSuspension)
    }

    func testAVoidIsAskedOfTheLevelAbove() throws {
        let c = Cast.snapshot(.accepted)
        let asked = try apply(.void("重复录入"), by: Cast.communityOp, c)
        XCTAssertEqual(asked.opens, PendingRequest(kind: .void, requestedBy: .area(Cast.community, .community), decider: .area(Cast.street, .street),
                                                   requestedByUser: "community-op"))
        XCTAssertEqual(asked.to, .accepted)
        refused(.void("x"), by: Cast.worker, c, .notPermitted(.void))
        refused(.void("x"), by: Cast.otherStreetOp, c, .notPermitted(.void))
        var pending = c
        pending.pending = asked.opens
        refused(.decideVoid(approved: true, comment: ""), by: Cast.communityOp, pending, .notPermitted(.decideVoid))
        let voided = try apply(.decideVoid(approved: true, comment: ""), by: Cast.streetOp, pending)
        XCTAssertEqual(voided.to, .voided)
        XCTAssertEqual(voided.endReason, .voided)
        XCTAssertEqual(try apply(.decideVoid(approved: false, comment: "并非误录"), by: Cast.streetOp, pending).to, .accepted)
        for kind in ActionKind.allCases {
            XCTAssertFalse(Cast.everyone.contains { machine.allowedActions(for: $0, on: Cast.snapshot(.voided), now: now).contains(kind) }
                           && kind != .report, "\(kind) on a voided case")
        }
    }

    // MARK: 时限灯

    func testTheLightTurnsYellowAtEightyPercentAndRedWhenOverdue() {
        let start = bj("2026-11-18 10:00"), due = bj("2026-11-19 10:00")
        XCTAssertEqual(DeadlineLight.of(startedAt: start, dueAt: due, now: bj("2026-11-19 05:11")), .green, "79.9 %")
        XCTAssertEqual(DeadlineLight.of(startedAt: start, dueAt: due, now: bj("2026-11-19 05:12")), .yellow, "80 %")
        XCTAssertEqual(DeadlineLight.of(startedAt: start, dueAt: due, now: bj("2026-11-19 09:59")), .yellow)
        XCTAssertEqual(DeadlineLight.of(startedAt: start, dueAt: due, now: due), .red)
        XCTAssertEqual(DeadlineLight.of(startedAt: start, dueAt: start, now: start), .red, "no time allowed")
        XCTAssertEqual(DeadlineLight.yellow.displayName, "即将超时")
        XCTAssertEqual([DeadlineLight.red, .green, .yellow].max(), .red)
    }

    func testWithdrawnAndVoidedCasesAreClosedForGoodAndShownAsSuch() {
        XCTAssertFalse(CaseStatus.withdrawn.isOpen)
        XCTAssertFalse(CaseStatus.voided.isOpen)
        XCTAssertTrue(CaseStatus.suspended.isOpen)
        XCTAssertEqual(CaseStatus.suspended.publicStatus(overdue: true), "暂缓办理")
        XCTAssertEqual(CaseStatus.withdrawn.publicStatus(overdue: false), "已撤件")
    }
}
