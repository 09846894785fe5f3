import Foundation
import XCTVapor
@testable import CivicGridServer

/// Finding 5: `next` after login could carry CR/LF into the redirect (a planted Set-Cookie) or a tab
/// that browsers drop (`/\t/evil.example` → `//evil.example`).
final class LoginRedirectTests: XCTestCase {
    func testNextIsALocalKnownPathOrHome() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            func location(after next: String) async throws -> (String?, [String]) {
                let b = app.browser()
                let r = try await b.post("/login", form: ["username": "admin", "password": testPassword, "next": next])
                XCTAssertEqual(r.status, .seeOther, next)
                return (r.headers.first(name: .location), r.headers[.setCookie])
            }
            let injected = try await location(after: "/\r\nSet-Cookie: cg_csrf=planted")
            XCTAssertEqual(injected.0, SiteURL.home.path)
            XCTAssertFalse(injected.1.contains { $0.contains("planted") }, "no injected cookie")
            expectEqual(try await location(after: "/\t/evil.example").0, SiteURL.home.path)
            expectEqual(try await location(after: "//evil.example").0, SiteURL.home.path)
            expectEqual(try await location(after: "/\\evil.example").0, SiteURL.home.path)
            expectEqual(try await location(after: "/no-such-page").0, SiteURL.home.path, "unknown routes are not followed")
            expectEqual(try await location(after: "/cases?view=todo").0, "/cases?view=todo")
            expectEqual(try await location(after: "/areas/3").0, "/areas/3", "a parameter segment matches")

            // The login page does not echo an unsafe `next` into its hidden field.
            let page = try await app.testable().sendRequest(.GET, "/login?next=/%0d%0aSet-Cookie:x=1")
            XCTAssertFalse(page.body.string.contains("Set-Cookie"))
        }
    }
}
