import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

/// 帮办代办 end to end, and the daily patrol checklist.
final class AgentServiceFlowTests: XCTestCase {
    func send(_ app: Application, _ browser: Browser, _ path: String, _ fields: [String: String],
              files: [(name: String, filename: String, bytes: [UInt8])] = []) async throws -> XCTHTTPResponse {
        var all = fields
        all["_csrf"] = "test-csrf-token"
        let (type, body) = multipart(all, files: files)
        return try await app.testable().sendRequest(.POST, path, headers: ["Cookie": browser.cookieHeader, "Content-Type": type], body: body)
    }

    /// 区民政局 with one handler, mz-1.
    func civilAffairs(_ app: Application) async throws {
        let dept = Department(code: "MZ", name: "区民政局", responsibilities: "低保五保")
        try await dept.create(on: app.db)
        let user = User(username: "mz-1", displayName: "民政经办人", kind: .staff, passwordHash: try Bcrypt.hash(testPassword, cost: 4))
        try await user.create(on: app.db)
        try await RoleAssignment(userID: user.requireID(), role: .handler, areaID: nil, departmentID: dept.id).create(on: app.db)
    }

    /// The question and token on a public form with the small-sum challenge.
    func challenge(in html: String) -> (answer: Int, token: String)? {
        guard let q = html.range(of: #"验证：(\d) \+ (\d) = ？"#, options: .regularExpression),
              let t = html.range(of: #"name="challenge" value="[^"]+""#, options: .regularExpression) else { return nil }
        let digits = html[q].compactMap { $0.wholeNumberValue }
        return (digits[0] + digits[1], String(html[t].dropFirst(#"name="challenge" value=""#.count).dropLast()))
    }

    func code(in html: String) throws -> String {
        let r = try XCTUnwrap(html.range(of: #"data-code="[A-Z0-9]{10}""#, options: .regularExpression))
        return String(html[r].dropFirst(#"data-code=""#.count).dropLast())
    }

    func testAResidentsRequestGoesToTheDoorTheDepartmentAndBackWithARejectionAndAResubmission() async throws {
        let clock = FixedClock(testNow)  // Wednesday 2026-11-18, 09:00 Beijing time
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            try await civilAffairs(app)
            let resident = app.browser()
            let form = try await resident.get("/r/services/MZ001/apply")
            XCTAssertEqual(form.status, .ok)
            XCTAssertTrue(form.body.string.contains("户口簿"), "the materials the worker will collect")
            let (answer, token) = try XCTUnwrap(challenge(in: form.body.string))
            clock.advance(by: 20)
            var fields = ["grid": String(city.gridA.id!), "name": "陈秀兰", "phone": "12345", "address": "清水路 3 号 2 单元 401",
                          "note": "腿脚不便", "challenge": token, "answer": String(answer)]
            var r = try await resident.post("/r/services/MZ001/apply", form: fields)
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("请填写正确的联系电话"))
            expectEqual(try await AgentServiceRequest.query(on: app.db).count(), 0)
            r = try await resident.get("/r/services/MZ005/apply")
            XCTAssertEqual(r.status, .notFound, "结婚登记 is not agent-handled")

            fields["phone"] = "139 0731 0001"  // the challenge is stateless: the same one again
            r = try await resident.post("/r/services/MZ001/apply", form: fields)
            XCTAssertEqual(r.status, .created, r.body.string)
            let trackingCode = try code(in: r.body.string)
            let request = try await AgentServiceRequest.query(on: app.db).first()!
            XCTAssertEqual(request.trackingCode, trackingCode)
            XCTAssertEqual(request.departmentName, "区民政局")
            XCTAssertEqual(request.status, .requested)
            XCTAssertFalse(request.applicantPhoneSealed.contains("13907310001"), "the phone is sealed")
            XCTAssertEqual(request.applicantPhoneTail, "0001")
            // 3 working days to collect: Thu, Fri, Mon → end of Monday 11-23.
            XCTAssertEqual(request.dueAt, LocalDate(year: 2026, month: 11, day: 24).startInstant)
            var track = try await resident.get("/r/track/\(trackingCode)")
            XCTAssertTrue(track.body.string.contains("网格员将与您联系并上门收取材料"))

            // The grid's worker sees it; the next grid's worker and another department do not.
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            expectTrue(try await worker.get("/m/").body.string.contains("1 件待办"))
            expectTrue(try await worker.get("/m/services").body.string.contains("最低生活保障申请"))
            let other = app.browser()
            _ = try await other.login("wg-b")
            expectEqual(try await other.get("/m/services/\(request.id!)").status, .notFound)
            let cg = app.browser()
            _ = try await cg.login("cg-1")
            expectEqual(try await cg.get("/agent-services/\(request.id!)").status, .notFound)

            // Collected at the door: photos are required and must be photos.
            let act = "/m/services/\(request.id!)/act"
            r = try await send(app, worker, act, ["action": "submit"])
            XCTAssertTrue(r.body.string.contains("请拍照上传收取的材料"))
            r = try await send(app, worker, act, ["action": "submit"], files: [("documents[]", "户口簿.jpg", Array("not a photo".utf8))])
            XCTAssertTrue(r.body.string.contains("不是 JPEG、PNG 或 HEIC 照片"))
            r = try await send(app, worker, act, ["action": "approve"])
            XCTAssertEqual(r.status, .unprocessableEntity, "a worker cannot approve")
            expectEqual(try await AgentServiceStep.query(on: app.db).count(), 1)
            r = try await send(app, worker, act, ["action": "submit", "comment": "户口簿、身份证已拍照"], files: [("documents[]", "hukou.png", PhotoTests.png)])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let document = try await AgentServiceDocument.query(on: app.db).first()!
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: app.state.uploadDirectory + document.storedPath))
            XCTAssertFalse(onDisk.starts(with: PhotoTests.png.prefix(8)), "document photos are sealed at rest")
            XCTAssertTrue(document.storedPath.hasSuffix(".png.enc"))

            // The department pre-reviews: asking for more needs a reason.
            let mz = app.browser()
            _ = try await mz.login("mz-1")
            let desk = try await mz.get("/agent-services")
            XCTAssertTrue(desk.body.string.contains("最低生活保障申请") && desk.body.string.contains("陈*兰"), "listed with the name masked")
            let photo = try await mz.get("/agent-services/\(request.id!)/documents/\(document.id!)")
            XCTAssertEqual(photo.status, .ok)
            XCTAssertEqual(Array(photo.body.readableBytesView), PhotoTests.png, "opened for the department")
            XCTAssertEqual(photo.headers.first(name: .cacheControl), "no-store")
            expectEqual(try await AccessLog.query(on: app.db).filter(\.$subjectType == "agentDocument").count(), 1)
            let deskAct = "/agent-services/\(request.id!)/act"
            r = try await send(app, mz, deskAct, ["action": "askMore", "comment": " "])
            XCTAssertTrue(r.body.string.contains("请写明原因"))
            r = try await send(app, mz, deskAct, ["action": "askMore", "comment": "缺家庭收入情况说明"])
            XCTAssertEqual(r.status, .seeOther)
            var fresh = try await AgentServiceRequest.find(request.id, on: app.db)!
            XCTAssertEqual(fresh.status, .moreNeeded)
            track = try await resident.get("/r/track/\(trackingCode)")
            XCTAssertTrue(track.body.string.contains("缺家庭收入情况说明") && track.body.string.contains("区民政局"))
            XCTAssertFalse(track.body.string.contains("民政经办人"), "the resident sees units, not staff names")

            // Resubmitted with the missing paper, approved (30 working days), done, delivered.
            r = try await send(app, worker, act, ["action": "resubmit"], files: [("documents[]", "income.png", PhotoTests.png)])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            r = try await send(app, mz, deskAct, ["action": "approve"])
            fresh = try await AgentServiceRequest.find(request.id, on: app.db)!
            XCTAssertEqual(fresh.status, .approved)
            XCTAssertEqual(fresh.dueAt, WorkCalendar().deadline(workingDays: 30, after: clock.now()), "the item's own time limit")
            r = try await send(app, worker, act, ["action": "deliver"])
            XCTAssertEqual(r.status, .unprocessableEntity, "nothing to deliver yet")
            _ = try await send(app, mz, deskAct, ["action": "complete", "comment": "低保证已办好"])
            expectTrue(try await worker.get("/m/").body.string.contains("1 件待办"), "back to the worker to deliver")
            r = try await send(app, worker, act, ["action": "deliver", "comment": "已送到本人"])
            XCTAssertEqual(r.status, .seeOther)
            fresh = try await AgentServiceRequest.find(request.id, on: app.db)!
            XCTAssertEqual(fresh.status, .delivered)
            XCTAssertNil(fresh.dueAt)
            XCTAssertNotNil(fresh.closedAt)
            let steps = try await AgentServiceStep.query(on: app.db).sort(\.$seq).all()
            XCTAssertEqual(steps.map(\.action), [.request, .submit, .askMore, .resubmit, .approve, .complete, .deliver])
            expectEqual(try await AgentServiceDocument.query(on: app.db).count(), 2)
            track = try await resident.get("/r/track/\(trackingCode)")
            XCTAssertTrue(track.body.string.contains("已送达，本次帮办代办完成"))

            // Every step is in a hash chain: editing one is found.
            let service = AgentServiceDesk(db: app.db, app: app)
            expectTrue(try await service.verify(fresh) == nil)
            steps[2].comment = "材料齐全"
            try await steps[2].save(on: app.db)
            let broken = try await service.verify(fresh)
            XCTAssertEqual(broken?.seq, 3)

            // The community sees the request but neither the documents nor the buttons.
            let community = app.browser()
            _ = try await community.login("op-c1")
            let page = try await community.get("/agent-services/\(request.id!)")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("仅承办部门和经办网格员可查看"))
            expectEqual(try await community.get("/agent-services/\(request.id!)/documents/\(document.id!)").status, .notFound)
            expectEqual(try await send(app, community, deskAct, ["action": "approve"]).status, .forbidden)
        }
    }

    func testTheWorkerAsksForAResidentAndTheResidentWithdrawsByCode() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            try await civilAffairs(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            var r = try await worker.post("/m/services", form: ["service": "MZ004", "grid": String(city.gridB.id!), "name": "周桂英", "phone": "13907310002",
                                                              "address": "清水路 5 号 101"])
            XCTAssertEqual(r.status, .forbidden, "only for residents of the worker's grids")
            r = try await worker.post("/m/services", form: ["service": "MZ004", "grid": String(city.gridA.id!), "name": "周", "phone": "13907310002",
                                                          "address": "清水路 5 号 101"])
            XCTAssertTrue(r.body.string.contains("请填写申请人姓名"))
            expectEqual(try await AgentServiceRequest.query(on: app.db).count(), 0)
            r = try await worker.post("/m/services", form: ["service": "MZ004", "grid": String(city.gridA.id!), "name": "周桂英", "phone": "13907310002",
                                                          "address": "清水路 5 号 101"])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let request = try await AgentServiceRequest.query(on: app.db).first()!
            XCTAssertEqual(request.channel, .gridWorker)

            let resident = app.browser()
            r = try await resident.post("/r/track/\(request.trackingCode)/withdraw", form: ["reason": "已自行办理"])
            XCTAssertEqual(r.status, .forbidden, "the code alone does not withdraw")
            r = try await resident.post("/r/track/\(request.trackingCode)/withdraw", form: ["reason": "已自行办理", "phoneTail": "0001"])
            XCTAssertEqual(r.status, .forbidden, "nor the wrong phone")
            r = try await resident.post("/r/track/\(request.trackingCode)/withdraw", form: ["reason": "", "phoneTail": "0002"])
            XCTAssertTrue(r.body.string.contains("请写明原因"))
            r = try await resident.post("/r/track/\(request.trackingCode)/withdraw", form: ["reason": "已自行办理", "phoneTail": "0002"])
            XCTAssertEqual(r.status, .seeOther)
            let fresh = try await AgentServiceRequest.find(request.id, on: app.db)!
            XCTAssertEqual(fresh.status, .withdrawn)
            r = try await send(app, worker, "/m/services/\(request.id!)/act", ["action": "submit"], files: [("documents[]", "a.png", PhotoTests.png)])
            XCTAssertEqual(r.status, .unprocessableEntity, "nothing to do on a withdrawn request")
            let page = try await resident.get("/r/track/\(request.trackingCode)")
            XCTAssertTrue(page.body.string.contains("申请已撤回"))
            XCTAssertFalse(page.body.string.contains("撤回原因"), "no second withdrawal")
        }
    }

    func testAPatrolChecklistProblemBecomesACaseInOneTap() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let category = try await app.category("SZ01")
            var r = try await worker.post("/m/patrol/items", form: ["grid": String(city.gridA.id!), "title": "5 号楼前窨井盖", "kind": "component",
                                                                   "place": "5 号楼前", "category": category.uuidString])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            _ = try await worker.post("/m/patrol/items", form: ["grid": String(city.gridA.id!), "title": "东门工地围挡", "kind": "site", "place": ""])
            r = try await worker.post("/m/patrol/items", form: ["grid": String(city.gridB.id!), "title": "别人的井盖", "kind": "component"])
            XCTAssertEqual(r.status, .notFound, "not another grid's list")
            let items = try await PatrolChecklistItem.query(on: app.db).sort(\.$position).all()
            XCTAssertEqual(items.map(\.title), ["5 号楼前窨井盖", "东门工地围挡"])
            let page = try await worker.get("/m/patrol")
            XCTAssertTrue(page.body.string.contains("5 号楼前窨井盖") && page.body.string.contains("近 30 天未巡查"))

            // A problem without a word is refused and nothing is written.
            var fields = ["grid": String(city.gridA.id!), "items[0]": items[0].id!.uuidString, "results[0]": "problem", "notes[0]": "",
                          "items[1]": items[1].id!.uuidString, "results[1]": "ok", "notes[1]": ""]
            r = try await worker.post("/m/patrol", form: fields)
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("有问题，请简要写明情况"))
            expectEqual(try await PatrolCheckIn.query(on: app.db).count(), 0)
            fields["notes[0]"] = "井盖破裂一角"
            r = try await worker.post("/m/patrol", form: fields)
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let results = try await PatrolItemResult.query(on: app.db).all()
            XCTAssertEqual(results.count, 2)
            let problem = try XCTUnwrap(results.first { !$0.ok })

            // The patrol page offers "上报为事件"; the form comes pre-filled.
            expectTrue(try await worker.get("/m/patrol").body.string.contains("/m/report?finding=\(problem.id!)"))
            let form = try await worker.get("/m/report?finding=\(problem.id!)")
            XCTAssertTrue(form.body.string.contains("巡查发现【5 号楼前窨井盖】（5 号楼前）：井盖破裂一角"))
            XCTAssertTrue(form.body.string.contains(#"value="\#(category.uuidString)" selected"#), "the item's category chosen")
            r = try await worker.post("/m/report", form: ["category": category.uuidString, "description": "巡查发现【5 号楼前窨井盖】（5 号楼前）：井盖破裂一角",
                                                         "grid": String(city.gridA.id!), "mode": "report", "finding": problem.id!.uuidString])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let c = try await Case.query(on: app.db).first()!
            let linked = try await PatrolItemResult.find(problem.id, on: app.db)!
            XCTAssertEqual(linked.caseID, c.id)
            expectEqual(try await worker.get("/m/report?finding=\(problem.id!)").status, .conflict, "reported once")

            // A worker of another grid cannot use the finding; retiring an item keeps its history.
            let other = app.browser()
            _ = try await other.login("wg-b")
            expectEqual(try await other.get("/m/report?finding=\(problem.id!)").status, .notFound)
            r = try await worker.post("/m/patrol/items/\(items[1].id!)/retire", form: [:])
            XCTAssertEqual(r.status, .seeOther)
            expectFalse(try await worker.get("/m/patrol").body.string.contains("东门工地围挡"))
            expectEqual(try await PatrolItemResult.query(on: app.db).count(), 2)
        }
    }

    func testTheWeeksVisitPlanShowsWhatIsLateAndWhatFallsDueEachDay() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let workerUser = try await CurrentUser.load(city.users["wg-a"]!, via: .webSession, on: app.db)
            let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1945, month: 3, day: 1), sequence: 9).value
            let person = try await RegistryService(db: app.db, app: app).savePerson(
                .init(name: "李奶奶", idNumber: idNumber, kind: "registered", gridID: city.gridA.id!, householdNumber: "A-9", tags: ""),
                existing: nil, by: workerUser)
            // Due last Monday (missed), this Friday, and in two weeks.
            for (kind, due) in [(SpecialGroupKind.elderlyAlone, "2026-11-16"), (.disabled, "2026-11-20"), (.frontierVeteran, "2026-12-02")] {
                let m = SpecialGroupMember()
                m.$person.id = try person.requireID(); m.gridID = city.gridA.id!; m.kind = kind; m.active = true
                m.filedOn = "2026-01-01"; m.nextVisitDue = due; m.details = "{}"; m.version = 1; m.updatedAt = testNow
                try await m.create(on: app.db)
            }
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let page = try await worker.get("/m/visits").body.string
            XCTAssertTrue(page.contains("2026-11-16 至 2026-11-22"), "the week of Wednesday 11-18")
            XCTAssertTrue(page.contains("已逾期 1 人"))
            XCTAssertTrue(page.contains("周五 11-20"))
            XCTAssertTrue(page.contains("本周还有 1 人到期"), "the one due in December waits")
            XCTAssertFalse(page.contains("周一 11-16"), "days already past are not listed")
        }
    }
}
