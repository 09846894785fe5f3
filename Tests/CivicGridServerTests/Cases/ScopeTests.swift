import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Scope is enforced in SQL: a request outside a user's subtree gets 404, never data.
final class ScopeTests: XCTestCase {
    func testGridWorkerOfGridACannotReadGridB() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let token = try await app.token("wg-a")
            // act
            let own = try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: token)
            let other = try await app.api(.GET, "/api/v1/areas/\(city.gridB.id!)", token: token)
            let neighbour = try await app.api(.GET, "/api/v1/areas/\(city.gridA2.id!)", token: token)
            let parent = try await app.api(.GET, "/api/v1/areas/\(city.community1.id!)", token: token)
            // validate
            XCTAssertEqual(own.status, .ok)
            XCTAssertEqual(try own.content.decode(AreaController.AreaDTO.self).name, "清水社区第1网格")
            for response in [other, neighbour, parent] {
                XCTAssertEqual(response.status, .notFound)
                XCTAssertFalse(response.body.string.contains("网格\""), "no area data leaks: \(response.body.string)")
            }
            let browser = app.browser()
            _ = try await browser.login("wg-a")
            let page = try await browser.get("/areas/\(city.gridB.id!)")
            XCTAssertEqual(page.status, .notFound)
            XCTAssertFalse(page.body.string.contains("湘江社区第1网格"))
        }
    }

    func testStreetOperatorSeesAllOfTheStreetAndNothingOfTheNext() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("op-s1")

            let roots = try await app.api(.GET, "/api/v1/areas", token: token).content.decode([AreaController.AreaDTO].self)
            XCTAssertEqual(roots.map(\.name), ["清水塘街道"])
            let communities = try await app.api(.GET, "/api/v1/areas?parent=\(city.street1.id!)", token: token)
                .content.decode([AreaController.AreaDTO].self)
            XCTAssertEqual(communities.map(\.name), ["清水社区"])
            for area in [city.gridA, city.gridA2, city.community1] {
                let status = try await app.api(.GET, "/api/v1/areas/\(area.id!)", token: token).status
                XCTAssertEqual(status, .ok, area.name)
            }
            for area in [city.street2, city.community2, city.gridB, city.district] {
                let status = try await app.api(.GET, "/api/v1/areas/\(area.id!)", token: token).status
                XCTAssertEqual(status, .notFound, area.name)
            }
            let children = try await app.api(.GET, "/api/v1/areas?parent=\(city.street2.id!)", token: token)
            XCTAssertEqual(children.status, .notFound)
        }
    }

    func testScopeFilterIsAppliedByTheDatabase() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let scope = AccessScope(areaPaths: [city.street1.areaPath])
            let visible = try await Area.query(on: app.db).within(scope).sort(\.$code).all().map(\.name)
            XCTAssertEqual(visible, ["清水塘街道", "清水社区", "清水社区第1网格", "清水社区第2网格"])
            let none = try await Area.query(on: app.db).within(.nothing).count()
            XCTAssertEqual(none, 0)
        }
    }

    func testCommunityAdministratorManagesOnlyTheirCommunity() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin-c1")
            let list = try await app.api(.GET, "/api/v1/users", token: token).content.decode(StaffController.Page<StaffController.StaffDTO>.self)
            XCTAssertEqual(Set(list.items.map(\.username)), ["wg-a", "admin-c1", "op-c1", "gl-c1"])
            let outside = try await app.api(.GET, "/api/v1/users/\(city.users["wg-b"]!.id!)", token: token)
            XCTAssertEqual(outside.status, .notFound)
            // May create below the community, not in the next street.
            let created = try await app.api(.POST, "/api/v1/areas", token: token, json: #"{"parentID":\#(city.community1.id!),"name":"清水社区第3网格"}"#)
            XCTAssertEqual(created.status, .created)
            let refused = try await app.api(.POST, "/api/v1/areas", token: token, json: #"{"parentID":\#(city.community2.id!),"name":"越权网格"}"#)
            XCTAssertEqual(refused.status, .notFound)
            let count = try await Area.query(on: app.db).filter(\.$name == "越权网格").count()
            XCTAssertEqual(count, 0)
        }
    }

    func testOperatorsAndGridWorkersCannotChangeTheTree() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            for username in ["op-s1", "wg-a"] {
                let token = try await app.token(username)
                let area = username == "wg-a" ? city.gridA : city.community1
                let response = try await app.api(.PATCH, "/api/v1/areas/\(area.id!)", token: token, json: #"{"name":"改名"}"#)
                XCTAssertEqual(response.status, .forbidden, username)
                let staff = try await app.api(.GET, "/api/v1/users", token: token)
                XCTAssertEqual(staff.status, .forbidden, username)
            }
        }
    }

    func testDepartmentHandlerSeesNoAreas() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("cg-1")
            let roots = try await app.api(.GET, "/api/v1/areas", token: token).content.decode([AreaController.AreaDTO].self)
            XCTAssertEqual(roots.count, 0)
            let status = try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: token).status
            XCTAssertEqual(status, .notFound)
            let me = try await app.api(.GET, "/api/v1/me", token: token).content.decode(AuthController.MeResponse.self)
            XCTAssertEqual(me.roles.first?.departmentName, "区城管局")
        }
    }

    func testAnonymousRequestsAreRefused() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let api = try await app.api(.GET, "/api/v1/areas", token: nil)
            XCTAssertEqual(api.status, .unauthorized)
            XCTAssertEqual(try api.content.decode(ErrorPageMiddleware.ErrorBody.self).reason, "请先登录")
            let web = try await app.browser().get("/areas")
            XCTAssertEqual(web.status, .seeOther)
            XCTAssertEqual(web.headers.first(name: .location), "/login?next=%2Fareas")
            let bogus = try await app.api(.GET, "/api/v1/areas", token: "not-a-token")
            XCTAssertEqual(bogus.status, .unauthorized)
        }
    }
}
