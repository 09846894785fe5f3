import Foundation
import SnapshotTesting
import XCTVapor
@testable import CivicGridServer

/// The key pages as their users see them, compared line by line with the recorded HTML in
/// `__Snapshots__/PageSnapshotTests/`: a renamed field that would render as empty, a lost link or a moved
/// section shows up as a diff. Time is the fixed test clock; ids, hashes and per-run codes are replaced by
/// placeholders. After an intended change, re-record with `SNAPSHOT_TESTING_RECORD=all scripts/test` and
/// read the diff before committing it.
final class PageSnapshotTests: XCTestCase {
    /// What differs from run to run, replaced so the rest can be compared.
    static func stable(_ html: String) -> String {
        var text = html
        let replacements: [(String, String)] = [
            (#"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"#, "<uuid>"),
            (#"\b(?=[0-9a-f]*[a-f])[0-9a-f]{12,64}\b"#, "<hash>"),  // trace hashes (not the all-digit codes)
            (#"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b"#, "<code>"),  // 查询码, grouped
            (#"验证：\d+ \+ \d+ = ？"#, "验证：<sum>"),  // the human challenge, random by design
            (#"name="challenge" value="[^"]*""#, #"name="challenge" value="<challenge>""#),
        ]
        for (pattern, placeholder) in replacements {
            text = text.replacingOccurrences(of: pattern, with: placeholder, options: .regularExpression)
        }
        return text
    }

    private func snapshot(_ browser: Browser, _ path: String, named name: String,
                          file: StaticString = #filePath, testName: String = #function, line: UInt = #line) async throws {
        let response = try await browser.get(path)
        XCTAssertEqual(response.status, .ok, "\(path)", file: file, line: line)
        assertSnapshot(of: Self.stable(response.body.string), as: .lines, named: name, file: file, testName: testName, line: line)
    }

    func testCommandCenterPages() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            let created = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","description":"人行道井盖缺了一角","channel":"wechatGroup","gridID":\(city.gridA.id!),"address":"清水路 12 号"}
                """)
            XCTAssertEqual(created.status, .created)
            let caseID = (try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as! [String: Any])["id"] as! String
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let person = try await worker.addPerson("王小明", idNumber: "430204199001011236", grid: city.gridA, phone: "13912345678", household: "101")
            let page = app.browser()
            _ = try await page.login("op-c1")
            // act, validate
            try await snapshot(page, "/home", named: "operator-home")
            try await snapshot(page, "/cases?tab=all", named: "cases")
            try await snapshot(page, "/cases/\(caseID)", named: "case")
            try await snapshot(page, "/registry", named: "registry")
            try await snapshot(page, "/registry/grids/\(city.gridA.id!)", named: "registry-grid")
            try await snapshot(page, "/registry/people/\(person)", named: "person")
            try await snapshot(page, "/stats", named: "stats")
            try await snapshot(page, "/assessment", named: "assessment")
        }
    }

    func testAdministratorPages() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let page = app.browser()
            _ = try await page.login("admin")
            // act, validate
            try await snapshot(page, "/areas/\(city.district.id!)", named: "area")
            try await snapshot(page, "/staff", named: "staff")
            try await snapshot(page, "/departments", named: "departments")
            try await snapshot(page, "/categories", named: "categories")
            try await snapshot(page, "/calendar?year=2026", named: "calendar")
        }
    }

    func testFrontLinePages() async throws {
        try await withApp { app in
            // setup
            _ = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let anonymous = app.browser()
            // act, validate
            try await snapshot(worker, "/m/", named: "phone-home")
            try await snapshot(worker, "/m/report", named: "phone-report")
            try await snapshot(anonymous, "/login", named: "login")
            try await snapshot(anonymous, "/r", named: "portal")
            try await snapshot(anonymous, "/r/report", named: "portal-report")
        }
    }
}
