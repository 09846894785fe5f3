import Fluent
import Foundation
import GridCore
import Synchronization
import XCTVapor
@testable import CivicGridServer

/// 12345 work orders in through the webhook, status changes back out through the outbox, with a
/// receiver that is down at first.
final class HotlineTests: XCTestCase {
    /// A hotline system's callback endpoint: answers 503 to the first `failures` posts, then 200.
    final class Receiver: Sendable {
        final class Log: Sendable {
            let received = Mutex<[String]>([])
            let calls = Mutex(0)
        }
        let app: Application
        let log = Log()
        let port: Int
        var received: [String] { log.received.withLock { $0 } }

        init(failures: Int) async throws {
            app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            let log = self.log
            app.post("callback") { req async -> HTTPStatus in
                let n = log.calls.withLock { $0 += 1; return $0 }
                guard n > failures else { return .serviceUnavailable }
                log.received.withLock { $0.append(req.body.string ?? "") }
                return .ok
            }
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            port = app.http.server.shared.localAddress?.port ?? 0
        }

        func stop() async throws { await app.server.shutdown(); try await app.asyncShutdown() }
    }

    func order(_ app: Application, key: String?, _ json: String) async throws -> XCTHTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
        if let key { headers.add(name: "X-Api-Key", value: key) }
        return try await app.testable().sendRequest(.POST, "/api/v1/hotline/orders", headers: headers, body: ByteBuffer(string: json))
    }

    /// Finding 12: an Open311 app's key cannot post hotline orders, and a hotline key cannot submit Open311 requests.
    func testKeysDoOnlyWhatTheirScopesSay() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let open311 = try await app.issueApiKey(name: "市民通")
            let body = #"{"source":"12345","orderNo":"ZZ-9","caller":"刘","phone":"13807310001","content":"噪声扰民","categoryText":"噪音","gridCode":"\#(city.gridA.code)"}"#
            expectEqual(try await order(app, key: open311, body).status, .forbidden)
            expectEqual(try await Case.query(on: app.db).count(), 0)
            let hotline = try await app.issueApiKey(name: "12345", scopes: [.hotline])
            let posted = try await app.testable().sendRequest(.POST, "/open311/v2/requests.json", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                              body: ByteBuffer(string: "api_key=\(hotline)&service_code=SZ01&lat=27.805&long=113.105"))
            XCTAssertEqual(posted.status, .forbidden)
            expectEqual(try await order(app, key: hotline, body).status, .created)
        }
    }

    func testOrdersAreIdempotentMappedAndCalledBackUntilReceived() async throws {
        let receiver = try await Receiver(failures: 1)
        let clock = FixedClock(testNow)
        do {
            try await withApp(clock: clock, adjust: { $0.hotlineCallbackURL = "http://127.0.0.1:\(receiver.port)/callback" }) { app in
                let city = try await TestCity.build(app)
                let key = try await app.issueApiKey(name: "12345热线", scopes: [.hotline])
                let first = #"{"source":"12345","orderNo":"ZZ-2026-0001","caller":"刘先生","phone":"13807310001","content":"小区门口夜间施工噪声扰民。已持续一周","categoryText":"噪音扰民","gridCode":"\#(city.gridA.code)"}"#

                // In: a case on the 12345 channel, 待分类 while the text is not mapped.
                var response = try await order(app, key: key, first)
                XCTAssertEqual(response.status, .created, response.body.string)
                let receipt = try response.content.decode(HotlineService.Receipt.self)
                XCTAssertTrue(receipt.code.hasPrefix(city.gridA.code + "-"))
                XCTAssertFalse(receipt.mapped)
                XCTAssertEqual(receipt.category, "待分类（热线类别未对照）")
                let made = try await Case.find(receipt.caseID, on: app.db)!
                XCTAssertEqual(made.channel, .hotline12345)
                XCTAssertEqual(made.externalRef, "ZZ-2026-0001")
                XCTAssertEqual(made.title, "小区门口夜间施工噪声扰民")
                XCTAssertEqual(made.$holderArea.id, city.district.id, "hotline orders start at the district platform")

                // The same order again: the same case, no second one.
                response = try await order(app, key: key, first)
                XCTAssertEqual(response.status, .ok)
                let again = try response.content.decode(HotlineService.Receipt.self)
                XCTAssertEqual(again.code, receipt.code)
                XCTAssertTrue(again.duplicate)
                await expectEqual(try await Case.query(on: app.db).filter(\.$externalRef == "ZZ-2026-0001").count(), 1)

                // Bad orders: a clear error, nothing kept.
                response = try await order(app, key: nil, first)
                XCTAssertEqual(response.status, .unauthorized)
                response = try await order(app, key: key, #"{"source":"12345","orderNo":"ZZ-2","categoryText":"噪音扰民","gridCode":"\#(city.gridA.code)"}"#)
                XCTAssertEqual(response.status, .unprocessableEntity)
                XCTAssertTrue(response.body.string.contains("content"), response.body.string)
                response = try await order(app, key: key, #"{"source":"110","orderNo":"ZZ-3","content":"x噪声","categoryText":"噪音扰民","gridCode":"1"}"#)
                XCTAssertTrue(response.body.string.contains("未知的热线来源"))
                response = try await order(app, key: key, #"{"source":"12345","orderNo":"ZZ-4","content":"没有位置的工单","categoryText":"噪音扰民"}"#)
                XCTAssertEqual(response.status, .unprocessableEntity)
                response = try await order(app, key: key, "not json")
                XCTAssertEqual(response.status, .badRequest)
                let claims = try await HotlineOrderRecord.query(on: app.db).count()
                XCTAssertEqual(claims, 1, "failed orders leave no claim behind")

                // The administrator sees the unmapped text and maps it; the next order is classified.
                let admin = app.browser(); _ = try await admin.login("admin")
                var page = try await admin.get("/admin/hotline")
                XCTAssertTrue(page.body.string.contains("噪音扰民"))
                let hj03 = try await app.category("HJ03")
                response = try await admin.post("/admin/hotline/categories", form: ["source": "12345", "text": "噪音扰民", "category": hj03.uuidString])
                XCTAssertEqual(response.status, .seeOther)
                response = try await order(app, key: key, #"{"source":"12345","orderNo":"ZZ-2026-0002","content":"工地夜间打桩","categoryText":"噪音扰民","gridCode":"\#(city.gridA.code)"}"#)
                XCTAssertEqual(response.status, .created)
                let second = try response.content.decode(HotlineService.Receipt.self)
                XCTAssertTrue(second.mapped)
                let secondCategory = try await Case.find(second.caseID, on: app.db)?.$category.id
                XCTAssertEqual(secondCategory, hj03)
                let operatorPage = try await app.browser().get("/admin/hotline")
                XCTAssertNotEqual(operatorPage.status, .ok, "signed out: refused")

                // Out: two changes; the receiver is down for the first post; nothing is lost and the order holds.
                let district = try await app.token("op-d")
                response = try await app.api(.POST, "/api/v1/cases/\(receipt.caseID)/actions", token: district, json: #"{"action":"accept"}"#)
                XCTAssertEqual(response.status, .ok, response.body.string)
                var result = try await HotlineService.deliverDue(app: app, now: clock.now())
                XCTAssertEqual(result, .init(sent: 0, failed: 1))
                response = try await app.api(.POST, "/api/v1/cases/\(receipt.caseID)/actions", token: district,
                                             json: #"{"action":"handleLocally","comment":"区城管夜查"}"#)
                XCTAssertEqual(response.status, .ok, response.body.string)
                result = try await HotlineService.deliverDue(app: app, now: clock.now())
                XCTAssertEqual(result, .init(sent: 0, failed: 0), "the first waits out its back-off; the second waits behind it")
                page = try await admin.get("/admin/hotline")
                XCTAssertTrue(page.body.string.contains("重试中"))
                XCTAssertTrue(page.body.string.contains("503"))
                clock.advance(by: 61)
                result = try await HotlineService.deliverDue(app: app, now: clock.now())
                XCTAssertEqual(result, .init(sent: 2, failed: 0))
                let bodies = receiver.received
                XCTAssertEqual(bodies.count, 2)
                XCTAssertTrue(bodies[0].contains(#""orderNo":"ZZ-2026-0001""#) && bodies[0].contains(#""statusName":"待交办""#), bodies[0])
                XCTAssertTrue(bodies[1].contains("区城管夜查") && bodies[1].contains(#""statusName":"办理中""#), bodies[1])
                await expectEqual(try await OutboxMessage.query(on: app.db).filter(\.$status == .pending).count(), 0)
                // The callback's result goes back to the hotline too (回访 by the district that accepted it).
                for json in [#"{"action":"reply","comment":"已责令停工"}"#, #"{"action":"verify","passed":true}"#,
                             #"{"action":"callback","contact":"reached","resolved":true,"satisfaction":"satisfied","comment":"来电人表示满意"}"#] {
                    response = try await app.api(.POST, "/api/v1/cases/\(receipt.caseID)/actions", token: district, json: json)
                    XCTAssertEqual(response.status, .ok, "\(json): \(response.body.string)")
                }
                result = try await HotlineService.deliverDue(app: app, now: clock.now())
                XCTAssertEqual(result, .init(sent: 3, failed: 0))
                XCTAssertTrue(receiver.received.last?.contains(#""action":"回访""#) == true && receiver.received.last?.contains("已联系，已解决，满意") == true,
                              receiver.received.last ?? "")
                // Cases from other channels write nothing to the outbox.
                let before = try await OutboxMessage.query(on: app.db).count()
                let other = try await app.api(.POST, "/api/v1/cases", token: district, json: """
                    {"categoryID":"\(hj03)","title":"网格员发现","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                    """)
                let otherCase = try other.content.decode(CaseAPIController.CaseDTO.self)
                _ = try await app.api(.POST, "/api/v1/cases/\(otherCase.id)/actions", token: district, json: #"{"action":"accept"}"#)
                await expectEqual(try await OutboxMessage.query(on: app.db).count(), before)
            }
        } catch {
            try? await receiver.stop()
            throw error
        }
        try await receiver.stop()
    }

    func testOperatorsTurnAPastedGroupMessageIntoACaseOnTheRightChannel() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = app.browser(); _ = try await op.login("op-c1")
            let response = try await op.post("/cases/new", form: [
                "category": try await app.category("SR01").uuidString, "title": "", "description": "", "channel": "wechatGroup",
                "grid": String(city.gridA.id!), "pasted": "[11-22 10:01] 清水小区业主群-王阿姨：3栋楼道堆满杂物，消防通道堵了。物业一直不管",
            ])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let c = try await Case.query(on: app.db).filter(\.$channel == .wechatGroup).first()
            XCTAssertEqual(c?.title, "3栋楼道堆满杂物，消防通道堵了")
            XCTAssertEqual(c?.reporterName, "清水小区业主群-王阿姨")
            XCTAssertTrue(c?.description.contains("物业一直不管") ?? false)
            // A grid worker's form has no channel choice and no paste box: the pasted field is ignored.
            let worker = app.browser(); _ = try await worker.login("wg-a")
            let page = try await worker.get("/cases/new")
            XCTAssertEqual(page.status, .ok)
            XCTAssertFalse(page.body.string.contains("name=\"pasted\""))
            let operatorForm = try await op.get("/cases/new")
            XCTAssertEqual(operatorForm.status, .ok)
            XCTAssertTrue(operatorForm.body.string.contains("name=\"pasted\""))
        }
    }
}
