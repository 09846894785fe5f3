import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

final class AreaTreeTests: XCTestCase {
    func testCreatedAreasGetPathsAndSequentialCodes() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            XCTAssertEqual(city.street1.code, "430204001")
            XCTAssertEqual(city.street2.code, "430204002")
            XCTAssertEqual(city.gridA2.code, "430204001001002")
            XCTAssertEqual(city.gridA.path, "/\(city.city.id!)/\(city.district.id!)/\(city.street1.id!)/\(city.community1.id!)/\(city.gridA.id!)/")
            XCTAssertEqual(city.gridA.level, .grid)
        }
    }

    func testDuplicateCodesAreRefusedAndNothingIsWritten() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let before = try await Area.query(on: app.db).count()
            let duplicate = try await app.api(.POST, "/api/v1/areas", token: token,
                                              json: #"{"parentID":\#(city.district.id!),"name":"新街道","code":"430204001"}"#)
            XCTAssertEqual(duplicate.status, .conflict)
            XCTAssertTrue(duplicate.body.string.contains("已被使用"))
            let badCode = try await app.api(.POST, "/api/v1/areas", token: token,
                                            json: #"{"parentID":\#(city.district.id!),"name":"新街道","code":"999999009"}"#)
            XCTAssertEqual(badCode.status, .unprocessableEntity)
            let noName = try await app.api(.POST, "/api/v1/areas", token: token, json: #"{"parentID":\#(city.district.id!),"name":"  "}"#)
            XCTAssertEqual(noName.status, .unprocessableEntity)
            XCTAssertEqual(try noName.content.decode(ErrorPageMiddleware.ErrorBody.self).reason, "名称不能为空")
            let badBoundary = try await app.api(.POST, "/api/v1/areas", token: token,
                                                json: #"{"parentID":\#(city.district.id!),"name":"新街道","boundary":{"type":"Polygon","coordinates":[[[1,2],[3,4],[5,6]]]}}"#)
            XCTAssertEqual(badBoundary.status, .unprocessableEntity)
            let after = try await Area.query(on: app.db).count()
            XCTAssertEqual(before, after)
        }
    }

    func testMovingACommunityRewritesTheWholeSubtree() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            // act: 清水社区 moves from 清水塘街道 to 响石岭街道
            let response = try await app.api(.POST, "/api/v1/areas/\(city.community1.id!)/move", token: token, json: #"{"parent":\#(city.street2.id!)}"#)
            // validate
            XCTAssertEqual(response.status, .ok, response.body.string)
            let moved = try await Area.find(city.community1.id, on: app.db)!
            XCTAssertEqual(moved.$parent.id, city.street2.id)
            XCTAssertEqual(moved.code, "430204002002")
            XCTAssertEqual(moved.path, city.street2.path + "\(moved.id!)/")
            let grids = try await Area.query(on: app.db).filter(\.$parent.$id == moved.id!).sort(\.$name).all()
            XCTAssertEqual(grids.map(\.code), ["430204002002001", "430204002002002"])
            XCTAssertEqual(grids.map(\.path), grids.map { moved.path + "\($0.id!)/" })
            // The street operator of the new street now sees it; the old one does not.
            let s1 = try await app.token("op-s1"), s2 = try await app.token("op-s2")
            let oldStatus = try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: s1).status
            let newStatus = try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: s2).status
            XCTAssertEqual(oldStatus, .notFound)
            XCTAssertEqual(newStatus, .ok)
        }
    }

    func testMovesThatWouldBreakTheTreeAreRefused() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let wrongLevel = try await app.api(.POST, "/api/v1/areas/\(city.community1.id!)/move", token: token, json: #"{"parent":\#(city.community2.id!)}"#)
            XCTAssertEqual(wrongLevel.status, .unprocessableEntity)
            let intoSelf = try await app.api(.POST, "/api/v1/areas/\(city.street1.id!)/move", token: token, json: #"{"parent":\#(city.community1.id!)}"#)
            XCTAssertEqual(intoSelf.status, .unprocessableEntity)
            let root = try await app.api(.POST, "/api/v1/areas/\(city.city.id!)/move", token: token, json: #"{"parent":\#(city.district.id!)}"#)
            XCTAssertEqual(root.status, .unprocessableEntity)
            let unchanged = try await Area.find(city.community1.id, on: app.db)!
            XCTAssertEqual(unchanged.path, city.community1.path)
            XCTAssertEqual(unchanged.code, city.community1.code)
        }
    }

    func testRecodingAnAreaRecodesItsDescendants() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let response = try await app.api(.PATCH, "/api/v1/areas/\(city.community1.id!)", token: token, json: #"{"code":"430204001009"}"#)
            XCTAssertEqual(response.status, .ok, response.body.string)
            let grid = try await Area.find(city.gridA.id, on: app.db)!
            XCTAssertEqual(grid.code, "430204001009001")
        }
    }

    func testAreasWithChildrenOrStaffCannotBeDeleted() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("admin")
            let withChildren = try await app.api(.DELETE, "/api/v1/areas/\(city.community1.id!)", token: token)
            XCTAssertEqual(withChildren.status, .unprocessableEntity)
            let withStaff = try await app.api(.DELETE, "/api/v1/areas/\(city.gridA.id!)", token: token)
            XCTAssertEqual(withStaff.status, .unprocessableEntity)
            XCTAssertTrue(withStaff.body.string.contains("人员岗位"))
            let empty = try await app.api(.DELETE, "/api/v1/areas/\(city.gridA2.id!)", token: token)
            XCTAssertEqual(empty.status, .noContent)
            let gone = try await Area.find(city.gridA2.id, on: app.db)
            XCTAssertNil(gone)
        }
    }

    func testWebFormsCreateMoveAndShowErrors() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let browser = app.browser()
            let login = try await browser.login("admin")
            XCTAssertEqual(login.status, .seeOther)
            let created = try await browser.post("/areas/\(city.community2.id!)/new", form: ["name": "湘江社区第2网格", "code": "", "responsible": "wg-b", "boundary": ""])
            XCTAssertEqual(created.status, .seeOther)
            let area = try await Area.query(on: app.db).filter(\.$name == "湘江社区第2网格").first()
            XCTAssertEqual(area?.code, "430204002001002")
            XCTAssertEqual(area?.$responsible.id, city.users["wg-b"]!.id)
            let page = try await browser.get(created.headers.first(name: .location)!)
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("湘江社区第2网格"))
            XCTAssertTrue(page.body.string.contains("已创建"))

            let invalid = try await browser.post("/areas/\(city.community2.id!)/new", form: ["name": "", "code": "12"])
            XCTAssertEqual(invalid.status, .unprocessableEntity)
            XCTAssertTrue(invalid.body.string.contains("名称不能为空"))

            let moved = try await browser.post("/areas/\(city.gridA2.id!)/move", form: ["parent": String(city.community2.id!)])
            XCTAssertEqual(moved.status, .seeOther)
            let gridA2 = try await Area.find(city.gridA2.id, on: app.db)!
            XCTAssertTrue(gridA2.path.hasPrefix(city.community2.path))
        }
    }
}
