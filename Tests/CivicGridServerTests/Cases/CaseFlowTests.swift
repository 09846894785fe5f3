import Fluent
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

/// A case walked through the API end to end, on SQLite and on PostgreSQL.
final class CaseFlowTests: XCTestCase {
    typealias Detail = CaseAPIController.DetailDTO

    func testAFullCaseWithApprovalEscalationReturnInquiryAndReopen() async throws {
        let clock = FixedClock(testNow)  // Wed 2026-11-18 09:00 Beijing
        try await withApp(clock: clock) { app in
            // setup
            let city = try await TestCity.build(app)
            let worker = try await app.token("wg-a"), leader = try await app.token("gl-c1"), community = try await app.token("op-c1")
            let street = try await app.token("op-s1"), cg = try await app.token("cg-1")
            let category = try await app.category("SZ01")

            // act: report from the grid → waits for the grid leader
            let created = try await app.api(.POST, "/api/v1/cases", token: worker, json: """
                {"categoryID":"\(category)","title":"清水路12号井盖破损","description":"井盖翘起，夜间有人绊倒","channel":"gridWorker","gridID":\(city.gridA.id!)}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            XCTAssertEqual(c.status, .awaitingApproval)
            XCTAssertTrue(c.code.hasPrefix(city.gridA.code + "-20261118-"))
            var d = try await act(app, c.id, leader, #"{"action":"approveEscalation"}"#)!
            XCTAssertEqual(d.case.status, .reported)
            XCTAssertEqual(d.case.holderAreaID, city.community1.id)

            d = try await act(app, c.id, community, #"{"action":"accept"}"#)!
            XCTAssertEqual(d.case.status, .accepted)
            XCTAssertTrue(d.allowedActions.contains(.dispatch))
            // Escalation: the community cannot solve it, the street takes it.
            d = try await act(app, c.id, community, #"{"action":"escalate","comment":"涉及道路产权，需街道协调"}"#)!
            XCTAssertEqual(d.case.holderAreaID, city.street1.id)
            _ = try await act(app, c.id, community, #"{"action":"dispatch","department":"\#(try await app.department("CG"))"}"#, expect: .forbidden)

            // Dispatch, wrong department returns it, dispatched again, signed for.
            let cgID = try await app.department("CG"), gsID = try await app.department("GS")
            d = try await act(app, c.id, street, #"{"action":"dispatch","department":"\#(gsID)","comment":"请处理"}"#)!
            XCTAssertEqual(d.case.status, .dispatched)
            let gs = try await app.token("gs-1")
            _ = try await act(app, c.id, cg, #"{"action":"acknowledge"}"#, expect: .notFound)
            d = try await act(app, c.id, gs, #"{"action":"returnCase","comment":"井盖不属于供水设施"}"#)!
            XCTAssertEqual(d.case.status, .dispatched, "the return waits for the dispatcher")
            d = try await act(app, c.id, street, #"{"action":"reviewReturn","approved":true,"comment":"改派城管"}"#)!
            XCTAssertEqual(d.case.status, .accepted)
            XCTAssertEqual(d.case.holderAreaID, city.street1.id)
            d = try await act(app, c.id, street, #"{"action":"dispatch","department":"\#(cgID)","workingDays":5}"#)!
            d = try await act(app, c.id, cg, #"{"action":"acknowledge"}"#)!
            XCTAssertEqual(d.case.status, .inProgress)

            // Inquiry: too early now; after 7 working days at the street, the community may query.
            _ = try await act(app, c.id, community, #"{"action":"fileInquiry","comment":"为何还未办结"}"#, expect: .unprocessableEntity)
            clock.advance(by: 12 * 86_400)  // Mon 2026-11-30
            d = try await act(app, c.id, community, #"{"action":"fileInquiry","comment":"为何还未办结"}"#)!
            XCTAssertTrue(d.deadlines.contains { $0.kind == .inquiryAnswer && $0.metAt == nil })
            d = try await act(app, c.id, street, #"{"action":"answerInquiry","comment":"已督促城管局本周完成"}"#)!
            XCTAssertTrue(d.deadlines.contains { $0.kind == .inquiryAnswer && $0.metAt != nil })

            // Reply, verification, closure; an unsatisfied rating reopens it to the department.
            d = try await act(app, c.id, cg, #"{"action":"reply","comment":"已更换井盖"}"#)!
            XCTAssertEqual(d.case.status, .replied)
            _ = try await act(app, c.id, try await app.token("wg-b"), #"{"action":"verify","passed":true}"#, expect: .notFound)
            d = try await act(app, c.id, worker, #"{"action":"verify","passed":true}"#)!
            XCTAssertEqual(d.case.status, .closed)
            XCTAssertEqual(d.case.publicStatus, "已办结")
            d = try await act(app, c.id, community, #"{"action":"rate","satisfaction":"unsatisfied","comment":"新井盖仍晃动"}"#)!
            XCTAssertEqual(d.case.status, .inProgress)
            XCTAssertEqual(d.case.holderDepartmentID, cgID)
            d = try await act(app, c.id, cg, #"{"action":"reply","comment":"已加固井座"}"#)!
            d = try await act(app, c.id, worker, #"{"action":"verify","passed":true}"#)!

            // validate: the whole trace, in order, chained, and verifiable.
            XCTAssertEqual(d.case.status, .closed)
            XCTAssertEqual(d.timeline.map(\.action), ["report", "approveEscalation", "accept", "escalate", "dispatch", "returnCase", "reviewReturn",
                                                      "dispatch", "acknowledge", "fileInquiry", "answerInquiry", "reply", "verify", "rate", "reply", "verify"])
            XCTAssertEqual(d.timeline.first?.prevHash, TimelineChain.genesis)
            for (a, b) in zip(d.timeline, d.timeline.dropFirst()) { XCTAssertEqual(b.prevHash, a.hash) }
            XCTAssertEqual(d.timeline[2].role, "operator")
            XCTAssertEqual(d.timeline[2].level, "community")
            let verified = try await TrailVerifier.verify(on: app.db)
            XCTAssertEqual(verified.cases, 1)
            XCTAssertEqual(verified.breaks, [])
        }
    }

    func testAMissedAcceptanceLandsOnTheNegativeListOnce() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let district = try await app.token("op-d")
            let created = try await app.api(.POST, "/api/v1/cases", token: district, json: """
                {"categoryID":"\(try await app.category("HJ03"))","title":"夜间施工噪声扰民","channel":"hotline12345","gridID":\(city.gridA.id!),
                 "reporterName":"刘先生","reporterPhone":"13807310000","externalRef":"12345-0001"}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            XCTAssertEqual(c.holderAreaID, city.district.id, "hotline cases start at the district platform")

            clock.advance(by: 23 * 3600)
            var result = try await SLASweeper(db: app.db).sweep(now: clock.now())
            XCTAssertEqual(result.marked, 0)
            clock.advance(by: 2 * 3600)
            result = try await SLASweeper(db: app.db).sweep(now: clock.now())
            XCTAssertEqual(result.marked, 1)
            _ = try await SLASweeper(db: app.db).sweep(now: clock.now().addingTimeInterval(3600))
            let entries = try await NegativeListEntry.query(on: app.db).all()
            XCTAssertEqual(entries.count, 1, "one entry per missed deadline, however often the sweeper runs")
            XCTAssertEqual(entries.first?.kind, .accept)
            XCTAssertEqual(entries.first?.areaID, city.district.id)
            XCTAssertEqual(entries.first?.points, 1)
            let stored = try await Case.find(c.id, on: app.db)!
            XCTAssertTrue(stored.overdue)
            XCTAssertEqual(stored.status.publicStatus(overdue: stored.overdue), "超时")
            let notices = try await Notification.query(on: app.db).filter(\.$areaID == city.district.id!).all().map(\.text)
            XCTAssertTrue(notices.contains { $0.hasPrefix("超时") })
            // The phone is sealed, never stored in clear.
            XCTAssertFalse(stored.reporterPhoneSealed?.contains("13807310000") ?? true)

            let page = app.browser()
            _ = try await page.login("op-d")
            let list = try await page.get("/negative-list")
            XCTAssertTrue(list.body.string.contains("受理时限已过"))
        }
    }

    /// 即将超时: cases with a running deadline falling due within the next 24 hours, counted by a
    /// subquery on the running-deadline index (no id list that grows with the open cases).
    func testTheSoonTabHoldsRunningDeadlinesPastEightyPercentOfTheirTime() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let district = try await app.token("op-d")
            var ids: [UUID] = []
            for title in ["夜间施工噪声扰民", "路灯不亮"] {
                let created = try await app.api(.POST, "/api/v1/cases", token: district, json: """
                    {"categoryID":"\(try await app.category("HJ03"))","title":"\(title)","channel":"hotline12345","gridID":\(city.gridA.id!)}
                    """)
                XCTAssertEqual(created.status, .created, created.body.string)
                ids.append(try created.content.decode(CaseAPIController.CaseDTO.self).id)
            }
            // The second case's acceptance is met: it no longer counts.
            try await CaseDeadline.query(on: app.db).filter(\.$case.$id == ids[1]).set(\.$metAt, to: testNow).update()
            let user = try await CurrentUser.load(try await User.query(on: app.db).filter(\.$username == "op-d").first()!, via: .api, on: app.db)
            func soon(at now: Date) async throws -> [UUID] {
                try await CaseQueries.query(.soon, filter: .init(), user: user, now: now, on: app.db).all().compactMap(\.id)
            }
            // The 24-hour acceptance clock turns yellow after 19.2 hours.
            let inWindow = try await soon(at: testNow.addingTimeInterval(19.5 * 3600))
            let early = try await soon(at: testNow.addingTimeInterval(19 * 3600))
            let late = try await soon(at: testNow.addingTimeInterval(25 * 3600))
            XCTAssertEqual(inWindow, [ids[0]], "yellow: 81 % of its time gone")
            XCTAssertEqual(early, [], "79 %: still green")
            XCTAssertEqual(late, [], "already past due")
            let count = try await CaseQueries.query(.soon, filter: .init(), user: user, now: testNow.addingTimeInterval(20 * 3600), on: app.db).count()
            XCTAssertEqual(count, 1)
        }
    }

    /// A case the community operator reported (WeChat group, grid A) and accepted.
    func acceptedCase(_ app: Application, _ city: TestCity, _ category: String, title: String, by token: String) async throws -> CaseAPIController.CaseDTO {
        let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
            {"categoryID":"\(try await app.category(category))","title":"\(title)","channel":"wechatGroup","gridID":\(city.gridA.id!)}
            """)
        XCTAssertEqual(created.status, .created, created.body.string)
        let c = try created.content.decode(CaseAPIController.CaseDTO.self)
        _ = try await act(app, c.id, token, #"{"action":"accept"}"#)!
        return c
    }

    /// A working-day deadline ends at midnight: written as the end of its last working day ("… 24:00"),
    /// never as "00:00" of the next (a Sunday, for a Friday deadline) — on the case page as everywhere.
    func testAWorkingDayDeadlineIsWrittenAsTheEndOfItsLastDay() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            let c = try await acceptedCase(app, city, "SD01", title: "清水社区整栋停水", by: community)
            let page = app.browser()
            _ = try await page.login("op-c1")
            // act
            let html = try await page.get("/cases/\(c.id)").body.string
            // validate
            XCTAssertTrue(html.contains("2026-11-23 24:00"), "the resolution deadline (3 working days) as the end of Monday")
            XCTAssertFalse(html.contains("2026-11-24 00:00"))
        }
    }

    /// Dispatched to 供水 and signed for, a 停水 case's 到场时限 is 供水's: when it is missed, the negative
    /// list names 供水, not the community that no longer holds the case.
    func testTheOnSiteClockMovesWithTheCaseAndItsMissCountsAgainstTheNewHolder() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            // setup
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            let c = try await acceptedCase(app, city, "SD01", title: "清水社区整栋停水", by: community)
            let water = try await app.department("GS")
            // act
            _ = try await act(app, c.id, community, #"{"action":"dispatch","department":"\#(water)"}"#)!
            _ = try await act(app, c.id, try await app.token("gs-1"), #"{"action":"acknowledge"}"#)!
            clock.advance(by: 25 * 3600)
            _ = try await SLASweeper(db: app.db).sweep(now: clock.now())
            // validate
            let onSite = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == c.id).filter(\.$kind == .onSite).all()
            XCTAssertEqual(onSite.count, 2, "one stint per holder")
            XCTAssertEqual(Set(onSite.map(\.dueAt)).count, 1, "the due time does not change with the holder")
            let running = try XCTUnwrap(onSite.first { $0.endedAt == nil })
            XCTAssertEqual(running.departmentID, water)
            let entries = try await NegativeListEntry.query(on: app.db).filter(\.$kind == .onSite).all()
            XCTAssertEqual(entries.count, 1)
            XCTAssertEqual(entries.first?.departmentID, water)
            XCTAssertNil(entries.first?.areaID)
        }
    }

    /// The 2027 arrangement is not entered (the shipped calendar has 2025 and 2026): a resolution deadline
    /// counted into 2027 (reported on 30 December: 31 December, 1 and 4 January) says it is an estimate, and
    /// administrators are asked for the year from November.
    func testADeadlineIntoAYearWithoutItsArrangementSaysSoAndTheYearIsAskedFor() async throws {
        let clock = FixedClock(bjDate("2026-12-30").addingTimeInterval(10 * 3600))
        try await withApp(clock: clock) { app in
            // setup
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            // act
            let c = try await acceptedCase(app, city, "SZ01", title: "井盖破损", by: community)
            // validate
            let resolve = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == c.id).filter(\.$kind == .resolve).first()
            XCTAssertEqual(resolve?.computedWithoutYear, 2027)
            let accept = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == c.id).filter(\.$kind == .accept).first()
            XCTAssertNil(accept?.computedWithoutYear, "a clock in hours knows no holidays")
            let operatorPage = app.browser()
            _ = try await operatorPage.login("op-c1")
            let casePage = try await operatorPage.get("/cases/\(c.id)").body.string
            let operatorHome = try await operatorPage.get("/home").body.string
            let admin = app.browser()
            _ = try await admin.login("admin")
            let adminHome = try await admin.get("/home").body.string
            let calendar = try await admin.get("/calendar").body.string
            XCTAssertTrue(casePage.contains("按平日推算：2027 年放假安排未录入"))
            XCTAssertFalse(operatorHome.contains("2027 年放假安排尚未录入"), "administrators are asked, not operators")
            XCTAssertTrue(adminHome.contains("2027 年放假安排尚未录入"))
            XCTAssertTrue(calendar.contains("2027 年放假安排尚未录入"))
        }
    }

    func testUtilityCasesRunTwoClocks() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            let created = try await app.api(.POST, "/api/v1/cases", token: community, json: """
                {"categoryID":"\(try await app.category("SD01"))","title":"清水社区整栋停水","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            var d = try await act(app, c.id, community, #"{"action":"accept"}"#)!
            let kinds = d.deadlines.map(\.kind)
            XCTAssertEqual(Set(kinds), [.accept, .onSite, .resolve])
            let onSite = d.deadlines.first { $0.kind == .onSite }!
            XCTAssertEqual(onSite.dueAt, testNow.addingTimeInterval(24 * 3600))
            let resolve = d.deadlines.first { $0.kind == .resolve }!
            XCTAssertEqual(resolve.dueAt, bjDate("2026-11-24"), "3 working days: Thu 19, Fri 20, Mon 23")
            d = try await act(app, c.id, community, #"{"action":"dispatch","department":"\#(try await app.department("GS"))"}"#)!
            let gs = try await app.token("gs-1")
            d = try await act(app, c.id, gs, #"{"action":"acknowledge"}"#)!
            XCTAssertTrue(d.allowedActions.contains(.markOnSite))
            d = try await act(app, c.id, gs, #"{"action":"markOnSite"}"#)!
            let stints = d.deadlines.filter { $0.kind == .onSite }
            XCTAssertEqual(stints.count, 2, "the community's stint ended at dispatch, the department's met")
            XCTAssertNotNil(stints.first?.endedAt)
            XCTAssertNil(stints.first?.metAt)
            XCTAssertNotNil(stints.last?.metAt)
            XCTAssertFalse(d.allowedActions.contains(.markOnSite))
        }
    }

    func testCasesAreScopedLikeEverythingElse() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = try await app.token("wg-a")
            let created = try await app.api(.POST, "/api/v1/cases", token: worker, json: """
                {"categoryID":"\(try await app.category("SR01"))","title":"占道经营","channel":"gridWorker","gridID":\(city.gridA.id!)}
                """)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            for username in ["wg-b", "op-s2", "cg-1"] {
                let status = try await app.api(.GET, "/api/v1/cases/\(c.id)", token: try await app.token(username)).status
                XCTAssertEqual(status, .notFound, username)
            }
            for username in ["op-s1", "op-d", "ld-d", "gl-c1"] {
                let status = try await app.api(.GET, "/api/v1/cases/\(c.id)", token: try await app.token(username)).status
                XCTAssertEqual(status, .ok, username)
            }
            let list = try await app.api(.GET, "/api/v1/cases", token: try await app.token("op-s2")).content.decode(CaseAPIController.Page.self)
            XCTAssertEqual(list.total, 0)
            // A grid worker cannot report into another grid.
            let elsewhere = try await app.api(.POST, "/api/v1/cases", token: worker, json: """
                {"categoryID":"\(try await app.category("SR01"))","title":"占道经营","channel":"gridWorker","gridID":\(city.gridB.id!)}
                """)
            XCTAssertEqual(elsewhere.status, .unprocessableEntity)
        }
    }

    func testOnTheSpotHandlingClosesAtOnce() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let created = try await app.api(.POST, "/api/v1/cases", token: try await app.token("wg-a"), json: """
                {"categoryID":"\(try await app.category("HJ01"))","title":"垃圾桶满溢","channel":"gridWorker","gridID":\(city.gridA.id!),"onSiteNote":"已联系保洁清运"}
                """)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            XCTAssertEqual(c.status, .closed)
            XCTAssertEqual(c.resolution, .resolvedOnSite)
            let entries = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == c.id).sort(\.$seq).all().map(\.action)
            XCTAssertEqual(entries, ["report", "resolveOnSite"])
        }
    }

    func testBadReportsAreRefusedAndNothingIsWritten() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = try await app.token("wg-a")
            let group = try await CaseCategory.query(on: app.db).filter(\.$code == "SZ").first()!.requireID()
            for (json, why) in [
                (#"{"categoryID":"\#(group)","title":"井盖","channel":"gridWorker","gridID":\#(city.gridA.id!)}"#, "二级分类"),
                (#"{"categoryID":"\#(try await app.category("SZ01"))","title":"x","channel":"gridWorker","gridID":\#(city.gridA.id!)}"#, "标题"),
                (#"{"categoryID":"\#(try await app.category("SZ01"))","title":"井盖破损","channel":"hotline12345","gridID":\#(city.gridA.id!)}"#, "坐席"),
                (#"{"categoryID":"\#(try await app.category("SZ01"))","title":"井盖破损","channel":"gridWorker","latitude":95,"longitude":1}"#, "经纬度"),
                (#"{"categoryID":"\#(try await app.category("SZ01"))","title":"井盖破损","channel":"nope"}"#, "渠道"),
            ] {
                let response = try await app.api(.POST, "/api/v1/cases", token: worker, json: json)
                XCTAssertTrue([.unprocessableEntity, .forbidden].contains(response.status), response.body.string)
                XCTAssertTrue(response.body.string.contains(why), "\(why): \(response.body.string)")
            }
            let cases = try await Case.query(on: app.db).count()
            let entries = try await TimelineEntry.query(on: app.db).count()
            XCTAssertEqual(cases, 0)
            XCTAssertEqual(entries, 0)
        }
    }

    func testATamperedTimelineRowIsDetected() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let created = try await app.api(.POST, "/api/v1/cases", token: try await app.token("wg-a"), json: """
                {"categoryID":"\(try await app.category("SZ02"))","title":"路灯不亮","channel":"gridWorker","gridID":\(city.gridA.id!)}
                """)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            _ = try await act(app, c.id, try await app.token("gl-c1"), #"{"action":"approveEscalation"}"#)
            _ = try await act(app, c.id, try await app.token("op-c1"), #"{"action":"accept"}"#)
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE timeline_entries SET actor_name = 'someone else' WHERE seq = 2").run()
            let result = try await TrailVerifier.verify(on: app.db)
            XCTAssertEqual(result.breaks.count, 1)
            XCTAssertEqual(result.breaks.first?.seq, 2)
            XCTAssertEqual(result.breaks.first?.caseCode, c.code)
        }
    }
}

func bjDate(_ text: String) -> Date { LocalDate(text)!.startInstant }
