import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

/// 百分考核 on the server: a month gathered from the records, every line traced to them, the
/// street's hardware points, freezing after month end, the scheme's versions, the department ranking.
final class AssessmentFlowTests: XCTestCase {
    func testAGridsMonthIsScoredTracedRatedAndFrozen() async throws {
        let clock = FixedClock(testNow)  // Wednesday 2026-11-18
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let worker = try await CurrentUser.load(city.users["wg-a"]!, via: .webSession, on: app.db)
            let field = FieldService(db: app.db, app: app)
            // Patrols on three days of November, two on the same day.
            for (day, hour) in [(3, 9), (4, 9), (4, 15), (5, 9)] {
                _ = try await field.checkIn(.init(gridID: city.gridA.id!, latitude: nil, longitude: nil, note: "",
                                                  recordedAt: nil), by: worker)
                let last = try await PatrolCheckIn.query(on: app.db).sort(\.$at, .descending).first()!
                last.day = "2026-11-0\(day)"; last.at = LocalDate(year: 2026, month: 11, day: day).startInstant.addingTimeInterval(Double(hour) * 3600)
                last.receivedAt = last.at  // made on the spot that day
                try await last.save(on: app.db)
            }
            // A case the worker found, and a deadline the grid missed (on the negative list).
            let token = try await app.token("wg-a")
            let category = try await app.category("SZ01")
            let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(category)","title":"井盖破损","description":"清水路","gridID":\(city.gridA.id!),"channel":"gridWorker"}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            let c = try await Case.query(on: app.db).first()!
            let deadline = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == c.id!).first()!
            let n = NegativeListEntry()
            n.$case.id = c.id!; n.deadlineID = deadline.id!; n.kind = deadline.kind; n.areaID = city.gridA.id; n.points = 2
            n.reason = "网格长审核超时"; n.createdAt = clock.now()
            try await n.create(on: app.db)

            let street = app.browser()
            _ = try await street.login("op-s1")
            var page = try await street.get("/assessment?month=2026-11")
            XCTAssertEqual(page.status, .ok, page.body.string)
            XCTAssertTrue(page.body.string.contains("清水社区第1网格") && page.body.string.contains("清水社区第2网格"))
            XCTAssertFalse(page.body.string.contains("湘江社区第1网格"), "another street's grid")
            page = try await street.get("/assessment/grids/\(city.gridA.id!)?month=2026-11")
            let html = page.body.string
            XCTAssertTrue(html.contains("巡查打卡 3 天 / 工作日 13 天"), "3 days (two check-ins on the 4th count once), 13 working days to the 18th")
            XCTAssertTrue(html.contains("网格员上报 1 件"))
            XCTAssertTrue(html.contains("−2 分：网格长审核超时") && html.contains("/cases/\(c.id!)"), "the deduction links to its case")
            XCTAssertTrue(html.contains("为什么失分") && html.contains("硬件建设失 10 分：街道尚未评定"))
            let evidence = try await street.get("/assessment/grids/\(city.gridA.id!)/evidence?month=2026-11&measure=patrolDays")
            XCTAssertEqual(evidence.body.string.components(separatedBy: "测试wg-a").count - 1, 4, "every check-in behind the line")
            let cases = try await street.get("/assessment/grids/\(city.gridA.id!)/evidence?month=2026-11&measure=casesFound")
            XCTAssertTrue(cases.body.string.contains(c.code))

            // Hardware: the street rates it; the grid worker and the community cannot; a short score needs a reason.
            let gridWorker = app.browser()
            _ = try await gridWorker.login("wg-a")
            let hw = "/assessment/grids/\(city.gridA.id!)/hardware?month=2026-11"
            expectEqual(try await gridWorker.post(hw, form: ["points": "10", "month": "2026-11"]).status, .forbidden)
            let community = app.browser()
            _ = try await community.login("op-c1")
            expectEqual(try await community.post(hw, form: ["points": "10", "month": "2026-11"]).status, .forbidden)
            var r = try await street.post(hw, form: ["points": "11", "month": "2026-11"])
            XCTAssertTrue(r.body.string.contains("硬件建设得分应在 0–10 之间"))
            r = try await street.post(hw, form: ["points": "8", "reason": "", "month": "2026-11"])
            XCTAssertTrue(r.body.string.contains("未得满分请写明扣分原因"))
            r = try await street.post(hw, form: ["points": "8", "reason": "公示牌破损", "month": "2026-11"])
            XCTAssertEqual(r.status, .seeOther)
            let months = try await AssessmentService(db: app.db, app: app).months([city.gridA], .init(containing: LocalDate(clock.now())))
            let score = Assessment.score(months[city.gridA.id!]!, scheme: .standard)
            XCTAssertEqual(score.part(.hardware), 8)
            XCTAssertEqual(score.deducted, 2)

            // November cannot be frozen before it ends; in December it can, and then it stays as it was.
            r = try await street.post("/assessment/freeze", form: ["area": String(city.street1.id!), "month": "2026-11"])
            XCTAssertEqual(r.headers.first(name: .location), "/assessment?area=\(city.street1.id!)&month=2026-11&notice=not-ended")
            expectEqual(try await AssessmentResult.query(on: app.db).count(), 0)
            clock.advance(by: 14 * 86_400)
            _ = try await street.login("op-s1")
            r = try await street.post("/assessment/freeze", form: ["area": String(city.street1.id!), "month": "2026-11"])
            XCTAssertEqual(r.status, .seeOther)
            let frozen = try await AssessmentResult.query(on: app.db).filter(\.$gridID == city.gridA.id!).first()!
            XCTAssertEqual(frozen.hardware, 8)
            expectEqual(try await AssessmentResult.query(on: app.db).count(), 2, "both grids of the street")
            let another = CaseDeadline()
            another.$case.id = c.id!; another.kind = deadline.kind; another.dueAt = deadline.dueAt; another.startedAt = deadline.startedAt
            try await another.create(on: app.db)
            let late = NegativeListEntry()
            late.$case.id = c.id!; late.deadlineID = another.id!; late.kind = deadline.kind; late.areaID = city.gridA.id; late.points = 5
            late.reason = "补记的超时"; late.createdAt = LocalDate(year: 2026, month: 11, day: 20).startInstant
            try await late.create(on: app.db)
            page = try await street.get("/assessment/grids/\(city.gridA.id!)?month=2026-11")
            XCTAssertTrue(page.body.string.contains("已于") && page.body.string.contains("冻结"))
            XCTAssertFalse(page.body.string.contains("补记的超时"), "a frozen month does not move")
            r = try await street.post(hw, form: ["points": "10", "month": "2026-11"])
            XCTAssertTrue(r.body.string.contains("已冻结，不能再修改"))
            let export = try await street.get("/assessment/export?area=\(city.street1.id!)&month=2026-11&format=csv")
            XCTAssertTrue(export.body.string.contains("清水社区第1网格") && export.body.string.contains("已冻结"))
        }
    }

    func testTheSchemeIsEditedByAdministratorsAsNewVersions() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let street = app.browser()
            _ = try await street.login("op-s1")
            expectEqual(try await street.get("/assessment/scheme").status, .ok)
            expectEqual(try await street.post("/assessment/scheme", form: ["points_patrolDays": "20"]).status, .forbidden)
            let admin = app.browser()
            _ = try await admin.login("admin")
            var r = try await admin.post("/assessment/scheme", form: ["points_patrolDays": "20"])
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("日常工作各项合计应为 40 分（现为 45 分）"))
            r = try await admin.post("/assessment/scheme", form: ["points_patrolDays": "20", "points_visits": "10"])
            XCTAssertEqual(r.status, .seeOther)
            let scheme = try await AssessmentService(db: app.db, app: app).scheme()
            XCTAssertEqual(scheme.version, 2)
            XCTAssertEqual(scheme.items.first { $0.measure == .patrolDays }?.points, 20)
            expectEqual(try await AssessmentSchemeRecord.query(on: app.db).count(), 2, "the old version is kept")
            expectEqual(try await street.get("/assessment/departments?month=2026-11").status, .ok)
            let csv = try await street.get("/assessment/departments?month=2026-11&format=csv")
            XCTAssertTrue(csv.body.string.contains("按期处置率") && csv.body.string.contains("退回率") && csv.body.string.contains("返工率"))
            // A measure the scheme did not use is offered, and can take points from another item of its part.
            let page = try await admin.get("/assessment/scheme").body.string
            XCTAssertTrue(page.contains("points_callbackSatisfactionRate"), "every measure is offered")
            r = try await admin.post("/assessment/scheme", form: ["points_satisfactionRate": "4", "points_callbackSatisfactionRate": "4"])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let third = try await AssessmentService(db: app.db, app: app).scheme()
            XCTAssertEqual(third.items.first { $0.measure == .callbackSatisfactionRate }?.points, 4)
        }
    }

    func testAnOverdueCaseShowsItsChainTakesASanctionAndTheMonthlyNoticeListsBoth() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            let category = try await app.category("SZ01")
            let created = try await app.api(.POST, "/api/v1/cases", token: community, json: """
                {"categoryID":"\(category)","title":"井盖缺失","description":"清水路","gridID":\(city.gridA.id!),"channel":"wechatGroup"}
                """)
            let id = try created.content.decode(CaseAPIController.CaseDTO.self).id
            // Nobody accepts it for three days: the acceptance deadline is missed.
            clock.advance(by: 3 * 86_400)
            _ = try await SLASweeper(db: app.db).sweep(now: clock.now())
            let street = app.browser()
            _ = try await street.login("op-s1")
            var page = try await street.get("/cases/\(id)")
            var html = page.body.string
            XCTAssertTrue(html.contains("责任倒追") && html.contains("已超时"), "the chain with how late each link is")
            XCTAssertTrue(html.contains("单位：清水社区"), "the holder is a target")
            // A grid worker may look but not sanction.
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            expectFalse(try await worker.get("/cases/\(id)").body.string.contains("记录问责"))
            expectEqual(try await worker.post("/cases/\(id)/sanctions", form: ["kind": "talk", "target": "area:\(city.community1.id!)", "reason": "超时未受理"]).status, .forbidden)
            // The street: a target outside the chain and a missing reason are refused.
            var r = try await street.post("/cases/\(id)/sanctions", form: ["kind": "talk", "target": "area:\(city.community2.id!)", "reason": "超时未受理"])
            XCTAssertTrue(r.body.string.contains("请选择本事件责任链上的单位或个人"))
            r = try await street.post("/cases/\(id)/sanctions", form: ["kind": "talk", "target": "area:\(city.community1.id!)", "reason": ""])
            XCTAssertTrue(r.body.string.contains("请写明问责事由"))
            expectEqual(try await Sanction.query(on: app.db).count(), 0)
            r = try await street.post("/cases/\(id)/sanctions", form: ["kind": "yellowCard", "target": "area:\(city.community1.id!)", "reason": "超时三天未受理"])
            XCTAssertEqual(r.status, .seeOther)
            page = try await street.get("/cases/\(id)")
            XCTAssertTrue(page.body.string.contains("黄牌警告") && page.body.string.contains("超时三天未受理"))
            html = try await street.get("/areas/\(city.community1.id!)").body.string
            XCTAssertTrue(html.contains("问责记录") && html.contains("黄牌警告：超时三天未受理"), "in the unit's record")

            let notice = try await street.get("/assessment/notice?month=2026-11")
            html = notice.body.string
            XCTAssertEqual(notice.status, .ok)
            XCTAssertTrue(html.contains("关于2026年11月网格化服务管理工作情况的通报"))
            XCTAssertTrue(html.contains("井盖缺失") && html.contains("清水社区"), "the overdue case and who held it")
            XCTAssertTrue(html.contains("对清水社区予以<b>黄牌警告</b>"))
            XCTAssertTrue(html.contains("网格前五名"))
        }
    }
}
