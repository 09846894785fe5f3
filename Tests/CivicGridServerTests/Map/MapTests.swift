import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// The map: boundaries in and out, auto-locating reports and buildings, duplicates and merging,
/// the map page and its layers, hotspots.
final class MapTests: XCTestCase {
    static func rect(_ lon0: Double, _ lat0: Double, _ lon1: Double, _ lat1: Double) -> String {
        #"{"type":"Polygon","coordinates":[[[\#(lon0),\#(lat0)],[\#(lon1),\#(lat0)],[\#(lon1),\#(lat1)],[\#(lon0),\#(lat1)],[\#(lon0),\#(lat0)]]]}"#
    }

    /// District = two streets side by side; community 1 = street 1 split into grids A | A2; grid B = street 2.
    static func boundaries(_ city: TestCity, split: Double = 113.11) -> [(Area, String)] {
        [(city.district, rect(113.10, 27.80, 113.14, 27.82)),
         (city.street1, rect(113.10, 27.80, 113.12, 27.82)), (city.street2, rect(113.12, 27.80, 113.14, 27.82)),
         (city.community1, rect(113.10, 27.80, 113.12, 27.82)), (city.community2, rect(113.12, 27.80, 113.14, 27.82)),
         (city.gridA, rect(113.10, 27.80, split, 27.82)), (city.gridA2, rect(split, 27.80, 113.12, 27.82)),
         (city.gridB, rect(113.12, 27.80, 113.14, 27.82))]
    }

    static func featureCollection(_ items: [(code: String, geometry: String)]) -> String {
        #"{"type":"FeatureCollection","features":["# + items.map { #"{"type":"Feature","properties":{"code":"\#($0.code)"},"geometry":\#($0.geometry)}"# }
            .joined(separator: ",") + "]}"
    }

    func uploadBoundaries(_ app: Application, _ browser: Browser, area: Area, _ text: String, datum: String = "wgs84") async throws -> XCTHTTPResponse {
        let (type, body) = multipart(["_csrf": "test-csrf-token", "datum": datum], files: [("file", "grids.geojson", Array(text.utf8))])
        return try await app.testable().sendRequest(.POST, "/map/boundaries?area=\(area.id!)", headers: ["Cookie": browser.cookieHeader, "Content-Type": type], body: body)
    }

    static func draw(_ app: Application, _ city: TestCity) async throws {
        for (area, text) in boundaries(city) {
            try await Area.query(on: app.db).set(\.$boundaryGeoJSON, to: text).filter(\.$id == area.id!).update()
        }
        app.state.gridLocator.invalidate()
    }

    func report(_ app: Application, token: String, category: String, title: String, lat: Double, lon: Double, datum: String? = nil,
                grid: Int? = nil) async throws -> CaseAPIController.CaseDTO {
        let extra = (datum.map { #","datum":"\#($0)""# } ?? "") + (grid.map { #","gridID":\#($0)"# } ?? "")
        let response = try await app.api(.POST, "/api/v1/cases", token: token, json: """
            {"categoryID":"\(try await app.category(category))","title":"\(title)","channel":"hotline12345","latitude":\(lat),"longitude":\(lon)\(extra)}
            """)
        XCTAssertEqual(response.status, .created, response.body.string)
        return try response.content.decode(CaseAPIController.CaseDTO.self)
    }

    func testBoundaryImportIsValidatedAllOrNothingAndFeedsTheLocator() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let admin = app.browser(); _ = try await admin.login("admin")
            let good = Self.boundaries(city).map { ($0.0.code, $0.1) }

            // One feature leaves its parent, one crosses itself, one names no area of ours: nothing is written.
            var bad = good
            bad[5] = (city.gridA.code, Self.rect(113.10, 27.80, 113.125, 27.82))
            bad[6] = (city.gridA2.code, #"{"type":"Polygon","coordinates":[[[113.11,27.80],[113.12,27.82],[113.12,27.80],[113.11,27.82],[113.11,27.80]]]}"#)
            bad.append(("999999999999999", Self.rect(113.10, 27.80, 113.11, 27.81)))
            var response = try await uploadBoundaries(app, admin, area: city.district, Self.featureCollection(bad))
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("超出了上级区域"), response.body.string)
            XCTAssertTrue(response.body.string.contains("自相交"))
            XCTAssertTrue(response.body.string.contains("999999999999999"))
            await expectEqual(try await Area.query(on: app.db).filter(\.$boundaryGeoJSON != nil).count(), 0, "nothing half-written")
            response = try await uploadBoundaries(app, admin, area: city.district, "{not json")
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("不是有效的 JSON"))

            // Only administrators import.
            let op = app.browser(); _ = try await op.login("op-c1")
            response = try await uploadBoundaries(app, op, area: city.community1, Self.featureCollection(good))
            XCTAssertEqual(response.status, .forbidden)

            response = try await uploadBoundaries(app, admin, area: city.district, Self.featureCollection(good))
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            await expectEqual(try await Area.query(on: app.db).filter(\.$boundaryGeoJSON != nil).count(), 8)

            // Export: the whole subtree, parents first, and it reads back to the same shapes.
            response = try await admin.get("/map/boundaries.geojson?area=\(city.district.id!)")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers.contentType?.subType, "geo+json")
            let features = try BoundaryImport.parse(Data(response.body.string.utf8))
            XCTAssertEqual(features.map(\.code), [city.district, city.street1, city.street2, city.community1, city.community2, city.gridA, city.gridA2, city.gridB].map(\.code))
            XCTAssertEqual(features.first { $0.code == city.gridA.code }?.shape, try GeoMultiPolygon(geoJSON: Self.rect(113.10, 27.80, 113.11, 27.82)))

            // Reports without a grid land in the grid holding their position; GCJ-02 positions are converted first.
            let district = try await app.token("op-d")
            var c = try await report(app, token: district, category: "HJ03", title: "夜间施工噪声", lat: 27.81, lon: 113.13)
            XCTAssertEqual(c.gridID, city.gridB.id)
            let wgs = GeoPoint(lon: 113.107, lat: 27.81), gcj = ChinaDatum.wgs84ToGCJ02(wgs)
            XCTAssertGreaterThan(gcj.lon, 113.11, "read as WGS-84 the GCJ-02 numbers would fall in grid A2")
            c = try await report(app, token: district, category: "HJ03", title: "工地扬尘", lat: gcj.lat, lon: gcj.lon, datum: "gcj02")
            XCTAssertEqual(c.gridID, city.gridA.id)
            XCTAssertEqual(c.longitude ?? 0, wgs.lon, accuracy: 1e-7, "stored as WGS-84")
            c = try await report(app, token: district, category: "HJ03", title: "工地扬尘", lat: gcj.lat, lon: gcj.lon)
            XCTAssertEqual(c.gridID, city.gridA2.id)
            response = try await app.api(.POST, "/api/v1/cases", token: district, json: """
                {"categoryID":"\(try await app.category("HJ03"))","title":"区外","channel":"hotline12345","latitude":28.5,"longitude":113.5}
                """)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("不在任何网格内"))

            // Moving the border between A and A2 takes effect for the next report.
            response = try await uploadBoundaries(app, admin, area: city.community1, Self.featureCollection(
                Self.boundaries(city, split: 113.105).filter { [city.gridA.id, city.gridA2.id].contains($0.0.id) }.map { ($0.0.code, $0.1) }))
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            c = try await report(app, token: district, category: "HJ03", title: "渣土撒漏", lat: 27.81, lon: 113.107)
            XCTAssertEqual(c.gridID, city.gridA2.id)

            // The locate API, scoped.
            let opC1 = try await app.token("op-c1")
            response = try await app.api(.GET, "/api/v1/map/locate?lat=27.81&lon=113.13", token: opC1)
            XCTAssertEqual(response.status, .notFound, "grid B is outside community 1")
            response = try await app.api(.GET, "/api/v1/map/locate?lat=27.81&lon=113.13", token: district)
            XCTAssertEqual(try response.content.decode(MapController.Located.self).gridID, city.gridB.id)
            response = try await app.api(.GET, "/api/v1/map/locate?lat=abc&lon=113.13", token: district)
            XCTAssertEqual(response.status, .badRequest)

            // Buildings and components placed by coordinates when no grid is chosen.
            let worker = app.browser(); _ = try await worker.login("wg-a")
            response = try await worker.post("/registry/buildings", form: ["name": "自动落格楼", "address": "清水路8号", "latitude": "27.81", "longitude": "113.102", "floors": "6"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let building = try await Building.query(on: app.db).filter(\.$name == "自动落格楼").first()
            XCTAssertEqual(building?.$grid.id, city.gridA.id)
            response = try await worker.post("/registry/buildings", form: ["name": "区外楼", "address": "清水路9号", "latitude": "27.81", "longitude": "113.13", "floors": "6"])
            XCTAssertEqual(response.status, .unprocessableEntity, "grid B is not the worker's")
        }
    }

    func testDuplicatesAreOfferedAndMergedIntoTheMaster() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            try await Self.draw(app, city)
            let district = try await app.token("op-d")
            let metre = 1 / 111_195.0
            let master = try await report(app, token: district, category: "SZ01", title: "清水路井盖缺失", lat: 27.81, lon: 113.105)
            let repeatReport = try await report(app, token: district, category: "SZ01", title: "清水路有井盖没了", lat: 27.81 + 20 * metre, lon: 113.105)
            _ = try await report(app, token: district, category: "HJ03", title: "别的问题", lat: 27.81, lon: 113.105)
            _ = try await report(app, token: district, category: "SZ01", title: "远处井盖", lat: 27.81 + 300 * metre, lon: 113.105)

            var response = try await app.api(.GET, "/api/v1/cases/\(repeatReport.id)/duplicates", token: district)
            XCTAssertEqual(response.status, .ok)
            let found = try response.content.decode([CaseAPIController.DuplicateDTO].self)
            XCTAssertEqual(found.map(\.case_.id), [master.id])
            XCTAssertEqual(found[0].distanceMetres, 20, accuracy: 0.5)

            // The operator sees them on the case page, with the merge button.
            let op = app.browser(); _ = try await op.login("op-d")
            var page = try await op.get("/cases/\(repeatReport.id)")
            XCTAssertTrue(page.body.string.contains("疑似重复事件"))
            XCTAssertTrue(page.body.string.contains(master.code))
            XCTAssertTrue(page.body.string.contains("/cases/\(repeatReport.id)/merge"))

            // Merging is validated, then closes the duplicate as 重复诉求 and links it in one step.
            response = try await app.api(.POST, "/api/v1/cases/\(repeatReport.id)/merge", token: district, json: #"{"masterID":"\#(repeatReport.id)"}"#)
            XCTAssertEqual(response.status, .unprocessableEntity)
            let timelineBefore = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == repeatReport.id).count()
            response = try await op.post("/cases/\(repeatReport.id)/merge", form: ["master": master.id.uuidString])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let merged = try await Case.find(repeatReport.id, on: app.db)!
            XCTAssertEqual(merged.status, .rejected)
            XCTAssertEqual(merged.mergedIntoID, master.id)
            await expectEqual(try await TimelineEntry.query(on: app.db).filter(\.$case.$id == repeatReport.id).count(), timelineBefore + 1, "one traced step")
            response = try await app.api(.POST, "/api/v1/cases/\(repeatReport.id)/merge", token: district, json: #"{"masterID":"\#(master.id)"}"#)
            XCTAssertEqual(response.status, .conflict)

            // The duplicate follows the master; the master lists it; it is no longer offered.
            page = try await op.get("/cases/\(repeatReport.id)")
            XCTAssertTrue(page.body.string.contains("已并入事件"))
            XCTAssertTrue(page.body.string.contains(master.code))
            page = try await op.get("/cases/\(master.id)")
            XCTAssertTrue(page.body.string.contains("已并入本事件的重复上报"))
            XCTAssertTrue(page.body.string.contains(repeatReport.code))
            response = try await app.api(.GET, "/api/v1/cases/\(master.id)/duplicates", token: district)
            XCTAssertEqual(try response.content.decode([CaseAPIController.DuplicateDTO].self).count, 0)
            response = try await app.api(.GET, "/api/v1/cases/\(repeatReport.id)", token: district)
            XCTAssertEqual(try response.content.decode(CaseAPIController.DetailDTO.self).case.mergedIntoID, master.id)
            let open311 = try await app.testable().sendRequest(.GET, "/open311/v2/requests/\(repeatReport.code).json")
            XCTAssertTrue(open311.body.string.contains("已并入 \(master.code)"), open311.body.string)
            _ = city
        }
    }

    /// The operator judges a 待分类-like report of another category the same problem: the explicit merge is not refused,
    /// the master's category wins, and the rollups move the duplicate to it.
    func testAMergeAcrossCategoriesTakesTheMastersCategory() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            try await Self.draw(app, city)
            let district = try await app.token("op-d")
            let master = try await report(app, token: district, category: "SZ01", title: "清水路井盖缺失", lat: 27.81, lon: 113.105)
            let other = try await report(app, token: district, category: "HJ03", title: "清水路路口有个洞", lat: 27.81, lon: 113.105)
            let op = app.browser(); _ = try await op.login("op-d")
            var page = try await op.get("/cases/\(other.id)").body.string
            XCTAssertFalse(page.contains("将本事件并入此事件"), "not offered: another category")
            XCTAssertTrue(page.contains("并入其他事件"), "but the explicit merge is on the page")
            var response = try await op.post("/cases/\(other.id)/merge", form: ["master": "430204-NO-SUCH"])
            XCTAssertTrue(response.body.string.contains("未找到编号为 430204-NO-SUCH 的事件"))
            response = try await op.post("/cases/\(other.id)/merge", form: ["master": master.code])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let merged = try await Case.find(other.id, on: app.db)!
            XCTAssertEqual(merged.mergedIntoID, master.id)
            let sz = try await app.category("SZ01")
            XCTAssertEqual(merged.$category.id, sz, "the master's category wins")
            page = try await op.get("/cases/\(other.id)").body.string
            XCTAssertTrue(page.contains("类别随主事件改为"))
            let totals = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db)
            let hj03 = try await app.category("HJ03"), sz01 = try await app.category("SZ01")
            XCTAssertEqual(totals.byCategory[hj03]?.received ?? 0, 0, "moved out of its first category")
            XCTAssertEqual(totals.byCategory[sz01]?.received, 2)
            XCTAssertEqual(totals.byCategory[sz01]?.rejected, 1)
        }
    }

    func testMapPageLayersSearchHotspotsAndScope() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            try await Self.draw(app, city)
            let district = try await app.token("op-d")
            for i in 0..<3 {
                _ = try await report(app, token: district, category: "HJ03", title: "反复噪声\(i)", lat: 27.81 + Double(i) * 0.0001, lon: 113.105)
            }
            let other = try await report(app, token: district, category: "SZ01", title: "湘江路路灯不亮", lat: 27.81, lon: 113.13)
            // A person in a building in grid A, for the search.
            let worker = try await CurrentUser.load(city.users["wg-a"]!, via: .webSession, on: app.db)
            let registry = RegistryService(db: app.db, app: app)
            let building = try await registry.saveBuilding(.init(gridID: nil, name: "3栋", address: "清水路3号", latitude: 27.811, longitude: 113.104, floors: 6, units: 1),
                                                           existing: nil, by: worker)
            try await registry.saveHouse(.init(number: "1-101", areaSquareMetres: nil, use: "residential", ownership: nil, occupancy: "ownerOccupied", householdNumber: "M-1"),
                                         in: building, existing: nil, by: worker)
            let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1960, month: 3, day: 1), sequence: 7).value
            _ = try await registry.savePerson(.init(name: "图上人", idNumber: idNumber, kind: "registered", gridID: city.gridA.id!, householdNumber: "M-1"),
                                              existing: nil, by: worker)

            let op = app.browser(); _ = try await op.login("op-c1")
            var page = try await op.get("/map?area=\(city.community1.id!)")
            XCTAssertEqual(page.status, .ok)
            var html = page.body.string
            XCTAssertTrue(html.contains(#"href="/map?area=\#(city.gridA.id!)&amp;layers=set"#) || html.contains("/map?area=\(city.gridA.id!)&layers=set"), "grids zoom in")
            XCTAssertTrue(html.contains("pin open"), "open cases are pins")
            XCTAssertTrue(html.contains("反复噪声0"))
            XCTAssertFalse(html.contains("湘江路路灯不亮"), "grid B's case is outside community 1")
            XCTAssertTrue(html.contains("/registry/buildings/\(building.id!)"), "buildings lead to their households")
            XCTAssertTrue(html.contains("shape h5") || html.contains("shape h"), "heat classes")
            page = try await op.get("/map?area=\(city.gridA.id!)&layers=set&layer=cases&days=7")
            html = page.body.string
            XCTAssertTrue(html.contains("已是最小网格"))
            XCTAssertFalse(html.contains("bldlink"), "building layer switched off")
            XCTAssertTrue(html.contains("30 天内事件") == false && html.contains("7 天内事件"))
            page = try await op.get("/map?area=\(city.community1.id!)&q=%E5%9B%BE%E4%B8%8A%E4%BA%BA")
            XCTAssertTrue(page.body.string.contains("focus=\(building.id!)"), "a person leads to their building")
            XCTAssertTrue(page.body.string.contains(">\(NameMask.mask("图上人"))</a>"), "names are masked in results")
            await expectEqual(try await op.get("/map?area=\(city.gridB.id!)").status, .notFound)
            let handler = app.browser(); _ = try await handler.login("cg-1")
            await expectEqual(try await handler.get("/map").status, .forbidden)

            // Hotspots: three reports of one kind at one place.
            page = try await op.get("/map/hotspots?area=\(city.community1.id!)&min=3")
            html = page.body.string
            XCTAssertTrue(html.contains("<strong>3</strong>"), html)
            XCTAssertFalse(html.contains(other.code))

            // GeoJSON layers, scoped.
            let token = try await app.token("op-c1")
            var response = try await app.api(.GET, "/api/v1/map/layers/areas?area=\(city.community1.id!)", token: token)
            XCTAssertEqual(response.status, .ok)
            let json = try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as! [String: Any]
            let features = json["features"] as! [[String: Any]]
            XCTAssertEqual(features.count, 2)
            let gridA = features.first { (($0["properties"] as! [String: Any])["id"] as! Int) == city.gridA.id! }!
            XCTAssertEqual((gridA["properties"] as! [String: Any])["cases"] as? Int, 3)
            response = try await app.api(.GET, "/api/v1/map/layers/cases?area=\(city.community1.id!)", token: token)
            XCTAssertEqual(((try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as! [String: Any])["features"] as! [Any]).count, 3)
            response = try await app.api(.GET, "/api/v1/map/layers/nope", token: token)
            XCTAssertEqual(response.status, .notFound)
            response = try await app.api(.GET, "/api/v1/map/layers/buildings", token: try await app.token("cg-1"))
            XCTAssertEqual(response.status, .forbidden)
            response = try await app.api(.GET, "/api/v1/map/layers/cases?area=\(city.gridB.id!)", token: token)
            XCTAssertEqual(response.status, .notFound)
        }
    }
}
