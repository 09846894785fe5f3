import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

/// Bad input of every kind gets a clear error and writes nothing; text that looks like SQL or a
/// path is only ever text.
final class BadInputTests: XCTestCase {
    func count(_ app: Application) async throws -> [Int] {
        [try await Case.query(on: app.db).count(), try await TimelineEntry.query(on: app.db).count(), try await CasePhoto.query(on: app.db).count(),
         try await Person.query(on: app.db).count()]
    }

    func testBrokenRequestsToTheAPIAreRefusedClearlyAndWriteNothing() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            let category = try await app.category("SZ01")
            let before = try await count(app)
            let bodies: [(String, HTTPStatus)] = [
                ("{\"categoryID\": ", .badRequest),                                                        // malformed JSON
                ("[1, 2, 3]", .badRequest),                                                                // wrong shape
                ("{\"categoryID\":\"\(category)\",\"title\":12345,\"channel\":\"wechatGroup\"}", .badRequest), // wrong type
                ("{\"categoryID\":\"not-a-uuid\",\"title\":\"井盖\",\"channel\":\"wechatGroup\"}", .badRequest),
                ("{\"categoryID\":\"\(category)\",\"title\":\"井盖\",\"channel\":\"teleport\",\"gridID\":\(city.gridA.id!)}", .unprocessableEntity),
                ("{\"categoryID\":\"\(category)\",\"title\":\"\(String(repeating: "长", count: 100_000))\",\"channel\":\"wechatGroup\",\"gridID\":\(city.gridA.id!)}", .unprocessableEntity),
                ("{\"categoryID\":\"\(category)\",\"title\":\"井盖\",\"channel\":\"wechatGroup\",\"gridID\":99999999999999999999}", .badRequest),
                ("{\"categoryID\":\"\(category)\",\"title\":\"井盖\",\"channel\":\"wechatGroup\",\"latitude\":1e999,\"longitude\":2}", .badRequest),
                ("{\"categoryID\":\"\(category)\",\"title\":\"井盖\",\"channel\":\"wechatGroup\",\"latitude\":95,\"longitude\":2}", .unprocessableEntity),
            ]
            for (body, expected) in bodies {
                let r = try await app.api(.POST, "/api/v1/cases", token: token, json: body)
                XCTAssertEqual(r.status, expected, String(body.prefix(120)) + " → " + r.body.string.prefix(200))
                let error = try? r.content.decode(ErrorPageMiddleware.ErrorBody.self)
                XCTAssertEqual(error?.error, true, "a JSON error with a reason")
                XCTAssertFalse((error?.reason ?? "").isEmpty)
                XCTAssertFalse(r.body.string.contains("Swift") || r.body.string.contains("DecodingError"), "no internals: \(r.body.string.prefix(300))")
            }
            // Invalid UTF-8 in the body.
            var invalid = ByteBuffer(string: "{\"categoryID\":\"\(category)\",\"title\":\"")
            invalid.writeBytes([0xC3, 0x28, 0xFF, 0xFE])
            invalid.writeString("\",\"channel\":\"wechatGroup\",\"gridID\":\(city.gridA.id!)}")
            let r = try await app.testable().sendRequest(.POST, "/api/v1/cases", headers: [
                "Authorization": "Bearer \(token)", "Content-Type": "application/json", "Accept": "application/json"], body: invalid)
            XCTAssertEqual(r.status, .badRequest, r.body.string)
            expectEqual(try await count(app), before)

            // Text that looks like SQL is stored and shown as text; the tables are intact.
            let sqlish = "井盖'); DROP TABLE cases; --"
            let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(category)","title":"\(sqlish)","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            let stored = try await Case.query(on: app.db).first()
            XCTAssertEqual(stored?.title, sqlish)
            let listed = try await app.api(.GET, "/api/v1/cases?q=\("DROP TABLE".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: token)
            XCTAssertEqual(listed.status, .ok)
            XCTAssertEqual(try listed.content.decode(CaseAPIController.Page.self).total, 1)
        }
    }

    func testBrokenUploadsAreRefusedAndFileNamesNeverChooseWherePhotosGo() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let fields = ["_csrf": "test-csrf-token", "category": try await app.category("SZ05").uuidString, "title": "屋檐破损",
                          "description": "", "grid": String(city.gridA.id!), "mode": "up"]
            func post(_ name: String, _ bytes: [UInt8]) async throws -> XCTHTTPResponse {
                let (type, body) = multipart(fields, files: [("photos[]", name, bytes)])
                return try await app.testable().sendRequest(.POST, "/cases/new", headers: ["Cookie": worker.cookieHeader, "Content-Type": type], body: body)
            }
            // A PNG cut off half way, a JPEG header with nothing after it.
            var r = try await post("half.png", Array(PhotoTests.png.prefix(40)))
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("已损坏或不完整"), r.body.string)
            r = try await post("cut.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46])
            XCTAssertEqual(r.status, .unprocessableEntity)
            expectEqual(try await Case.query(on: app.db).count(), 0)
            // A name that tries to climb out of the upload folder is only a name.
            r = try await post("../../../../etc/cron.d/evil.png", PhotoTests.png)
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let photo = try await CasePhoto.query(on: app.db).first()!
            XCTAssertFalse(photo.storedPath.contains(".."))
            XCTAssertTrue(photo.storedPath.hasSuffix(".png.enc"), "our name, sealed")
            XCTAssertTrue(FileManager.default.fileExists(atPath: app.state.uploadDirectory + photo.storedPath))
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/cron.d/evil.png"))
        }
    }

    func testAGBKFileFromExcelImportsAndAFileInAnotherEncodingIsRefusedClearly() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = app.browser()
            _ = try await op.login("op-c1")
            let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1980, month: 5, day: 1), sequence: 3).value
            let header = ImportKind.people.templateHeader.joined(separator: ",")
            var cells = Array(repeating: "", count: ImportKind.people.templateHeader.count)
            cells[0] = city.gridA.code; cells[1] = "张三"; cells[2] = idNumber; cells[4] = "户籍人口"
            let gbk = try XCTUnwrap(LegacyText.encodeGB18030(header + "\r\n" + cells.joined(separator: ",") + "\r\n"))
            func upload(_ bytes: [UInt8], _ name: String) async throws -> XCTHTTPResponse {
                let (type, body) = multipart(["_csrf": "test-csrf-token", "kind": "people", "areaID": String(city.community1.id!)], files: [("file", name, bytes)])
                return try await app.testable().sendRequest(.POST, "/registry/import", headers: ["Cookie": op.cookieHeader, "Content-Type": type], body: body)
            }
            var r = try await upload(Array("\u{0}\u{1}binary".utf8) + [0xFF, 0xFE, 0x00], "people.csv")
            let refused = try await op.get(try XCTUnwrap(r.headers.first(name: .location), r.body.string))
            XCTAssertTrue(refused.body.string.contains("既不是 UTF-8 也不是 GBK"), refused.body.string)
            expectEqual(try await Person.query(on: app.db).count(), 0)
            r = try await upload(gbk, "人口（Excel 另存为 CSV）.csv")
            let job = try XCTUnwrap(r.headers.first(name: .location), r.body.string)
            r = try await op.post(job + "/commit", form: [:])
            XCTAssertLessThan(r.status.code, 400, r.body.string)
            let person = try await Person.query(on: app.db).first()
            XCTAssertEqual(person?.name, "张三")
        }
    }
}
