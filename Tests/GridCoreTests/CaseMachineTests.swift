import Foundation
import XCTest
@testable import GridCore

/// A district /1/2/ with street /1/2/3/, community /1/2/3/4/, grids /1/2/3/4/5/ and /1/2/3/4/6/,
/// and a second street /1/2/7/.
enum Cast {
    static let district = AreaPath("/1/2/")!, street = AreaPath("/1/2/3/")!, community = AreaPath("/1/2/3/4/")!
    static let grid = AreaPath("/1/2/3/4/5/")!, otherGrid = AreaPath("/1/2/3/4/6/")!, otherStreet = AreaPath("/1/2/7/")!
    static let ancestors: [AreaLevel: AreaPath] = [.district: district, .street: street, .community: community, .grid: grid]

    static func on(_ role: Role, _ path: AreaPath, _ level: AreaLevel, id: String) -> CaseActor {
        CaseActor(userID: id, held: [.init(role: role, areaPath: path, areaLevel: level)])
    }
    static let worker = on(.gridWorker, grid, .grid, id: "worker")
    static let otherWorker = on(.gridWorker, otherGrid, .grid, id: "other-worker")
    static let gridLeader = on(.gridLeader, community, .community, id: "leader-of-grids")
    static let communityOp = on(.operator, community, .community, id: "community-op")
    static let streetOp = on(.operator, street, .street, id: "street-op")
    static let otherStreetOp = on(.operator, otherStreet, .street, id: "other-street-op")
    static let districtOp = on(.operator, district, .district, id: "district-op")
    static let districtLeader = on(.leader, district, .district, id: "district-leader")
    static let cg = CaseActor(userID: "cg", held: [.init(role: .handler, departmentID: "CG")])
    static let gs = CaseActor(userID: "gs", held: [.init(role: .handler, departmentID: "GS")])
    static let resident = CaseActor(userID: "resident", held: [])
    static let everyone = [worker, otherWorker, gridLeader, communityOp, streetOp, otherStreetOp, districtOp, districtLeader, cg, gs, resident]

    static func snapshot(_ status: CaseStatus, holder: Holder = .area(community, .community)) -> CaseSnapshot {
        var c = CaseSnapshot(status: status, gridPath: grid, ancestors: ancestors, holder: holder, reporterID: "resident")
        if status == .awaitingApproval { c.holder = .area(grid, .grid) }
        if [.dispatched, .inProgress].contains(status), holder == .area(community, .community) {
            c.holder = .department("CG")
            c.dispatchedBy = community
        }
        if status == .replied || status == .closed { c.lastDepartment = "CG" }
        return c
    }
}

final class CaseMachineTests: XCTestCase {
    let machine = CaseMachine(calendar: officialCalendar)
    let now = bj("2026-11-18 10:00")

    func apply(_ action: CaseAction, by actor: CaseActor, _ c: CaseSnapshot, at time: Date? = nil) throws -> Transition {
        try machine.apply(action, by: actor, to: c, now: time ?? now)
    }

    // MARK: The on-site clock follows the case

    func testARunningOnSiteClockMovesToEachNewHolderWithItsDueTime() throws {
        // setup: a utility case accepted by the community, its 到场时限 due tomorrow
        let due = bj("2026-11-19 10:00")
        var c = Cast.snapshot(.accepted)
        c.onSiteDue = due
        c.onSitePending = true
        // act, validate: dispatched, the clock is the department's
        let dispatched = try apply(.dispatch(department: "GS", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp, c)
        XCTAssertTrue(dispatched.starts.contains { $0.0 == PlannedDeadline(kind: .onSite, due: due) && $0.1 == .department("GS") })
        // escalated, the street's
        let escalated = try apply(.escalate("跨社区"), by: Cast.communityOp, c)
        XCTAssertTrue(escalated.starts.contains { $0.0 == PlannedDeadline(kind: .onSite, due: due) && $0.1 == .area(Cast.street, .street) })
        // returned by the department, the dispatcher's again
        var held = Cast.snapshot(.inProgress, holder: .department("GS"))
        held.dispatchedBy = Cast.community
        held.onSiteDue = due
        held.pending = try apply(.returnCase("不属于本单位"), by: Cast.gs, held).opens
        let returned = try apply(.reviewReturn(approved: true, comment: ""), by: Cast.communityOp, held)
        XCTAssertTrue(returned.starts.contains { $0.0 == PlannedDeadline(kind: .onSite, due: due) && $0.1 == .area(Cast.community, .community) })
    }

    func testAnOnSiteClockAlreadyMissedStaysWithWhoMissedItAndNoneStartsWithoutOne() throws {
        var c = Cast.snapshot(.accepted)
        c.onSiteDue = bj("2026-11-18 09:00")  // an hour before now: missed by the community
        let late = try apply(.dispatch(department: "GS", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp, c)
        XCTAssertFalse(late.starts.contains { $0.0.kind == .onSite })
        let none = try apply(.dispatch(department: "GS", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp, Cast.snapshot(.accepted))
        XCTAssertEqual(none.starts.map(\.0.kind), [.resolve], "a general case has no on-site clock to move")
    }

    // MARK: Intake

    func testEachChannelLandsAtItsCommandCenter() {
        let resident = machine.intake(channel: .resident, ancestors: Cast.ancestors, needsApproval: false, reportedAt: now, policy: .general)
        XCTAssertEqual(resident.status, .reported)
        XCTAssertEqual(resident.holder, .area(Cast.community, .community))
        XCTAssertEqual(resident.deadlines, [PlannedDeadline(kind: .accept, due: bj("2026-11-19 10:00"))])
        let hotline = machine.intake(channel: .hotline12345, ancestors: Cast.ancestors, needsApproval: false, reportedAt: now, policy: .utilities)
        XCTAssertEqual(hotline.holder, .area(Cast.district, .district))
        XCTAssertEqual(hotline.deadlines.map(\.kind), [.accept, .onSite])
        let video = machine.intake(channel: .videoPatrol, ancestors: Cast.ancestors, needsApproval: false, reportedAt: now, policy: .general)
        XCTAssertEqual(video.holder, .area(Cast.street, .street))
        let worker = machine.intake(channel: .gridWorker, ancestors: Cast.ancestors, needsApproval: true, reportedAt: now, policy: .general)
        XCTAssertEqual(worker.status, .awaitingApproval)
        XCTAssertEqual(worker.holder, .area(Cast.grid, .grid))
    }

    // MARK: The happy path, step by step

    func testGridLeaderApprovesBeforeTheCaseLeavesTheGrid() throws {
        let c = Cast.snapshot(.awaitingApproval)
        let t = try apply(.approveEscalation, by: Cast.gridLeader, c)
        XCTAssertEqual(t.to, .reported)
        XCTAssertEqual(t.holder, .area(Cast.community, .community))
        XCTAssertEqual(t.meets, [.accept], "the grid's clock stops")
        XCTAssertEqual(t.starts.first?.0, PlannedDeadline(kind: .accept, due: bj("2026-11-19 10:00")), "the community's 24 hours start now")
        XCTAssertEqual(t.starts.first?.1, .area(Cast.community, .community))
        XCTAssertThrowsError(try apply(.approveEscalation, by: Cast.worker, c)) { XCTAssertEqual($0 as? CaseRuleViolation, .notPermitted(.approveEscalation)) }
    }

    func testSmallThingsNeverLeaveTheGrid() throws {
        let t = try apply(.resolveOnSite("已清理堵塞的下水口"), by: Cast.worker, Cast.snapshot(.awaitingApproval))
        XCTAssertEqual(t.to, .closed)
        XCTAssertEqual(t.resolution, .resolvedOnSite)
        XCTAssertEqual(t.meets, [.accept, .onSite, .resolve])
        XCTAssertThrowsError(try apply(.resolveOnSite("x"), by: Cast.otherWorker, Cast.snapshot(.awaitingApproval)))
        XCTAssertThrowsError(try apply(.resolveOnSite(" "), by: Cast.worker, Cast.snapshot(.reported))) {
            XCTAssertEqual($0 as? CaseRuleViolation, .reasonRequired(.resolveOnSite))
        }
    }

    func testOnlyTheHoldingCommandCenterAccepts() throws {
        let c = Cast.snapshot(.reported)
        let t = try apply(.accept, by: Cast.communityOp, c)
        XCTAssertEqual(t.to, .accepted)
        XCTAssertEqual(t.meets, [.accept])
        XCTAssertEqual(t.starts.first?.0, PlannedDeadline(kind: .resolve, due: bj("2026-11-28 00:00")))
        XCTAssertEqual(t.starts.first?.1, .area(Cast.community, .community))
        for actor in [Cast.streetOp, Cast.districtOp, Cast.worker, Cast.cg, Cast.resident] {
            XCTAssertThrowsError(try apply(.accept, by: actor, c), actor.userID)
        }
    }

    func testRejectionNeedsAReason() throws {
        let c = Cast.snapshot(.reported)
        XCTAssertThrowsError(try apply(.reject(.duplicate, ""), by: Cast.communityOp, c))
        let t = try apply(.reject(.duplicate, "与 430204001001001-20261118-001 重复"), by: Cast.communityOp, c)
        XCTAssertEqual(t.to, .rejected)
        XCTAssertEqual(CaseAction.reject(.duplicate, "同上").comment, "重复诉求：同上")
    }

    func testEscalationGoesUpOneLevelAtATimeAndStopsAtTheDistrict() throws {
        let atCommunity = Cast.snapshot(.accepted)
        let up = try apply(.escalate("需街道协调"), by: Cast.communityOp, atCommunity)
        XCTAssertEqual(up.holder, .area(Cast.street, .street))
        XCTAssertEqual(up.to, .accepted)
        XCTAssertEqual(up.escalation?.from, Cast.community)
        XCTAssertEqual(up.ends, [.resolve])
        let atStreet = Cast.snapshot(.accepted, holder: .area(Cast.street, .street))
        XCTAssertEqual(try apply(.escalate("需区级平台"), by: Cast.streetOp, atStreet).holder, .area(Cast.district, .district))
        XCTAssertThrowsError(try apply(.escalate("x"), by: Cast.otherStreetOp, atStreet))
        let atDistrict = Cast.snapshot(.accepted, holder: .area(Cast.district, .district))
        XCTAssertThrowsError(try apply(.escalate("x"), by: Cast.districtOp, atDistrict)) { XCTAssertEqual($0 as? CaseRuleViolation, .noUpperLevel) }
    }

    func testDispatchToALeadDepartmentWithCoHandlersAndADeadline() throws {
        let c = Cast.snapshot(.accepted)
        let t = try apply(.dispatch(department: "CG", coHandlers: ["HW", "CG"], workingDays: 3, note: "集体会商"), by: Cast.communityOp, c)
        XCTAssertEqual(t.to, .dispatched)
        XCTAssertEqual(t.holder, .department("CG"))
        XCTAssertEqual(t.coHandlers, ["HW"], "the lead is not its own co-handler")
        XCTAssertEqual(t.dispatchedBy, Cast.community)
        XCTAssertEqual(t.starts.first?.0.due, bj("2026-11-24 00:00"), "Thu 19, Fri 20, Mon 23")
        XCTAssertEqual(t.notify, [.department("CG"), .department("HW")])
        XCTAssertThrowsError(try apply(.dispatch(department: "CG", coHandlers: [], workingDays: 0, note: ""), by: Cast.communityOp, c)) {
            XCTAssertEqual($0 as? CaseRuleViolation, .invalidDeadline)
        }
    }

    func testDepartmentSignsOrReturnsWithAReason() throws {
        let c = Cast.snapshot(.dispatched)
        XCTAssertEqual(try apply(.acknowledge, by: Cast.cg, c).to, .inProgress)
        XCTAssertThrowsError(try apply(.acknowledge, by: Cast.gs, c), "another department cannot sign")
        XCTAssertThrowsError(try apply(.returnCase(""), by: Cast.cg, c))
        let back = try apply(.returnCase("不属于城管职责，应交供水"), by: Cast.cg, c)
        XCTAssertEqual(back.to, .dispatched, "a return waits for the dispatcher's review (ExceptionPathTests)")
        XCTAssertEqual(back.opens?.decider, .area(Cast.community, .community))
    }

    func testReplyThenVerifyCloses() throws {
        let working = Cast.snapshot(.inProgress)
        let replied = try apply(.reply("已更换井盖，附照片"), by: Cast.cg, working)
        XCTAssertEqual(replied.to, .replied)
        XCTAssertEqual(replied.resolution, .handledByDepartment)
        XCTAssertTrue(replied.meets.contains(.resolve))
        let c = Cast.snapshot(.replied, holder: .department("CG"))
        XCTAssertEqual(try apply(.verify(passed: true, ""), by: Cast.worker, c).to, .closed)
        XCTAssertEqual(try apply(.verify(passed: true, ""), by: Cast.resident, c).to, .closed, "the reporter verifies too")
        XCTAssertThrowsError(try apply(.verify(passed: true, ""), by: Cast.otherWorker, c))
        let failed = try apply(.verify(passed: false, "井盖仍松动"), by: Cast.worker, c)
        XCTAssertEqual(failed.to, .inProgress)
        XCTAssertEqual(failed.holder, .department("CG"))
        XCTAssertThrowsError(try apply(.verify(passed: false, ""), by: Cast.worker, c))
    }

    func testTheFourWaysOfTriage() throws {
        let c = Cast.snapshot(.accepted)
        XCTAssertEqual(try apply(.handleLocally("社区自行调解"), by: Cast.communityOp, c).to, .inProgress)
        XCTAssertEqual(try apply(.escalate("需街道协调"), by: Cast.communityOp, c).holder, .area(Cast.street, .street))
        XCTAssertEqual(try apply(.dispatch(department: "CG", coHandlers: [], workingDays: nil, note: ""), by: Cast.communityOp, c).to, .dispatched)
        let explained = try apply(.explain("该路段已列入明年改造计划"), by: Cast.communityOp, c)
        XCTAssertEqual(explained.to, .replied)
        XCTAssertEqual(explained.resolution, .explained)
    }

    func testLocallyHandledCasesAreRepliedByTheirCommandCenter() throws {
        let c = Cast.snapshot(.inProgress, holder: .area(Cast.community, .community))
        var local = c
        local.holder = .area(Cast.community, .community)
        local.dispatchedBy = nil
        let t = try apply(.reply("已调解"), by: Cast.communityOp, local)
        XCTAssertEqual(t.to, .replied)
        XCTAssertNil(t.resolution)
    }

    func testReopenAndUnsatisfiedRatingGoBackToTheDepartment() throws {
        let closed = Cast.snapshot(.closed, holder: .department("CG"))
        let reopened = try apply(.reopen("居民反映问题复发"), by: Cast.streetOp, closed)
        XCTAssertEqual(reopened.to, .inProgress)
        XCTAssertEqual(reopened.holder, .department("CG"))
        XCTAssertEqual(reopened.starts.first?.0.kind, .resolve)
        XCTAssertThrowsError(try apply(.reopen("x"), by: Cast.otherStreetOp, closed))
        let unhappy = try apply(.rate(.unsatisfied, "没修好"), by: Cast.resident, closed)
        XCTAssertEqual(unhappy.rating, .unsatisfied)
        XCTAssertEqual(unhappy.to, .inProgress)
        let happy = try apply(.rate(.satisfied, ""), by: Cast.resident, closed)
        XCTAssertEqual(happy.to, .closed)
        var rated = closed
        rated.rated = true
        XCTAssertThrowsError(try apply(.rate(.satisfied, ""), by: Cast.resident, rated)) { XCTAssertEqual($0 as? CaseRuleViolation, .alreadyRated) }
        XCTAssertThrowsError(try apply(.rate(.satisfied, ""), by: Cast.otherWorker, closed))
    }

    func testReopenWithoutADepartmentReturnsToTriage() throws {
        var closed = Cast.snapshot(.closed, holder: .area(Cast.community, .community))
        closed.lastDepartment = nil
        let t = try apply(.reopen("复发"), by: Cast.communityOp, closed)
        XCTAssertEqual(t.to, .accepted)
        XCTAssertEqual(t.holder, .area(Cast.community, .community))
    }

    func testUtilityCasesRecordBeingOnSite() throws {
        var c = Cast.snapshot(.inProgress)
        XCTAssertThrowsError(try apply(.markOnSite, by: Cast.cg, c)) { XCTAssertEqual($0 as? CaseRuleViolation, .nothingOnSite) }
        c.onSitePending = true
        XCTAssertEqual(try apply(.markOnSite, by: Cast.cg, c).meets, [.onSite])
        XCTAssertEqual(try apply(.markOnSite, by: Cast.cg, c).to, .inProgress)
    }

    func testUrgeAndSuperviseAtAnyOpenState() throws {
        for status in [CaseStatus.reported, .accepted, .dispatched, .inProgress] {
            let c = Cast.snapshot(status)
            XCTAssertEqual(try apply(.urge("请加快办理"), by: Cast.streetOp, c).to, status)
            XCTAssertEqual(try apply(.supervise("区督办"), by: Cast.districtLeader, c).notify, [c.holder])
            XCTAssertThrowsError(try apply(.supervise("x"), by: Cast.communityOp, c), "community operators urge, they do not supervise")
            XCTAssertThrowsError(try apply(.urge("x"), by: Cast.otherStreetOp, c))
        }
        XCTAssertThrowsError(try apply(.urge("x"), by: Cast.streetOp, Cast.snapshot(.closed)))
    }

    // MARK: Inquiry (问题质询制)

    func escalatedToStreet(at time: Date) -> CaseSnapshot {
        var c = Cast.snapshot(.accepted, holder: .area(Cast.street, .street))
        c.escalatedFrom = Cast.community
        c.escalatedTo = Cast.street
        c.escalatedAt = time
        return c
    }

    func testLowerLevelMayQueryAfterSevenWorkingDays() throws {
        let c = escalatedToStreet(at: bj("2026-09-29 10:00"))
        // Tue 29 Sep: working days after it are 30 Sep, then 8, 9, 10 (调休), 12, 13 Oct … the 7th is 14 Oct.
        XCTAssertThrowsError(try apply(.fileInquiry("为何未办"), by: Cast.communityOp, c, at: bj("2026-10-14 20:00"))) {
            XCTAssertEqual($0 as? CaseRuleViolation, .inquiryTooEarly(workingDaysHeld: 6, needed: 7))
        }
        let t = try apply(.fileInquiry("为何未办"), by: Cast.communityOp, c, at: bj("2026-10-15 09:00"))
        XCTAssertTrue(t.inquiryOpened)
        XCTAssertEqual(t.starts.first?.0, PlannedDeadline(kind: .inquiryAnswer, due: bj("2026-10-21 00:00")))
        XCTAssertEqual(t.starts.first?.1, .area(Cast.street, .street))
        XCTAssertThrowsError(try apply(.fileInquiry("x"), by: Cast.streetOp, c, at: bj("2026-10-15 09:00")), "only the lower level files")
    }

    func testUpperLevelAnswersTheInquiry() throws {
        var c = escalatedToStreet(at: bj("2026-09-29 10:00"))
        XCTAssertThrowsError(try apply(.answerInquiry("正在协调"), by: Cast.streetOp, c)) { XCTAssertEqual($0 as? CaseRuleViolation, .noOpenInquiry) }
        c.hasOpenInquiry = true
        XCTAssertThrowsError(try apply(.fileInquiry("再问"), by: Cast.communityOp, c, at: bj("2026-10-20 09:00"))) {
            XCTAssertEqual($0 as? CaseRuleViolation, .inquiryAlreadyOpen)
        }
        let answer = try apply(.answerInquiry("已协调住建局，本周内完成"), by: Cast.streetOp, c)
        XCTAssertTrue(answer.inquiryAnswered)
        XCTAssertEqual(answer.meets, [.inquiryAnswer])
        XCTAssertThrowsError(try apply(.answerInquiry("x"), by: Cast.communityOp, c))
    }

    func testCasesThatWereNeverEscalatedCannotBeQueried() {
        XCTAssertThrowsError(try apply(.fileInquiry("x"), by: Cast.communityOp, Cast.snapshot(.accepted), at: bj("2027-01-01 09:00")))
    }

    // MARK: Exhaustive: which statuses allow which actions, for anyone

    func testEveryActionIsLegalInExactlyItsStatuses() {
        let expected: [ActionKind: Set<CaseStatus>] = [
            .approveEscalation: [.awaitingApproval],
            .resolveOnSite: [.awaitingApproval, .reported],
            .accept: [.reported],
            .reject: [.reported, .accepted],
            .handleLocally: [.accepted],
            .escalate: [.accepted],
            .dispatch: [.accepted],
            .explain: [.accepted],
            .acknowledge: [.dispatched],
            .returnCase: [.dispatched, .inProgress],
            .markOnSite: [.dispatched, .inProgress],
            .reply: [.inProgress],
            .verify: [.replied],
            .reopen: [.closed],
            .rate: [.closed],
            .urge: [.awaitingApproval, .reported, .accepted, .dispatched, .inProgress, .suspended],
            .supervise: [.awaitingApproval, .reported, .accepted, .dispatched, .inProgress, .suspended],
            .requestExtension: [.inProgress],
            .suspend: [.accepted, .inProgress],
            .resume: [.suspended],
            .callback: [.closed],
            .withdraw: [.awaitingApproval, .reported, .accepted, .dispatched, .inProgress, .replied, .suspended],
            .void: [.awaitingApproval, .reported, .accepted, .dispatched, .inProgress, .replied, .suspended],
            // Decisions need a pending request (ExceptionPathTests).
            .decideExtension: [], .decideSuspension: [], .reviewReturn: [], .decideVoid: [],
            .recategorize: [.reported, .accepted, .dispatched, .inProgress, .replied],
        ]
        XCTAssertEqual(Set(expected.keys), Set(ActionKind.allCases).subtracting([.report, .fileInquiry, .answerInquiry]),
                       "every action is in the table")
        for (kind, statuses) in expected {
            for status in CaseStatus.allCases {
                var c = Cast.snapshot(status)
                c.onSitePending = true
                c.resolveDue = bj("2026-12-31 00:00")
                c.channel = .resident
                c.callbackOpen = status == .closed
                if status == .suspended {
                    c.suspension = Suspension(resumeStatus: .inProgress, remainingWorkingDays: 3, reviewAt: bj("2027-01-01 00:00"))
                }
                let allowed = Cast.everyone.contains { !machine.allowedActions(for: $0, on: c, now: now).filter { $0 == kind }.isEmpty }
                XCTAssertEqual(allowed, statuses.contains(status), "\(kind) in \(status)")
            }
        }
    }

    func testResidentsAndOtherStreetsCanDoNothingToAnOpenCase() {
        for status in CaseStatus.allCases where status.isOpen && status != .replied {
            XCTAssertEqual(machine.allowedActions(for: Cast.otherStreetOp, on: Cast.snapshot(status), now: now), [], "\(status)")
        }
        XCTAssertEqual(machine.allowedActions(for: Cast.resident, on: Cast.snapshot(.reported), now: now), [.withdraw], "the reporter may withdraw")
    }

    func testTheCommandCenterSeesItsButtons() {
        XCTAssertEqual(machine.allowedActions(for: Cast.communityOp, on: Cast.snapshot(.reported), now: now), [.accept, .reject, .urge, .withdraw, .void, .recategorize])
        XCTAssertEqual(machine.allowedActions(for: Cast.communityOp, on: Cast.snapshot(.accepted), now: now),
                       [.reject, .handleLocally, .escalate, .dispatch, .explain, .urge, .suspend, .withdraw, .void, .recategorize])
        XCTAssertEqual(machine.allowedActions(for: Cast.cg, on: Cast.snapshot(.dispatched), now: now), [.acknowledge, .returnCase])
        var working = Cast.snapshot(.inProgress)
        working.resolveDue = bj("2026-11-28 00:00")
        XCTAssertEqual(machine.allowedActions(for: Cast.cg, on: working, now: now), [.returnCase, .markOnSite, .reply, .requestExtension, .suspend].filter {
            $0 != .markOnSite })
    }
}

final class TimelineChainTests: XCTestCase {
    func records() -> [TimelineRecord] {
        (1...4).map { i in
            TimelineRecord(caseCode: "430204001001001-20261118-001", seq: i, at: bj("2026-11-18 10:00").addingTimeInterval(Double(i) * 60.7),
                           actorID: "u\(i)", actorName: "张三", role: "operator", level: "community", action: "accept",
                           fromStatus: "reported", toStatus: "accepted", comment: "第\(i)步", attachments: i == 2 ? ["p1.jpg"] : [])
        }
    }

    func chained(_ records: [TimelineRecord]) -> [(record: TimelineRecord, previousHash: String, hash: String)] {
        var previous = TimelineChain.genesis
        return records.map { r in
            let h = TimelineChain.hash(r, previous: previous)
            defer { previous = h }
            return (r, previous, h)
        }
    }

    /// Stored hashes must verify forever: the hash of a known record is pinned (computed apart, with
    /// Python's hashlib over the same canonical text), the separator inside a field included.
    func testTheHashOfAKnownRecordNeverChanges() {
        let r = TimelineRecord(caseCode: "430204001001001-20261118-001", seq: 1, at: bj("2026-11-18 10:00").addingTimeInterval(60.7),
                               actorID: "u1", actorName: "张三", role: "operator", level: "community", action: "accept",
                               fromStatus: "reported", toStatus: "accepted", comment: "第1步\u{1F}附注", attachments: ["p1.jpg", "p2.jpg"])
        XCTAssertEqual(TimelineChain.hash(r, previous: TimelineChain.genesis), "5fdbb9381d5f007ef30ce4090da4103349690d2ba11b0468362698ebc56282ce")
    }

    func testAnIntactChainVerifies() {
        XCTAssertNil(TimelineChain.verify(chained(records())))
        XCTAssertEqual(records()[0].at.timeIntervalSince1970.truncatingRemainder(dividingBy: 1), 0, "whole seconds")
    }

    func testATamperedRowIsFound() {
        var rows = chained(records())
        let r = rows[1].record
        rows[1].record = TimelineRecord(caseCode: r.caseCode, seq: r.seq, at: r.at, actorID: r.actorID, actorName: r.actorName, role: r.role,
                                        level: r.level, action: r.action, fromStatus: r.fromStatus, toStatus: "closed", comment: r.comment,
                                        attachments: r.attachments)
        XCTAssertEqual(TimelineChain.verify(rows)?.seq, 2)
        XCTAssertTrue(TimelineChain.verify(rows)!.why.contains("被改动"))
    }

    func testADeletedRowIsFound() {
        var rows = chained(records())
        rows.remove(at: 2)
        XCTAssertEqual(TimelineChain.verify(rows)?.seq, 4)
    }

    func testARecomputedHashStillBreaksTheNextLink() {
        var rows = chained(records())
        let r = rows[0].record
        let forged = TimelineRecord(caseCode: r.caseCode, seq: 1, at: r.at, actorID: r.actorID, actorName: "李四", role: r.role, level: r.level,
                                    action: r.action, fromStatus: r.fromStatus, toStatus: r.toStatus, comment: r.comment)
        rows[0] = (forged, TimelineChain.genesis, TimelineChain.hash(forged, previous: TimelineChain.genesis))
        XCTAssertEqual(TimelineChain.verify(rows)?.seq, 2)
        XCTAssertTrue(TimelineChain.verify(rows)!.why.contains("前一条"))
    }
}
