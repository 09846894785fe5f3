import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

/// The phone app, the resident portal and the building QR pages.
final class FieldTests: XCTestCase {
    /// Posts a multipart form as the browser would (with the offline queue's JSON answer when `json`).
    func send(_ app: Application, _ browser: Browser, _ path: String, _ fields: [String: String],
              files: [(name: String, filename: String, bytes: [UInt8])] = [], json: Bool = true) async throws -> XCTHTTPResponse {
        var all = fields
        all["_csrf"] = "test-csrf-token"
        let (type, body) = multipart(all, files: files)
        var headers: HTTPHeaders = ["Cookie": browser.cookieHeader, "Content-Type": type]
        if json { headers.add(name: .accept, value: "application/json") }
        return try await app.testable().sendRequest(.POST, path, headers: headers, body: body)
    }

    func testAPhoneReportSentTwiceIsKeptOnce() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let category = try await app.category("SZ05")
            let fields = ["category": category.uuidString, "description": "清水路 3 号屋檐瓦片松动，随时可能掉落", "grid": String(city.gridA.id!),
                          "mode": "report", "clientKey": "0f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"]
            var response = try await send(app, worker, "/m/report", fields, files: [("photos[]", "eave.png", PhotoTests.png)])
            XCTAssertEqual(response.status, .created, response.body.string)
            let first = try response.content.decode(FieldController.SyncAnswer.self)
            XCTAssertFalse(first.duplicate)
            // The phone lost the answer and sends the same record again: same case, nothing new.
            response = try await send(app, worker, "/m/report", fields, files: [("photos[]", "eave.png", PhotoTests.png)])
            XCTAssertEqual(response.status, .ok)
            let second = try response.content.decode(FieldController.SyncAnswer.self)
            XCTAssertTrue(second.duplicate)
            XCTAssertEqual(second.id, first.id)
            expectEqual(try await Case.query(on: app.db).count(), 1)
            expectEqual(try await CasePhoto.query(on: app.db).count(), 1)
            let c = try await Case.find(UUID(uuidString: first.id), on: app.db)!
            XCTAssertTrue(c.title.hasSuffix("清水路 3 号屋檐瓦片松动，随时可能掉落"), c.title)
            XCTAssertEqual(c.channel, .gridWorker)
            XCTAssertEqual(c.status, .awaitingApproval, "a worker's report up waits for the grid leader")
            XCTAssertNotNil(c.trackingCode.flatMap(TrackingCode.init))

            // A new key is a new report; the same key from another worker is theirs alone.
            var other = fields
            other["clientKey"] = "1f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"
            response = try await send(app, worker, "/m/report", other)
            XCTAssertEqual(response.status, .created)
            expectEqual(try await Case.query(on: app.db).count(), 2)

            // Bad input: a clear reason for the queue to show, nothing written.
            var bad = fields
            bad["category"] = ""; bad["clientKey"] = "2f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"
            response = try await send(app, worker, "/m/report", bad)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("请选择事件类别"), response.body.string)
            bad = fields
            bad["clientKey"] = "../../etc/passwd"
            response = try await send(app, worker, "/m/report", bad)
            XCTAssertEqual(response.status, .badRequest)
            expectEqual(try await Case.query(on: app.db).count(), 2)
            expectEqual(try await ClientReceipt.query(on: app.db).count(), 2)

            // Without script the form posts and lands on 我的工作.
            other["clientKey"] = "3f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"
            response = try await send(app, worker, "/m/report", other, json: false)
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(response.headers.first(name: .location), "/m/?notice=reported")
        }
    }

    func testAnOnTheSpotFixIsReportedAndClosedInOneStep() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let response = try await send(app, worker, "/m/report", [
                "category": try await app.category("SZ05").uuidString, "description": "楼道堆放纸箱", "grid": String(city.gridA.id!),
                "mode": "onsite", "onSiteNote": "已劝导住户清理", "clientKey": "4f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b",
            ], files: [("photos[]", "before.png", PhotoTests.png), ("afterPhotos[]", "after.png", PhotoTests.png)])
            XCTAssertEqual(response.status, .created, response.body.string)
            let c = try await Case.query(on: app.db).first()!
            XCTAssertEqual(c.status, .closed)
            let entries = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == c.id!).sort(\.$seq).all()
            XCTAssertEqual(entries.map(\.action), [ActionKind.report.rawValue, ActionKind.resolveOnSite.rawValue])
            let photos = try await CasePhoto.query(on: app.db).all()
            XCTAssertEqual(photos.count, 2)
            XCTAssertFalse(entries[0].attachments.isEmpty)
            XCTAssertFalse(entries[1].attachments.isEmpty, "the after photo is on the on-site entry")
        }
    }

    func testAnOfflineVisitSyncsOnceWithItsPhotoAndRegistryUpdate() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let workerUser = try await CurrentUser.load(city.users["wg-a"]!, via: .webSession, on: app.db)
            let registry = RegistryService(db: app.db, app: app)
            let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1948, month: 3, day: 1), sequence: 7).value
            let person = try await registry.savePerson(.init(name: "李奶奶", idNumber: idNumber, kind: "registered", gridID: city.gridA.id!,
                                                             householdNumber: "A-9", tags: "独居"), existing: nil, by: workerUser)
            let revisionsBefore = try await RegistryRevision.query(on: app.db).count()
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let page = try await worker.get("/m/visits/new?person=\(person.id!)")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("李奶奶"))
            let fields = ["person": person.id!.uuidString, "note": "身体尚好，子女每周探望", "phone": "13912345678", "addTags": "行动不便",
                          "clientKey": "5f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"]
            var response = try await send(app, worker, "/m/visits", fields, files: [("photos[]", "visit.png", PhotoTests.png)])
            XCTAssertEqual(response.status, .created, response.body.string)
            response = try await send(app, worker, "/m/visits", fields, files: [("photos[]", "visit.png", PhotoTests.png)])
            XCTAssertEqual(response.status, .ok)
            expectEqual(try await Visit.query(on: app.db).count(), 1)
            expectEqual(try await VisitPhoto.query(on: app.db).count(), 1)
            let updated = try await Person.find(person.id!, on: app.db)!
            XCTAssertEqual(updated.phoneTail, "5678")
            XCTAssertEqual(updated.tags, "独居、行动不便")
            expectEqual(try await RegistryRevision.query(on: app.db).count(), revisionsBefore + 1)

            // The photo is shown to those who may see the person, and to nobody else.
            let photo = try await VisitPhoto.query(on: app.db).first()!
            expectEqual(try await worker.get("/visit-photos/\(photo.id!)").status, .ok)
            let stranger = app.browser()
            _ = try await stranger.login("wg-b")
            expectEqual(try await stranger.get("/visit-photos/\(photo.id!)").status, .notFound)
            expectEqual(try await stranger.get("/m/visits/new?person=\(person.id!)").status, .notFound)

            // A visit with a bad phone writes nothing at all (no visit, no half update).
            var bad = fields
            bad["phone"] = "12345"; bad["clientKey"] = "6f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b"
            response = try await send(app, worker, "/m/visits", bad)
            XCTAssertEqual(response.status, .unprocessableEntity)
            expectEqual(try await Visit.query(on: app.db).count(), 1)
            expectEqual(try await ClientReceipt.query(on: app.db).count(), 1)
        }
    }

    func testPatrolCheckInsKeepThePhonesTimeWithinLimits() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let twoHoursAgo = Int((testNow.timeIntervalSince1970 - 7_200) * 1000)
            var response = try await worker.post("/m/patrol", form: ["grid": String(city.gridA.id!), "note": "楼道畅通",
                                                                     "clientKey": "7f4c2a1e-8b7d-4e5f-9a3b-2c1d0e9f8a7b", "recordedAt": String(twoHoursAgo)])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let check = try await PatrolCheckIn.query(on: app.db).first()!
            XCTAssertEqual(check.at.timeIntervalSince1970, testNow.timeIntervalSince1970 - 7_200, accuracy: 0.01)
            XCTAssertEqual(check.day, "2026-11-18")
            XCTAssertNil(check.insideGrid, "no position given")
            let home = try await worker.get("/m/")
            XCTAssertTrue(home.body.string.contains("楼道畅通"), "today's patrol on 我的工作")
            // Finding 12: synced two hours late with no position — kept, but marked and not a patrol day.
            XCTAssertTrue(check.isUnverified)
            XCTAssertTrue(home.body.string.contains("离线补报·无定位"))
            let stats = try await AssessmentService(db: app.db, app: app).months([city.gridA], .init(first: LocalDate(year: 2026, month: 11, day: 1)))
            XCTAssertEqual(stats[city.gridA.id!]?.patrolDays ?? 0, 0, "an unverifiable check-in is not counted")
            _ = try await worker.post("/m/patrol", form: ["grid": String(city.gridA.id!), "note": "现场打卡"])
            let counted = try await AssessmentService(db: app.db, app: app).months([city.gridA], .init(first: LocalDate(year: 2026, month: 11, day: 1)))
            XCTAssertEqual(counted[city.gridA.id!]?.patrolDays, 1, "one made on the spot counts")
            let tenDaysAgo = Int((testNow.timeIntervalSince1970 - 10 * 86_400) * 1000)
            response = try await worker.post("/m/patrol", form: ["grid": String(city.gridA.id!), "recordedAt": String(tenDaysAgo)])
            XCTAssertEqual(response.status, .unprocessableEntity)
            response = try await worker.post("/m/patrol", form: ["grid": String(city.gridB.id!)])
            XCTAssertEqual(response.status, .unprocessableEntity, "not the worker's grid")
            expectEqual(try await PatrolCheckIn.query(on: app.db).count(), 2)
        }
    }

    /// The question and token on the anonymous report form.
    func challenge(in html: String) -> (answer: Int, token: String)? {
        guard let q = html.range(of: #"验证：(\d) \+ (\d) = ？"#, options: .regularExpression),
              let t = html.range(of: #"name="challenge" value="[^"]+""#, options: .regularExpression) else { return nil }
        let digits = html[q].compactMap { $0.wholeNumberValue }
        let token = html[t].dropFirst(#"name="challenge" value=""#.count).dropLast()
        return (digits[0] + digits[1], String(token))
    }

    /// The reporter withdraws with the same proof as rating; a suspension is shown as 暂缓办理 with its reason.
    func testAResidentSeesASuspensionInPlainWordsAndWithdrawsByCode() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let resident = app.browser()
            let form = try await resident.get("/r/report")
            let (answer, token) = try XCTUnwrap(challenge(in: form.body.string))
            clock.advance(by: 20)
            let fields = ["category": try await app.category("SZ01").uuidString, "description": "楼下路灯一直不亮", "grid": String(city.gridA.id!),
                          "phone": "13907310001", "name": "王女士", "challenge": token, "answer": String(answer)]
            expectEqual(try await send(app, resident, "/r/report", fields, json: false).status, .created)
            let c = try await Case.query(on: app.db).first()!
            let code = try XCTUnwrap(c.trackingCode)
            var track = try await resident.get("/r/track/\(code)").body.string
            XCTAssertTrue(track.contains("在规定时间内办理中") && track.contains("撤回诉求"), "the light in plain words; the withdraw form")
            // The community accepts, then suspends with the street's approval.
            let op = try await app.token("op-c1"), street = try await app.token("op-s1")
            for (t, action) in [(op, #"{"action":"accept"}"#), (op, #"{"action":"handleLocally","comment":"社区协调"}"#),
                                (op, #"{"action":"suspend","comment":"需更换整条线路，已列入下月计划","reviewDate":"2026-12-15"}"#),
                                (street, #"{"action":"decideSuspension","approved":true}"#)] {
                let r = try await app.api(.POST, "/api/v1/cases/\(c.id!)/actions", token: t, json: action)
                XCTAssertEqual(r.status, .ok, "\(action): \(r.body.string)")
            }
            track = try await resident.get("/r/track/\(code)").body.string
            XCTAssertTrue(track.contains("暂缓办理：需更换整条线路，已列入下月计划") && track.contains("2026-12-15 起恢复办理"), track)
            // Withdrawing needs the phone's last four.
            var response = try await resident.post("/r/track/\(code)/withdraw", form: ["reason": "已自行解决", "phoneTail": "1234"])
            XCTAssertEqual(response.status, .forbidden)
            response = try await resident.post("/r/track/\(code)/withdraw", form: ["reason": "", "phoneTail": "0001"])
            XCTAssertEqual(response.status, .unprocessableEntity)
            response = try await resident.post("/r/track/\(code)/withdraw", form: ["reason": "已自行解决", "phoneTail": "0001"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            expectEqual(try await Case.find(c.id!, on: app.db)?.status, .withdrawn)
            track = try await resident.get("/r/track/\(code)").body.string
            XCTAssertTrue(track.contains("已撤件") && !track.contains("撤回诉求</button>"))
        }
    }

    func testAResidentReportsWithoutAnAccountTracksAndRates() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let resident = app.browser()
            let form = try await resident.get("/r/report")
            XCTAssertEqual(form.status, .ok)
            let (answer, token) = try XCTUnwrap(challenge(in: form.body.string))
            clock.advance(by: 20)
            let category = try await app.category("SZ01")
            var fields = ["category": category.uuidString, "description": "小区门口井盖破损，晚上看不见很危险", "grid": String(city.gridA.id!),
                          "phone": "13907310001", "name": "王女士", "challenge": token, "answer": String(answer + 1)]
            var response = try await send(app, resident, "/r/report", fields, json: false)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("验证问题回答不正确"))
            fields["answer"] = String(answer); fields["phone"] = ""
            response = try await send(app, resident, "/r/report", fields, json: false)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("请留下手机号码"))
            expectEqual(try await Case.query(on: app.db).count(), 0)

            fields["phone"] = "13907310001"
            response = try await send(app, resident, "/r/report", fields, files: [("photos[]", "well.png", PhotoTests.png)], json: false)
            XCTAssertEqual(response.status, .created, response.body.string)
            let c = try await Case.query(on: app.db).first()!
            let code = try XCTUnwrap(c.trackingCode.flatMap(TrackingCode.init))
            XCTAssertTrue(response.body.string.contains(code.grouped), "the tracking code is shown once the report is in")
            XCTAssertEqual(c.channel, .resident)
            XCTAssertEqual(c.reporterName, "王女士")
            XCTAssertNotNil(c.reporterPhoneSealed)
            XCTAssertFalse(c.reporterPhoneSealed!.contains("13907310001"), "the phone is sealed at rest")

            // Tracking: plain words, the public steps, nobody's personal data.
            var track = try await resident.get("/r/track/\(code.grouped.lowercased())")
            XCTAssertEqual(track.status, .ok)
            for shown in ["等待指挥中心受理", "问题已提交", "清水社区第1网格", "预计"] { XCTAssertTrue(track.body.string.contains(shown), shown) }
            for hidden in ["13907310001", "王女士", "0001"] { XCTAssertFalse(track.body.string.contains(hidden), hidden) }
            expectEqual(try await resident.get("/r/track/ABCDEFGHJ2").status, .notFound)
            let lookup = try await resident.get("/r/track?code=\(code.value)")
            XCTAssertEqual(lookup.headers.first(name: .location), "/r/track/\(code.value)")

            // The case is handled by the community (accept, handle, reply, verify) …
            let op = try await app.token("op-c1")
            for action in [#"{"action":"accept"}"#, #"{"action":"handleLocally","comment":"社区安排维修"}"#,
                           #"{"action":"reply","comment":"已更换井盖"}"#] {
                let r = try await app.api(.POST, "/api/v1/cases/\(c.id!)/actions", token: op, json: action)
                XCTAssertEqual(r.status, .ok, "\(action): \(r.body.string)")
            }
            let verify = try await app.api(.POST, "/api/v1/cases/\(c.id!)/actions", token: try await app.token("wg-a"), json: #"{"action":"verify","passed":true}"#)
            XCTAssertEqual(verify.status, .ok, verify.body.string)
            track = try await resident.get("/r/track/\(code.value)")
            for shown in ["处理结果：已更换井盖", "已办结", "评价办理结果"] { XCTAssertTrue(track.body.string.contains(shown), shown) }
            XCTAssertFalse(track.body.string.contains("测试op-c1"), "no staff names")

            // Finding 8: staff can read the code, but the code alone does not rate (满意率 counts it).
            let staff = app.browser()
            _ = try await staff.login("wg-a")
            for tail in [nil, "1234", "000"] as [String?] {
                var form = ["satisfaction": "satisfied"]
                if let tail { form["phoneTail"] = tail }
                let forged = try await staff.post("/r/track/\(code.value)/rate", form: form)
                XCTAssertEqual(forged.status, .forbidden, "phone tail \(tail ?? "none")")
            }
            expectEqual(try await Case.find(c.id!, on: app.db)!.satisfaction, nil)
            XCTAssertTrue(track.body.string.contains("所留手机号的后四位"), "the page asks for it")

            // … and the resident, not satisfied, sends it back.
            response = try await resident.post("/r/track/\(code.value)/rate", form: ["satisfaction": "unsatisfied", "comment": "井盖还是松的", "phoneTail": "0001"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let rated = try await Case.find(c.id!, on: app.db)!
            XCTAssertEqual(rated.satisfaction, .unsatisfied)
            XCTAssertTrue(rated.status.isOpen, "不满意 reopens the case")
            track = try await resident.get("/r/track/\(code.value)")
            XCTAssertTrue(track.body.string.contains("评价：不满意：井盖还是松的"))
            XCTAssertFalse(track.body.string.contains("评价办理结果"), "rated once")
            response = try await resident.post("/r/track/\(code.value)/rate", form: ["satisfaction": "satisfied", "phoneTail": "0001"])
            XCTAssertGreaterThanOrEqual(response.status.code, 400)
        }
    }

    func testASignedInResidentNeedsNoChallengeAndSeesTheirReports() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let resident = User(username: "resident", displayName: "王秀英", kind: .resident, passwordHash: try Bcrypt.hash(testPassword, cost: 4))
            try await resident.create(on: app.db)
            let browser = app.browser()
            _ = try await browser.login("resident")
            let form = try await browser.get("/r/report")
            XCTAssertNil(challenge(in: form.body.string))
            let response = try await send(app, browser, "/r/report", ["category": try await app.category("SZ01").uuidString,
                                                                      "description": "路灯不亮已经三天了", "grid": String(city.gridA.id!)], json: false)
            XCTAssertEqual(response.status, .created, response.body.string)
            let c = try await Case.query(on: app.db).first()!
            XCTAssertEqual(c.$reporter.id, resident.id)
            let home = try await browser.get("/r")
            XCTAssertTrue(home.body.string.contains("/r/track/\(c.trackingCode!)"), "我的诉求")
        }
    }

    func testTheBuildingPageShowsTheGridTeamAndNoticesAndIsRateLimited() async throws {
        try await withApp(adjust: { $0.publicLookupLimit = RateLimit(limit: 2, window: 600) }) { app in
            let city = try await TestCity.build(app)
            let wgA = city.users["wg-a"]!
            wgA.workPhone = "0731-28001234"
            try await wgA.save(on: app.db)
            let worker = try await CurrentUser.load(wgA, via: .webSession, on: app.db)
            let building = try await RegistryService(db: app.db, app: app).saveBuilding(
                .init(gridID: city.gridA.id!, name: "3栋", address: "清水路3号", latitude: nil, longitude: nil, floors: 6, units: 2), existing: nil, by: worker)
            // The grid page prints the sheet and gives the building its token.
            let staff = app.browser()
            _ = try await staff.login("wg-a")
            let sheet = try await staff.get("/registry/grids/\(city.gridA.id!)/qr")
            XCTAssertEqual(sheet.status, .ok)
            let stored = try await Building.find(building.id!, on: app.db)
            let token = try XCTUnwrap(stored?.qrToken)
            XCTAssertTrue(sheet.body.string.contains("http://127.0.0.1:8080/b/\(token)"))
            // Notices: the grid's worker posts; a worker of another grid cannot.
            var response = try await staff.post("/m/notices", form: ["grid": String(city.gridA.id!), "title": "周四停水通知", "body": "周四 9–17 时停水"])
            XCTAssertEqual(response.status, .seeOther)
            let outsider = app.browser()
            _ = try await outsider.login("wg-b")
            response = try await outsider.post("/m/notices", form: ["grid": String(city.gridA.id!), "title": "冒充通知", "body": "不应出现"])
            XCTAssertEqual(response.status, .notFound)

            let visitor = app.browser()
            let page = try await visitor.get("/b/\(token)")
            XCTAssertEqual(page.status, .ok)
            for shown in ["清水路3号 3栋", "清水社区第1网格", "测试wg-a", "0731-28001234", "测试gl-c1", "周四停水通知", "/r/report?b=\(token)"] {
                XCTAssertTrue(page.body.string.contains(shown), shown)
            }
            XCTAssertFalse(page.body.string.contains("13800000000"), "a personal phone is never shown")
            XCTAssertFalse(page.body.string.contains("冒充通知"))
            // The QR code encodes the building page's address.
            // A forged Host header does not get into it (finding 12), nor is such a code cached publicly.
            let svg = try await app.testable().sendRequest(.GET, "/b/\(token)/qr.svg", headers: ["Host": "evil.example", "Cookie": visitor.cookieHeader])
            XCTAssertEqual(svg.headers.contentType?.subType, "svg+xml")
            XCTAssertEqual(svg.body.string, try QRCode("http://127.0.0.1:8080/b/\(token)").svg(), "the server's own address without PUBLIC_URL")
            XCTAssertEqual(svg.headers.first(name: .cacheControl), "no-store")
            _ = try await visitor.get("/r/grids/\(city.gridA.id!)")
            // The third public page in ten minutes from one address is refused, politely.
            let refused = try await visitor.get("/b/\(token)")
            XCTAssertEqual(refused.status, .tooManyRequests)
            XCTAssertTrue(refused.body.string.contains("操作太频繁"))
            XCTAssertNotNil(refused.headers.first(name: "Retry-After"))
            expectEqual(try await visitor.get("/b/ZZZZZZZZ").status, .tooManyRequests)
        }
    }
}
