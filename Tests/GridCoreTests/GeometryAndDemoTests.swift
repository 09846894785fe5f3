import XCTest
@testable import GridCore

final class GeometryTests: XCTestCase {
    let square = try! GeoPolygon(rings: [[
        GeoPoint(lon: 113.0, lat: 27.0), GeoPoint(lon: 113.01, lat: 27.0), GeoPoint(lon: 113.01, lat: 27.01),
        GeoPoint(lon: 113.0, lat: 27.01), GeoPoint(lon: 113.0, lat: 27.0),
    ]])

    func testPointInPolygon() {
        XCTAssertTrue(square.contains(GeoPoint(lon: 113.005, lat: 27.005)))
        XCTAssertFalse(square.contains(GeoPoint(lon: 113.02, lat: 27.005)))
        XCTAssertFalse(square.contains(GeoPoint(lon: 113.005, lat: 26.99)))
    }

    func testAreaOfAOneByOneHundredthDegreeSquare() {
        // 0.01° lon at 27° ≈ 991.9 m, 0.01° lat ≈ 1105.7 m.
        XCTAssertEqual(square.areaSquareMetres, 991.9 * 1105.7, accuracy: 2_000)
    }

    func testGeoJSONRoundTripAndFeatureInput() throws {
        let again = try GeoPolygon(geoJSON: square.geoJSON)
        XCTAssertEqual(again, square)
        let feature = #"{"type":"Feature","properties":{},"geometry":"# + square.geoJSON + "}"
        XCTAssertEqual(try GeoPolygon(geoJSON: feature), square)
    }

    func testRejectsBrokenGeoJSON() {
        XCTAssertThrowsError(try GeoPolygon(geoJSON: "not json")) { XCTAssertEqual($0 as? GeometryError, .notAPolygon) }
        XCTAssertThrowsError(try GeoPolygon(geoJSON: #"{"type":"Point","coordinates":[1,2]}"#))
        XCTAssertThrowsError(try GeoPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[[1,2],[3,4],[5,6]]]}"#)) {
            XCTAssertEqual($0 as? GeometryError, .ringTooShort)
        }
        XCTAssertThrowsError(try GeoPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[[1,2],[3,4],[5,6],[7,8]]]}"#)) {
            XCTAssertEqual($0 as? GeometryError, .ringNotClosed)
        }
        XCTAssertThrowsError(try GeoPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[[1,2],[300,4],[5,6],[1,2]]]}"#)) {
            XCTAssertEqual($0 as? GeometryError, .coordinateOutOfRange)
        }
    }

    func testProjectionKeepsNorthUpAndFitsTheWidth() {
        let projection = SVGProjection(box: square.boundingBox, width: 200, padding: 0)
        let sw = projection.project(GeoPoint(lon: 113.0, lat: 27.0)), ne = projection.project(GeoPoint(lon: 113.01, lat: 27.01))
        XCTAssertEqual(sw.x, 0, accuracy: 1e-6)
        XCTAssertEqual(ne.x, 200, accuracy: 1e-6)
        XCTAssertGreaterThan(sw.y, ne.y, "north is up")
        XCTAssertTrue(projection.pathData(square).hasPrefix("M"))
    }
}

final class DemoCityTests: XCTestCase {
    let plan = DemoCity.generate()

    func testTheSameSeedGivesTheSameCity() {
        XCTAssertEqual(DemoCity.generate(seed: 7), DemoCity.generate(seed: 7))
        XCTAssertEqual(plan, DemoCity.generate())
        XCTAssertNotEqual(DemoCity.generate(seed: 7).staff.map(\.name), DemoCity.generate(seed: 8).staff.map(\.name))
    }

    func testHasTheShapeOfAShifengLikeDistrict() {
        XCTAssertEqual(plan.count(.city), 1)
        XCTAssertEqual(plan.count(.district), 1)
        XCTAssertEqual(plan.count(.street), 5)
        XCTAssertEqual(plan.count(.community), 40)
        XCTAssertEqual(plan.count(.grid), 232)
        XCTAssertGreaterThanOrEqual(plan.departments.count, 11)
    }

    func testCodesAreUniqueAndFollowTheirParents() throws {
        XCTAssertEqual(Set(plan.areas.map(\.code)).count, plan.areas.count)
        let byCode = Dictionary(uniqueKeysWithValues: plan.areas.map { ($0.code, $0) })
        for area in plan.areas {
            guard let parentCode = area.parentCode else { continue }
            let parent = try XCTUnwrap(byCode[parentCode], "parents come first")
            XCTAssertNoThrow(try AreaCode.validate(area.code, level: area.level, parentCode: parent.code))
            XCTAssertNoThrow(try AreaRules.checkPlacement(level: area.level, parentLevel: parent.level, scheme: .standard))
            XCTAssertLessThan(plan.areas.firstIndex { $0.code == parentCode }!, plan.areas.firstIndex { $0.code == area.code }!)
        }
    }

    func testGridsTileTheDistrictWithoutGapsOrOverlaps() throws {
        let district = try XCTUnwrap(plan.areas.first { $0.level == .district })
        let grids = plan.areas.filter { $0.level == .grid }
        let total = grids.map(\.boundary.areaSquareMetres).reduce(0, +)
        XCTAssertEqual(total / district.boundary.areaSquareMetres, 1, accuracy: 0.001)
        // Every grid's label point lies in its own grid, its community, and in no other grid.
        let byCode = Dictionary(uniqueKeysWithValues: plan.areas.map { ($0.code, $0) })
        for grid in grids.prefix(40) {
            let point = grid.boundary.labelPoint
            XCTAssertTrue(grid.boundary.contains(point), grid.name)
            XCTAssertTrue(byCode[grid.parentCode!]!.boundary.contains(point), grid.name)
            XCTAssertEqual(grids.filter { $0.boundary.contains(point) }.count, 1, grid.name)
        }
    }

    func testEveryGridHasAWorkerAndEveryAreaAResponsiblePerson() {
        let workers = Set(plan.staff.flatMap { s in s.roles.filter { $0.role == .gridWorker }.compactMap(\.areaCode) })
        for grid in plan.areas where grid.level == .grid { XCTAssertTrue(workers.contains(grid.code), grid.name) }
        for area in plan.areas where area.level != .city { XCTAssertNotNil(area.responsibleUsername, area.name) }
        XCTAssertEqual(Set(plan.staff.map(\.username)).count, plan.staff.count)
        XCTAssertEqual(Set(plan.staff.map(\.name)).count, plan.staff.count)
        XCTAssertTrue(plan.staff.allSatisfy { PhoneNumber.normalize($0.phone) == $0.phone })
    }

    func testEveryRoleFitsWhereItIsHeld() throws {
        let levels = Dictionary(uniqueKeysWithValues: plan.areas.map { ($0.code, $0.level) })
        for staff in plan.staff {
            for role in staff.roles {
                XCTAssertNoThrow(try RoleRules.check(role: role.role, areaLevel: role.areaCode.flatMap { levels[$0] },
                                                     hasDepartment: role.departmentCode != nil, employment: role.employment), staff.username)
            }
        }
    }
}
