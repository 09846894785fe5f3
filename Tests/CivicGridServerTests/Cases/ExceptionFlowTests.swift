import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// The exception paths through the API and the pages, on SQLite and on PostgreSQL: 延期, 缓办, 退单审核, 回访, 撤件, 作废.
final class ExceptionFlowTests: XCTestCase {
    typealias Detail = CaseAPIController.DetailDTO

    /// Reported by the community operator for a resident (随手拍 channel: called back), accepted, dispatched to 城管, signed.
    func signedCase(_ app: Application, _ city: TestCity, title: String) async throws -> UUID {
        let community = try await app.token("op-c1")
        let created = try await app.api(.POST, "/api/v1/cases", token: community, json: """
            {"categoryID":"\(try await app.category("SZ01"))","title":"\(title)","channel":"resident","gridID":\(city.gridA.id!)}
            """)
        XCTAssertEqual(created.status, .created, created.body.string)
        let id = try created.content.decode(CaseAPIController.CaseDTO.self).id
        _ = try await act(app, id, community, #"{"action":"accept"}"#)
        _ = try await act(app, id, community, #"{"action":"dispatch","department":"\#(try await app.department("CG"))"}"#)
        _ = try await act(app, id, try await app.token("cg-1"), #"{"action":"acknowledge"}"#)
        return id
    }

    func testAnExtensionIsAskedApprovedAndMovesTheDeadlineWithItsLight() async throws {
        let clock = FixedClock(testNow)  // Wed 2026-11-18 09:00
        try await withApp(clock: clock) { app in
            // setup
            let city = try await TestCity.build(app)
            let id = try await signedCase(app, city, title: "井盖缺失")
            let cg = try await app.token("cg-1"), community = try await app.token("op-c1"), street = try await app.token("op-s1")
            // act: 井盖 has three working days (to Mon 23 24:00); on Monday morning the clock is yellow (89 %),
            // and the department asks for three more days
            clock.advance(by: 5 * 86_400)  // Mon 23 Nov 09:00
            var d = try await act(app, id, cg, #"{"action":"requestExtension","comment":"需采购配件","workingDays":3}"#)!
            XCTAssertEqual(d.deadlines.first { $0.kind == .resolve && $0.endedAt == nil }?.light, .yellow, "a pending request does not stop the clock")
            _ = try await act(app, id, cg, #"{"action":"requestExtension","comment":"再要","workingDays":1}"#, expect: .unprocessableEntity)
            _ = try await act(app, id, street, #"{"action":"decideExtension","approved":true}"#, expect: .forbidden)
            let page = app.browser()
            _ = try await page.login("op-c1")
            let pending = try await page.get("/cases/\(id)").body.string
            XCTAssertTrue(pending.contains("延期申请") && pending.contains("需采购配件") && pending.contains("延期至 2026-11-26 24:00"))
            XCTAssertTrue(pending.contains("value=\"decideExtension\""), "the dispatcher gets the decision form")
            let queue = try await page.get("/cases?tab=approvals").body.string
            XCTAssertTrue(queue.contains("井盖缺失"), "the request waits in the dispatcher's 待审批 queue")
            d = try await act(app, id, community, #"{"action":"decideExtension","approved":true,"comment":"同意"}"#)!
            // validate: the old stint ended as 延期, a new one runs to Thu 26 Nov 24:00, green again
            let resolves = d.deadlines.filter { $0.kind == .resolve }
            XCTAssertEqual(resolves.count, 3, "the community's, the department's, the extended one")
            XCTAssertEqual(resolves.filter { $0.endReason == .extended }.count, 1)
            let running = try XCTUnwrap(resolves.first { $0.endedAt == nil && $0.metAt == nil })
            XCTAssertEqual(running.dueAt, bjDate("2026-11-27"))
            XCTAssertEqual(running.light, .green)
            XCTAssertEqual(d.timeline.suffix(2).map(\.action), ["requestExtension", "decideExtension"])
            let record = try await Case.find(id, on: app.db)!
            XCTAssertEqual(record.extensionCount, 1)
            let department = app.browser()
            _ = try await department.login("cg-1")
            let html = try await department.get("/cases/\(id)").body.string
            XCTAssertTrue(html.contains("已延期") && html.contains("已同意") && html.contains("2026-11-26 24:00"))
            // A second and a third: the third is refused (at most two).
            _ = try await act(app, id, cg, #"{"action":"requestExtension","comment":"仍缺配件","until":"2026-12-10"}"#)
            _ = try await act(app, id, community, #"{"action":"decideExtension","approved":true}"#)
            _ = try await act(app, id, cg, #"{"action":"requestExtension","comment":"第三次","workingDays":2}"#, expect: .unprocessableEntity)
        }
    }

    func testASuspendedCaseIsPausedOutOfTheClosureRateAndComesBackOnItsDate() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let id = try await signedCase(app, city, title: "路面塌陷待大修")
            let cg = try await app.token("cg-1"), community = try await app.token("op-c1")
            _ = try await act(app, id, cg, #"{"action":"suspend","comment":"需列入明年大修计划","reviewDate":"2026-11-10"}"#, expect: .unprocessableEntity)
            var d = try await act(app, id, cg, #"{"action":"suspend","comment":"需列入明年大修计划","reviewDate":"2026-12-21"}"#)!
            XCTAssertEqual(d.case.status, .inProgress, "not paused before the approval")
            _ = try await act(app, id, cg, #"{"action":"decideSuspension","approved":true}"#, expect: .forbidden)
            d = try await act(app, id, community, #"{"action":"decideSuspension","approved":true,"comment":"同意缓办"}"#)!
            XCTAssertEqual(d.case.status, .suspended)
            XCTAssertTrue(d.deadlines.contains { $0.kind == .resolve && $0.endReason == .suspended })
            XCTAssertFalse(d.deadlines.contains { $0.endedAt == nil && $0.metAt == nil }, "no clock runs while suspended")
            _ = try await act(app, id, cg, #"{"action":"reply","comment":"x"}"#, expect: .unprocessableEntity)
            // The statistics: out of 应结案 (the standard's 结案率 denominator).
            let totals = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db).facts
            XCTAssertEqual(totals.suspended, 1)
            XCTAssertNil(CaseRates(totals).closure, "nothing left due to close")
            // Nothing happens before the review date; on it, the sweeper's run brings it back to 城管 with its seven days.
            clock.advance(by: 20 * 86_400)
            let early = try await CaseService(db: app.db, app: app).resumeSuspended(now: clock.now())
            XCTAssertTrue(early.isEmpty)
            clock.advance(by: 13 * 86_400)  // 21 Dec
            expectEqual(try await CaseService(db: app.db, app: app).resumeSuspended(now: clock.now()).count, 1)
            let back = try await Case.find(id, on: app.db)!
            XCTAssertEqual(back.status, .inProgress)
            XCTAssertNil(back.suspendedUntil)
            let running = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == id).filter(\.$kind == .resolve)
                .filter(\.$endedAt == nil).filter(\.$metAt == nil).first()
            let cgID = try await app.department("CG")
            XCTAssertEqual(running?.departmentID, cgID)
            let trail = try await CaseQueries.trace(of: id, on: app.db).all()
            XCTAssertEqual(trail.last?.action, "resume")
            XCTAssertEqual(trail.last?.actorName, "平台（到期自动）")
        }
    }

    func testARefusedReturnStaysWithTheDepartmentAndAnApprovedOneIsARedispatch() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let id = try await signedCase(app, city, title: "井盖破损")
            let cg = try await app.token("cg-1"), community = try await app.token("op-c1")
            _ = try await act(app, id, cg, #"{"action":"returnCase","comment":"应由住建处理"}"#)
            var d = try await act(app, id, community, #"{"action":"reviewReturn","approved":false,"comment":"井盖属市政设施，由城管负责"}"#)!
            XCTAssertEqual(d.case.status, .inProgress)
            let cgID = try await app.department("CG"), gsID = try await app.department("GS")
            XCTAssertEqual(d.case.holderDepartmentID, cgID)
            let department = app.browser()
            _ = try await department.login("cg-1")
            let html = try await department.get("/cases/\(id)").body.string
            XCTAssertTrue(html.contains("井盖属市政设施，由城管负责") && html.contains("未同意"), "the dispatcher's reason on the department's page")
            _ = try await act(app, id, cg, #"{"action":"returnCase","comment":"确需住建"}"#)
            d = try await act(app, id, community, #"{"action":"reviewReturn","approved":true}"#)!
            XCTAssertEqual(d.case.status, .accepted)
            d = try await act(app, id, community, #"{"action":"dispatch","department":"\#(try await app.department("GS"))"}"#)!
            let c = try await Case.find(id, on: app.db)!
            XCTAssertEqual([c.dispatchCount, c.redispatchCount, c.returnRefusedCount], [2, 1, 1])
            let totals = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db).facts
            XCTAssertEqual(CaseRates(totals).dispatchAccuracy, 0.5)
            XCTAssertEqual(CaseRates(totals).returnRate, 0.5)
            let byDepartment = try await CaseRollup.perDepartment(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db)
            XCTAssertEqual(byDepartment[gsID]?.received, 1, "the case counts under its last department")
            XCTAssertEqual(byDepartment[cgID]?.received ?? 0, 0, "and no longer under the first")
        }
    }

    func testACallbackFindsItUnsolvedTheCaseIsReworkedAndCalledBackAgain() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let id = try await signedCase(app, city, title: "路灯不亮")
            let cg = try await app.token("cg-1"), community = try await app.token("op-c1"), worker = try await app.token("wg-a")
            _ = try await act(app, id, community, #"{"action":"callback","contact":"reached","resolved":true,"satisfaction":"satisfied"}"#,
                              expect: .unprocessableEntity)
            _ = try await act(app, id, cg, #"{"action":"reply","comment":"已更换灯泡"}"#)
            var d = try await act(app, id, worker, #"{"action":"verify","passed":true}"#)!
            let callback = try XCTUnwrap(d.deadlines.first { $0.kind == .callback })
            XCTAssertEqual(callback.areaID, city.community1.id, "the center that accepted it calls back")
            XCTAssertEqual(callback.dueAt, bjDate("2026-11-21"), "within two working days")
            let page = app.browser()
            _ = try await page.login("op-c1")
            let queue = try await page.get("/cases?tab=callback").body.string
            XCTAssertTrue(queue.contains("路灯不亮"), "the 待回访 queue")
            _ = try await act(app, id, community, #"{"action":"callback","contact":"reached"}"#, expect: .unprocessableEntity)
            d = try await act(app, id, community, #"{"action":"callback","contact":"noAnswer"}"#)!
            XCTAssertEqual(d.case.status, .closed)
            d = try await act(app, id, community, #"{"action":"callback","contact":"reached","resolved":false,"satisfaction":"unsatisfied","comment":"晚上还是不亮"}"#)!
            XCTAssertEqual(d.case.status, .inProgress)
            let cgID = try await app.department("CG")
            XCTAssertEqual(d.case.holderDepartmentID, cgID, "重办: back to the department")
            var c = try await Case.find(id, on: app.db)!
            XCTAssertEqual([c.reworkCount, c.callbackAttempts], [1, 1])
            XCTAssertEqual(c.callbackStatus, .reached)
            _ = try await act(app, id, cg, #"{"action":"reply","comment":"已更换线路"}"#)
            _ = try await act(app, id, worker, #"{"action":"verify","passed":true}"#)
            c = try await Case.find(id, on: app.db)!
            XCTAssertEqual(c.callbackStatus, .pending, "closed again: called back again")
            for _ in 0..<3 { _ = try await act(app, id, community, #"{"action":"callback","contact":"noAnswer"}"#) }
            c = try await Case.find(id, on: app.db)!
            XCTAssertEqual(c.callbackStatus, .unreachable, "three unanswered calls")
            expectEqual(try await CaseCallback.query(on: app.db).filter(\.$case.$id == id).count(), 5)
            let html = try await page.get("/cases/\(id)").body.string
            XCTAssertTrue(html.contains("已联系，未解决，不满意：晚上还是不亮") && html.contains("无法联系"))
        }
    }

    func testAVoidIsApprovedAboveAndAWithdrawnCaseStopsEveryClock() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1"), street = try await app.token("op-s1")
            let a = try await signedCase(app, city, title: "误录")
            _ = try await act(app, a, community, #"{"action":"void","comment":"重复录入"}"#)
            _ = try await act(app, a, community, #"{"action":"decideVoid","approved":true}"#, expect: .forbidden)
            let d = try await act(app, a, street, #"{"action":"decideVoid","approved":true}"#)!
            XCTAssertEqual(d.case.status, .voided)
            XCTAssertTrue(d.deadlines.allSatisfy { $0.endedAt != nil || $0.metAt != nil })
            let b = try await signedCase(app, city, title: "已自行解决")
            let withdrawn = try await act(app, b, community, #"{"action":"withdraw","comment":"居民来电撤回"}"#)!
            XCTAssertEqual(withdrawn.case.status, .withdrawn)
            XCTAssertTrue(withdrawn.deadlines.contains { $0.kind == .resolve && $0.endReason == .withdrawn })
            let totals = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db).facts
            XCTAssertEqual([totals.voided, totals.withdrawn], [1, 1])
            XCTAssertEqual(CaseRates(totals).dueToClose, 0, "neither is due to close")
        }
    }
}
