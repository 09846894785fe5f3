import Fluent
import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// The forms, the pages and the import agree on who may change the registry (`RegistryRights`).
final class RegistryRightsFlowTests: XCTestCase {
    func testACommunityOperatorRegistersByFormAsByImportAndALeaderByNeither() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = app.browser()
            _ = try await op.login("op-c1")
            // The grid page offers 新增楼栋 and 登记人口; the forms are accepted.
            let grid = try await op.get("/registry/grids/\(city.gridA.id!)").body.string
            XCTAssertTrue(grid.contains("新增楼栋") && grid.contains("登记人口") && grid.contains("新增单位组织"))
            expectEqual(try await op.get("/registry/people/new").status, .ok)
            var response = try await op.post("/registry/buildings", form: ["gridID": String(city.gridA.id!), "name": "9栋", "address": "清水路9号",
                                                                           "latitude": "", "longitude": "", "floors": "6", "units": "2"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1975, month: 6, day: 1), sequence: 41).value
            response = try await op.post("/registry/people", form: [
                "name": "周七", "idNumber": idNumber, "phone": "", "kind": "registered", "gridID": String(city.gridA.id!), "householdNumber": "A-9",
                "relation": "", "employment": "", "tags": "", "health": "", "registeredAddress": ""])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            expectEqual(try await Person.query(on: app.db).filter(\.$name == "周七").count(), 1)
            // 走访 is not the command center's: no form, and the post is refused with the rule's words.
            let found = try await Person.query(on: app.db).filter(\.$name == "周七").first()
            let pid = try XCTUnwrap(found?.id)
            let person = try await op.get("/registry/people/\(pid)").body.string
            XCTAssertTrue(person.contains("修改人员信息"))
            XCTAssertFalse(person.contains("name=\"note\""), "no visit form")
            response = try await op.post("/registry/people/\(pid)/visits", form: ["note": "上门核实"])
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertTrue(response.body.string.contains("您的岗位不能登记走访记录"), response.body.string)

            // The district leader reads, and changes nothing by any channel.
            let leader = app.browser()
            _ = try await leader.login("ld-d")
            let page = try await leader.get("/registry/grids/\(city.gridA.id!)").body.string
            XCTAssertFalse(page.contains("新增楼栋") || page.contains("登记人口"))
            expectEqual(try await leader.get("/registry/people/new").status, .forbidden)
            response = try await leader.post("/registry/buildings", form: ["gridID": String(city.gridA.id!), "name": "10栋", "address": "清水路10号",
                                                                           "latitude": "", "longitude": "", "floors": "6", "units": "2"])
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertTrue(response.body.string.contains("您的岗位不能登记楼栋"))
            expectEqual(try await leader.get("/registry/import").status, .forbidden)
            expectEqual(try await Building.query(on: app.db).filter(\.$name == "10栋").count(), 0)
        }
    }
}
