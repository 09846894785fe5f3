import Foundation
import XCTVapor
@testable import CivicGridServer

final class OpenAPITests: XCTestCase {
    func testEveryAPIRouteIsDocumentedAndNothingElse() async throws {
        try await withApp { app in
            let registered = Set(app.routes.all.filter { $0.path.first?.description == "api" }.map { route in
                route.method.rawValue.lowercased() + " /" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
            })
            let documented = Set(OpenAPIDocument.operations.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
            XCTAssertEqual(registered.subtracting(documented), [], "routes missing from /openapi.json")
            XCTAssertEqual(documented.subtracting(registered), [], "documented operations that do not exist")
        }
    }

    func testTheDocumentIsServedAndItsReferencesResolve() async throws {
        try await withApp { app in
            let response = try await app.testable().sendRequest(.GET, "/openapi.json")
            XCTAssertEqual(response.status, .ok)
            let text = response.body.string
            let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            XCTAssertEqual(doc["openapi"] as? String, "3.1.0")
            let schemas = ((doc["components"] as! [String: Any])["schemas"] as! [String: Any])
            let refs = try NSRegularExpression(pattern: "#/components/schemas/([A-Za-z]+)").matches(in: text, range: NSRange(text.startIndex..., in: text))
                .map { String(text[Range($0.range(at: 1), in: text)!]) }
            XCTAssertFalse(refs.isEmpty)
            for ref in Set(refs) { XCTAssertNotNil(schemas[ref], "schema \(ref) is defined") }
            let page = app.browser()
            _ = try await page.login("admin", password: testPassword)
            let docs = try await page.get("/api-docs")
            XCTAssertEqual(docs.status, .ok)
            XCTAssertTrue(docs.body.string.contains("/api/v1/cases/{id}/actions"))
        }
    }

    /// Each response object carries exactly its schema's keys: nothing undocumented, and every documented key
    /// present — only a nullable one (`anyOf […, null]`) may be left out when it has no value.
    func testResponsesCarryExactlyTheDocumentedKeys() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            let served = try await app.testable().sendRequest(.GET, "/openapi.json")
            let schemas = ((try JSONSerialization.jsonObject(with: Data(served.body.readableBytesView)) as! [String: Any])["components"]
                as! [String: Any])["schemas"] as! [String: [String: Any]]
            func json(_ path: String) async throws -> Any {
                let response = try await app.api(.GET, path, token: token)
                XCTAssertEqual(response.status, .ok, path)
                return try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
            }
            func assertExact(_ value: Any, _ schema: String, file: StaticString = #filePath, line: UInt = #line) {
                guard let object = value as? [String: Any], let properties = schemas[schema]?["properties"] as? [String: [String: Any]] else {
                    return XCTFail("\(schema): not an object, or no such schema", file: file, line: line)
                }
                let nullable = Set(properties.filter { (_, s) in
                    (s["anyOf"] as? [[String: Any]])?.contains { $0["type"] as? String == "null" } == true
                }.keys)
                let keys = Set(object.keys)
                XCTAssertEqual(keys.subtracting(properties.keys), [], "\(schema): keys the document does not list", file: file, line: line)
                XCTAssertEqual(Set(properties.keys).subtracting(nullable).subtracting(keys), [], "\(schema): documented keys missing", file: file, line: line)
            }
            // act
            let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            let id = (try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as! [String: Any])["id"] as! String
            let detail = try await json("/api/v1/cases/\(id)") as! [String: Any]
            let page = try await json("/api/v1/cases?tab=all") as! [String: Any]
            let me = try await json("/api/v1/me") as! [String: Any]
            // validate
            assertExact(detail, "CaseDetail")
            assertExact(detail["case"]!, "Case")
            for entry in detail["timeline"] as! [Any] { assertExact(entry, "TimelineEntry") }
            for deadline in detail["deadlines"] as! [Any] { assertExact(deadline, "Deadline") }
            assertExact(page, "CasePage")
            for item in (page["items"] as! [Any]).prefix(5) { assertExact(item, "Case") }
            assertExact(me, "Me")
            assertExact(try await json("/api/v1/areas/\(city.gridA.id!)"), "Area")
            for category in (try await json("/api/v1/categories") as! [Any]).prefix(5) { assertExact(category, "Category") }
            for day in (try await json("/api/v1/calendar/2026") as! [Any]).prefix(3) { assertExact(day, "CalendarDay") }
            let admin = try await app.token("admin")
            let users = try await app.api(.GET, "/api/v1/users", token: admin)
            let staffPage = try JSONSerialization.jsonObject(with: Data(users.body.readableBytesView)) as! [String: Any]
            assertExact(staffPage, "StaffPage")
            for staff in (staffPage["items"] as! [Any]).prefix(5) {
                assertExact(staff, "Staff")
                for role in (staff as! [String: Any])["roles"] as! [Any] { assertExact(role, "RoleAssignment") }
            }
            let departments = try await app.api(.GET, "/api/v1/departments", token: admin)
            for d in (try JSONSerialization.jsonObject(with: Data(departments.body.readableBytesView)) as! [Any]).prefix(3) { assertExact(d, "Department") }
        }
    }
}
