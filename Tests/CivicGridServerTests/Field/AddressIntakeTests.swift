import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Reports by address alone: the resident's 随手拍 (sure → filed, several places → a choice with what was
/// typed kept), a hotline order without coordinates, and 找网格员.
extension FieldTests {
    func addressCity(_ app: Application) async throws -> TestCity {
        let city = try await TestCity.build(app)
        let registry = RegistryService(db: app.db, app: app)
        for (user, grid, name, address) in [("wg-a", city.gridA, "3栋", "清水路3号"), ("wg-b", city.gridB, "1栋", "清水路9号")] {
            let worker = try await CurrentUser.load(city.users[user]!, via: .webSession, on: app.db)
            _ = try await registry.saveBuilding(.init(gridID: grid.id!, name: name, address: address, latitude: nil, longitude: nil, floors: 6, units: 2),
                                                existing: nil, by: worker)
        }
        return city
    }

    func testAResidentReportsByAddressAloneAndChoosesWhenItFitsSeveralPlaces() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await addressCity(app)
            let category = try await app.category("SZ01")
            func report(_ address: String, grid: String? = nil) async throws -> XCTHTTPResponse {
                let resident = app.browser()
                let html = try await resident.get("/r/report").body.string
                let (answer, token) = try XCTUnwrap(challenge(in: html))
                clock.advance(by: 20)  // a person takes a moment to answer
                var fields = ["category": category.uuidString, "description": "井盖破损，晚上看不见很危险", "address": address,
                              "phone": "13907310001", "challenge": token, "answer": String(answer)]
                if let grid { fields["grid"] = grid }
                return try await send(app, resident, "/r/report", fields, files: [("photos[]", "well.png", PhotoTests.png)], json: false)
            }
            // Sure: full-width digits and 门口 are no obstacle.
            var response = try await report("清水路３号门口")
            XCTAssertEqual(response.status, .created, response.body.string)
            let first = try await Case.query(on: app.db).first()
            XCTAssertEqual(first?.$grid.id, city.gridA.id, "the grid of 清水路3号")
            XCTAssertEqual(first?.address, "清水路３号门口", "the words as typed are kept")
            // Several places: a choice of them, everything typed kept, the photo asked for again; nothing filed.
            response = try await report("清水路")
            XCTAssertEqual(response.status, .unprocessableEntity)
            let page = response.body.string
            XCTAssertTrue(page.contains("data-address-choices") && page.contains("清水社区第1网格") && page.contains("湘江社区第1网格"), page)
            XCTAssertTrue(page.contains("井盖破损，晚上看不见很危险") && page.contains("value=\"清水路\""), "what was typed stays")
            XCTAssertTrue(page.contains("照片需重新添加"))
            expectEqual(try await Case.query(on: app.db).count(), 1)
            // The choice made: filed in the grid chosen.
            response = try await report("清水路", grid: String(city.gridB.id!))
            XCTAssertEqual(response.status, .created, response.body.string)
            // Nothing like an address: said plainly.
            response = try await report("不知道")
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("请写明路名和门牌号"))
        }
    }

    func testAHotlineOrderWithoutCoordinatesIsPlacedByItsAddressAndFindMyGridUsesTheMatcher() async throws {
        try await withApp { app in
            let city = try await addressCity(app)
            let key = try await app.issueApiKey(name: "12345热线", scopes: [.hotline])
            var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Api-Key": key]
            headers.add(name: "Accept", value: "application/json")
            let order = try await app.testable().sendRequest(.POST, "/api/v1/hotline/orders", headers: headers, body: ByteBuffer(string: """
                {"source":"12345","orderNo":"ZZ-2026-0777","caller":"刘先生","phone":"13807310077","content":"清水路九号门口路灯不亮","address":"清水路九号","categoryText":"路灯不亮"}
                """))
            XCTAssertEqual(order.status, .created, order.body.string)
            let id = try order.content.decode(HotlineService.Receipt.self).caseID
            expectEqual(try await Case.find(id, on: app.db)?.$grid.id, city.gridB.id)
            let resident = app.browser()
            let home = try await resident.get("/r?q=清水路3号").body.string
            XCTAssertTrue(home.contains("/r/grids/\(city.gridA.id!)") && home.contains("按地址匹配"), home)
        }
    }

    func testResidentsChooseFromTheShortPublicList() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let resident = app.browser()
            let html = try await resident.get("/r/report").body.string
            XCTAssertTrue(html.contains("井盖破损丢失"))
            for staffOnly in ["可疑人员", "社区矫正人员异常", "精神障碍患者异常", "待分类"] { XCTAssertFalse(html.contains(staffOnly), staffOnly) }
            let (answer, token) = try XCTUnwrap(challenge(in: html))
            clock.advance(by: 20)
            let response = try await send(app, resident, "/r/report", [
                "category": try await app.category("ZA01").uuidString, "description": "楼下有陌生人转来转去", "grid": String(city.gridA.id!),
                "phone": "13907310001", "challenge": token, "answer": String(answer)], json: false)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("请从列表中选择问题类别"))
            expectEqual(try await Case.query(on: app.db).count(), 0)
            // Staff still file it.
            let staff = try await app.api(.GET, "/api/v1/categories", token: try await app.token("op-c1"))
            XCTAssertTrue(staff.body.string.contains("可疑人员"))
        }
    }
}
