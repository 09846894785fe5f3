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
            let documented = Set(OpenAPIDocument.operations.map { "\($0.method) \($0.path)" })
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

    func testResponsesUseOnlyDocumentedFields() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            let id = (try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as! [String: Any])["id"] as! String
            let detail = try JSONSerialization.jsonObject(with: Data(try await app.api(.GET, "/api/v1/cases/\(id)", token: token).body.readableBytesView)) as! [String: Any]
            let schemas = OpenAPIDocument.schemas
            func properties(_ name: String) -> Set<String> { Set(((schemas[name]!["properties"]) as! [String: Any]).keys) }
            XCTAssertEqual(Set(detail.keys), properties("CaseDetail"))
            XCTAssertTrue(Set((detail["case"] as! [String: Any]).keys).isSubset(of: properties("Case")))
            XCTAssertTrue(Set(((detail["timeline"] as! [[String: Any]]).first!).keys).isSubset(of: properties("TimelineEntry")))
            let area = try JSONSerialization.jsonObject(with: Data(try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: token).body.readableBytesView)) as! [String: Any]
            XCTAssertTrue(Set(area.keys).isSubset(of: properties("Area")), "\(area.keys)")
        }
    }
}
