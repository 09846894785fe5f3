import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

final class StaffAndPrivacyTests: XCTestCase {
    func testAdministratorCreatesStaffWithARoleAndTheirPhoneIsSealed() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let response = try await app.api(.POST, "/api/v1/users", token: token, json: """
                {"username":"wg-new","displayName":"新网格员","phone":"138-0731-0001","password":"grid-2026-apple","role":"gridWorker","areaCode":"\(city.gridA2.code)"}
                """)
            XCTAssertEqual(response.status, .created, response.body.string)
            let dto = try response.content.decode(StaffController.StaffDTO.self)
            XCTAssertEqual(dto.phoneMasked, "138****0001")
            XCTAssertEqual(dto.roles.first?.employment, .fullTime)
            let row = try await User.query(on: app.db).filter(\.$username == "wg-new").first()!
            XCTAssertFalse(row.phoneSealed!.contains("13807310001"))
            let newToken = try await app.token("wg-new", password: "grid-2026-apple")
            let status = try await app.api(.GET, "/api/v1/areas/\(city.gridA2.id!)", token: newToken).status
            XCTAssertEqual(status, .ok)
        }
    }

    func testRolesMustFitTheirLevel() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let id = city.users["wg-b"]!.id!
            let wrong = try await app.api(.POST, "/api/v1/users/\(id)/roles", token: token, json: #"{"role":"gridWorker","areaCode":"\#(city.street1.code)"}"#)
            XCTAssertEqual(wrong.status, .unprocessableEntity)
            XCTAssertTrue(wrong.body.string.contains("网格员"))
            let handler = try await app.api(.POST, "/api/v1/users/\(id)/roles", token: token, json: #"{"role":"handler"}"#)
            XCTAssertEqual(handler.status, .unprocessableEntity)
            let ok = try await app.api(.POST, "/api/v1/users/\(id)/roles", token: token, json: #"{"role":"mediator","areaCode":"\#(city.community2.code)"}"#)
            XCTAssertEqual(ok.status, .created)
            let again = try await app.api(.POST, "/api/v1/users/\(id)/roles", token: token, json: #"{"role":"mediator","areaCode":"\#(city.community2.code)"}"#)
            XCTAssertEqual(again.status, .conflict)
        }
    }

    func testCommunityAdministratorCannotGrantRolesOutsideTheCommunity() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin-c1")
            let id = city.users["wg-a"]!.id!
            let response = try await app.api(.POST, "/api/v1/users/\(id)/roles", token: token, json: #"{"role":"mediator","areaCode":"\#(city.community2.code)"}"#)
            XCTAssertEqual(response.status, .unprocessableEntity)
            let count = try await RoleAssignment.query(on: app.db).filter(\.$user.$id == id).count()
            XCTAssertEqual(count, 1)
        }
    }

    func testRevealingAPhoneIsLogged() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let browser = app.browser()
            _ = try await browser.login("admin")
            let page = try await browser.get("/staff/\(city.users["wg-a"]!.id!)")
            XCTAssertTrue(page.body.string.contains("138****0000"))
            XCTAssertFalse(page.body.string.contains("13800000000"))
            let revealed = try await browser.post("/staff/\(city.users["wg-a"]!.id!)/phone", form: [:])
            XCTAssertTrue(revealed.body.string.contains("13800000000"))
            let logs = try await AccessLog.query(on: app.db).all()
            XCTAssertEqual(logs.count, 1)
            XCTAssertEqual(logs.first?.actorID, city.users["admin"]!.id)
            XCTAssertEqual(logs.first?.subjectID, city.users["wg-a"]!.id!.uuidString)
            XCTAssertEqual(logs.first?.at, testNow)
        }
    }

    func testDepartmentsAreListedForStaffAndEditedBySystemAdministrators() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let admin = app.browser()
            _ = try await admin.login("admin")
            let created = try await admin.post("/departments", form: ["code": "mz", "name": "区民政局", "responsibilities": "低保五保、养老服务"])
            XCTAssertEqual(created.status, .seeOther)
            let duplicate = try await admin.post("/departments", form: ["code": "MZ", "name": "另一个", "responsibilities": "x"])
            XCTAssertEqual(duplicate.status, .conflict)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let list = try await worker.get("/departments")
            XCTAssertTrue(list.body.string.contains("区民政局"))
            let refused = try await worker.post("/departments", form: ["code": "X", "name": "X", "responsibilities": "X"])
            XCTAssertEqual(refused.status, .forbidden)
        }
    }
}
