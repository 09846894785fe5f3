import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

final class CatalogServerTests: XCTestCase {
    func testTheSeededCatalogueIsSearchableByKeywordAndPinyinInitials() async throws {
        try await withApp { app in
            let items = try await ServiceItem.query(on: app.db).all()
            XCTAssertGreaterThanOrEqual(items.count, 60)
            XCTAssertEqual(Set(items.map(\.category)), ["民政", "残联", "人社", "卫健", "公安户政", "医保"])
            let visitor = app.browser()
            var page = try await visitor.get("/r/services?q=dbsq")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("最低生活保障申请") == false || page.body.string.contains("低保"), "initials")
            page = try await visitor.get("/r/services?q=\("低保".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            let html = page.body.string
            XCTAssertTrue(html.contains("最低生活保障申请") && html.contains("低保家庭年度复核"), html)
            page = try await visitor.get("/r/services?q=sbk")
            XCTAssertTrue(page.body.string.contains("社会保障卡申领"))
            page = try await visitor.get("/r/services?q=ydjy")
            XCTAssertTrue(page.body.string.contains("异地就医备案"))
            page = try await visitor.get("/r/services?category=\("残联".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            XCTAssertTrue(page.body.string.contains("残疾人证办理"))
            XCTAssertFalse(page.body.string.contains("结婚登记"))
            let detail = try await visitor.get("/r/services/CL001")
            for shown in ["残疾人证办理", "区残联", "申请材料", "近期一寸免冠照片 2 张", "可帮办代办"] { XCTAssertTrue(detail.body.string.contains(shown), shown) }
            expectEqual(try await visitor.get("/r/services/NOPE").status, .notFound)
        }
    }

    func testAdministratorsImportAllRowsOrNone() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let admin = app.browser()
            _ = try await admin.login("admin")
            let before = try await ServiceItem.query(on: app.db).count()
            func upload(_ text: String, gbk: Bool = false) async throws -> XCTHTTPResponse {
                let bytes = gbk ? LegacyText.encodeGB18030(text)! : Array(text.utf8)
                let (type, body) = multipart(["_csrf": "test-csrf-token"], files: [("file", "事项.csv", bytes)])
                return try await app.testable().sendRequest(.POST, "/admin/services", headers: ["Cookie": admin.cookieHeader, "Content-Type": type], body: body)
            }
            let head = CatalogImport.header.joined(separator: ",")
            // A bad row: nothing is written, and the page says which row and why.
            var r = try await upload(head + "\nZZ01,新事项,区民政局,民政,条件,材料,流程,5 个工作日,,窗口,是,\nMZ001,,区民政局,民政,条件,材料,流程,5 个工作日,,窗口,是,\n")
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("第 3 行：事项名称需 2–60 个字"), r.body.string)
            expectEqual(try await ServiceItem.query(on: app.db).count(), before)
            // Fixed, from Excel (GBK): one new, one updated.
            r = try await upload(head + "\nZZ01,老年人优待证办理,区民政局,民政,60 周岁以上,身份证；照片,申请；制证,即时,,社区服务站,是,优待证\nMZ001,最低生活保障申请,区民政局,民政,条件已更新,材料,流程,25 个工作日,,社区,是,低保\n", gbk: true)
            XCTAssertEqual(r.status, .ok, r.body.string)
            XCTAssertTrue(r.body.string.contains("新增 1 项，更新 1 项"))
            expectEqual(try await ServiceItem.query(on: app.db).count(), before + 1)
            let updated = try await ServiceItem.query(on: app.db).filter(\.$code == "MZ001").first()
            XCTAssertEqual(updated?.timeLimit, "25 个工作日")
            let found = try await admin.get("/r/services?q=lnryd")
            XCTAssertTrue(found.body.string.contains("老年人优待证办理"), "the new item is searchable by its initials")
            let csv = try await admin.get("/admin/services/catalog.csv")
            XCTAssertTrue(csv.body.string.contains("ZZ01,老年人优待证办理"))
            // Others may read the catalogue, not change it.
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            expectEqual(try await worker.get("/admin/services").status, .forbidden)
        }
    }
}
