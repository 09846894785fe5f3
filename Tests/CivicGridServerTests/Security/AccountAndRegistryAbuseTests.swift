import Fluent
import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Findings 4, 7 and 11: a community administrator taking over wider accounts, the registry as an
/// existence oracle for ID numbers city-wide, and LIKE wildcards listing everything.
final class AccountAndRegistryAbuseTests: XCTestCase {
    func testACommunityAdministratorCannotTakeOverAStaffMemberWithRolesOutsideTheCommunity() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            // The district leader also mediates in 清水社区.
            let leader = city.users["ld-d"]!
            try await RoleAssignment(userID: leader.id!, role: .mediator, areaID: city.community1.id, departmentID: nil, employment: nil).create(on: app.db)
            let admin = app.browser()
            _ = try await admin.login("admin-c1")
            let page = try await admin.get("/staff/\(leader.id!)")
            XCTAssertEqual(page.status, .ok, "still visible: they hold a role in the community")
            XCTAssertTrue(page.body.string.contains(StaffService.outsideReason))
            XCTAssertFalse(page.body.string.contains("重置密码"), "no reset form")
            let before = try await User.find(leader.id!, on: app.db)!.passwordHash
            for (path, form) in [("password", ["password": "take-over-the-district"]), ("active", ["active": "0"]), ("phone", [:])] {
                let r = try await admin.post("/staff/\(leader.id!)/\(path)", form: form)
                XCTAssertEqual(r.status, .forbidden, path)
            }
            let role = try await RoleAssignment.query(on: app.db).filter(\.$user.$id == leader.id!).filter(\.$role == .mediator).first()!
            expectEqual(try await admin.post("/staff/\(leader.id!)/roles/\(role.id!)/delete", form: [:]).status, .forbidden)
            let token = try await app.token("admin-c1")
            expectEqual(try await app.api(.DELETE, "/api/v1/users/\(leader.id!)/roles/\(role.id!)", token: token).status, .forbidden)
            let after = try await User.find(leader.id!, on: app.db)!
            XCTAssertEqual(after.passwordHash, before)
            XCTAssertTrue(after.active)
            expectEqual(try await RoleAssignment.query(on: app.db).filter(\.$user.$id == leader.id!).count(), 2)
            // Someone wholly inside the community is still theirs to manage.
            let ok = try await admin.post("/staff/\(city.users["wg-a"]!.id!)/password", form: ["password": "a-new-long-password"])
            XCTAssertEqual(ok.status, .seeOther, ok.body.string)
        }
    }

    func testAnIDNumberRegisteredInAnotherStreetIsNotConfirmed() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let number = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1975, month: 6, day: 1), sequence: 33).value
            func form(_ name: String, grid: Area) -> [String: String] {
                ["name": name, "idNumber": number, "phone": "", "kind": "registered", "gridID": String(grid.id!), "householdNumber": "",
                 "relation": "", "employment": "", "tags": "", "health": "", "registeredAddress": ""]
            }
            let a = app.browser()
            _ = try await a.login("wg-a")
            expectEqual(try await a.post("/registry/people", form: form("郭建国", grid: city.gridA)).status, .seeOther)
            // Inside the scope: says where.
            let again = try await a.post("/registry/people", form: form("郭建国", grid: city.gridA))
            XCTAssertEqual(again.status, .conflict)
            XCTAssertTrue(again.body.string.contains("清水社区第1网格"))
            // Another street: neither name nor place, and the attempt is logged.
            let b = app.browser()
            _ = try await b.login("wg-b")
            let probe = try await b.post("/registry/people", form: form("某某", grid: city.gridB))
            XCTAssertEqual(probe.status, .conflict)
            XCTAssertFalse(probe.body.string.contains("郭*"), "the masked name is not told")
            XCTAssertFalse(probe.body.string.contains("已登记"), "nor that it is registered")
            XCTAssertTrue(probe.body.string.contains(RegistryService.clashOutsideReason))
            let logged = try await AccessLog.query(on: app.db).filter(\.$actorID == city.users["wg-b"]!.id!).filter(\.$field == "idNumberClash").count()
            XCTAssertEqual(logged, 1)
        }
    }

    func testLikeWildcardsInSearchesAreLiteral() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let a = app.browser()
            _ = try await a.login("wg-a")
            for (i, name) in ["张三", "李四"].enumerated() {
                _ = try await a.addPerson(name, idNumber: IdentityNumber.make(region: "430204", birth: LocalDate(year: 1980, month: 1, day: 1), sequence: 40 + i).value,
                                          grid: city.gridA)
            }
            let token = try await app.token("wg-a")
            for q in ["%25", "_", "%5C"] {
                let r = try await app.api(.GET, "/api/v1/people?q=\(q)", token: token)
                XCTAssertEqual(r.status, .ok, q)
                XCTAssertFalse(r.body.string.contains("张"), "q=\(q) lists everyone")
            }
            let named = try await app.api(.GET, "/api/v1/people?q=" + "张".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, token: token)
            XCTAssertTrue(named.body.string.contains("张"), "a real prefix still finds")
            // The resident portal's place search (it also makes QR tokens for what it finds).
            let building = Building()
            building.$grid.id = city.gridA.id!; building.name = "1栋"; building.address = "清水路1号"
            building.floors = 6; building.units = 2; building.version = 1; building.updatedAt = testNow
            try await building.create(on: app.db)
            let portal = try await app.testable().sendRequest(.GET, "/r?q=%25")
            XCTAssertFalse(portal.body.string.contains("清水路1号"))
        }
    }
}
