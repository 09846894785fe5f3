import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

final class AuthTests: XCTestCase {
    func testLoginSetsASafeSessionCookieAndLogoutEndsIt() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            let response = try await browser.login("wg-a")
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(response.headers.first(name: .location), "/home")
            let cookie = try XCTUnwrap(response.headers[.setCookie].first { $0.hasPrefix("cg_session=") })
            XCTAssertTrue(cookie.contains("HttpOnly"))
            XCTAssertTrue(cookie.contains("SameSite=Lax"))
            let home = try await browser.get("/home")
            XCTAssertEqual(home.status, .ok)
            XCTAssertTrue(home.body.string.contains("清水社区第1网格"))
            XCTAssertTrue(home.body.string.contains("网格员（专职）"))

            let out = try await browser.post("/logout", form: [:])
            XCTAssertEqual(out.status, .seeOther)
            let stored = try await UserToken.query(on: app.db).filter(\.$purpose == .webSession).count()
            XCTAssertEqual(stored, 0)
            let afterLogout = try await browser.get("/home").status
            XCTAssertEqual(afterLogout, .seeOther)
        }
    }

    func testWrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let wrong = try await app.browser().login("wg-a", password: "wrong-pass1")
            let unknown = try await app.browser().login("nobody", password: "wrong-pass1")
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(unknown.status, .unauthorized)
            XCTAssertTrue(wrong.body.string.contains(AuthService.badCredentials))
            XCTAssertTrue(unknown.body.string.contains(AuthService.badCredentials))
        }
    }

    func testFailedLoginsLockTheAccountForFifteenMinutes() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            // setup
            _ = try await TestCity.build(app)
            let browser = app.browser()
            // act
            for _ in 0..<5 { _ = try await browser.login("wg-a", password: "guess1234") }
            let locked = try await browser.login("wg-a")
            // validate: even the right password is refused while locked, with a clear message
            XCTAssertEqual(locked.status, .tooManyRequests)
            XCTAssertTrue(locked.body.string.contains("登录失败次数过多"))
            XCTAssertTrue(locked.body.string.contains("15 分钟"))
            let other = try await app.browser().login("wg-b")
            XCTAssertEqual(other.status, .seeOther, "other accounts are not affected")

            clock.advance(by: 15 * 60 + 1)
            let later = try await browser.login("wg-a")
            XCTAssertEqual(later.status, .seeOther)
        }
    }

    func testFormsWithoutTheCSRFTokenAreRefused() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let noToken = try await app.browser().post("/login", form: ["username": "admin", "password": testPassword], csrf: nil)
            XCTAssertEqual(noToken.status, .forbidden)
            let browser = app.browser()
            _ = try await browser.login("admin")
            let forged = try await browser.post("/areas/\(city.community1.id!)/new", form: ["name": "伪造"], csrf: "another-token")
            XCTAssertEqual(forged.status, .forbidden)
            XCTAssertTrue(forged.body.string.contains("页面已过期"))
            let count = try await Area.query(on: app.db).filter(\.$name == "伪造").count()
            XCTAssertEqual(count, 0)
        }
    }

    func testABrowserGetsItsTokenWithTheFirstFormAndAPICallsGetNone() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            browser.cookies = [:]
            let page = try await browser.get("/login")
            let token = try XCTUnwrap(browser.cookies["cg_csrf"], "the login page sets the token cookie")
            XCTAssertEqual(token.count, 43, "32 random bytes, URL-safe base64")
            XCTAssertTrue(page.body.string.contains("value=\"\(token)\""), "the form carries the cookie's token")
            let signedIn = try await browser.post("/login", form: ["username": "admin", "password": testPassword], csrf: token)
            XCTAssertEqual(signedIn.status, .seeOther)
            XCTAssertEqual(browser.cookies["cg_csrf"], token, "kept, not replaced")
            let other = app.browser()
            other.cookies = [:]
            _ = try await other.get("/login")
            XCTAssertNotEqual(other.cookies["cg_csrf"], token, "each browser its own")
            let api = try await app.api(.GET, "/api/v1/me", token: try await app.token("admin"))
            XCTAssertEqual(api.status, .ok)
            XCTAssertFalse(api.headers[.setCookie].contains { $0.hasPrefix("cg_csrf=") }, "an API call makes no token")
        }
    }

    func testTokensAreURLSafeBase64() {
        // RFC 4648 §10's vectors, then the two characters that differ from plain base64.
        for (text, expected) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            XCTAssertEqual(TokenMaker.base64URL(Array(text.utf8)), expected, text)
        }
        XCTAssertEqual(TokenMaker.base64URL([0xFB, 0xFF]), "-_8")
        let tokens = Set((0..<100).map { _ in TokenMaker.random() })
        XCTAssertEqual(tokens.count, 100)
        XCTAssertTrue(tokens.allSatisfy { $0.count == 43 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
    }

    func testSessionCookieDoesNotWorkAsBearerAndViceVersa() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let token = try await app.token("admin")
            let asCookie = try await app.testable().sendRequest(.GET, "/home", headers: ["Cookie": "cg_session=\(token)"])
            XCTAssertEqual(asCookie.status, .seeOther)
            let revoked = try await app.api(.DELETE, "/api/v1/auth/token", token: token)
            XCTAssertEqual(revoked.status, .noContent)
            let after = try await app.api(.GET, "/api/v1/me", token: token)
            XCTAssertEqual(after.status, .unauthorized)
        }
    }

    func testTokensExpire() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            _ = try await TestCity.build(app)
            let token = try await app.token("admin")
            clock.advance(by: 31 * 24 * 3600)
            let status = try await app.api(.GET, "/api/v1/me", token: token).status
            XCTAssertEqual(status, .unauthorized)
        }
    }

    func testDeactivatedStaffCannotSignIn() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let admin = app.browser()
            _ = try await admin.login("admin")
            let response = try await admin.post("/staff/\(city.users["wg-b"]!.id!)/active", form: ["active": "0"])
            XCTAssertEqual(response.status, .seeOther)
            let refused = try await app.browser().login("wg-b")
            XCTAssertEqual(refused.status, .unauthorized)
            XCTAssertTrue(refused.body.string.contains("已停用"))
        }
    }

    func testResidentsRegisterWithAPhoneThatIsStoredSealed() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            let response = try await browser.post("/register", form: ["name": "居民甲", "phone": "139 0731 2468", "password": "home2026", "password2": "home2026"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let user = try await User.query(on: app.db).filter(\.$kind == .resident).first()
            let resident = try XCTUnwrap(user)
            XCTAssertFalse(resident.username.contains("13907312468"))
            XCTAssertNotEqual(resident.phoneSealed, "13907312468")
            XCTAssertEqual(try app.state.cipher.open(resident.phoneSealed!), "13907312468")
            let blank = try await browser.get("/home")
            XCTAssertTrue(blank.body.string.contains("找我的网格员"))
            XCTAssertFalse(blank.body.string.contains("没有找到"), "no empty-search message before searching")
            let home = try await browser.get("/home?q=清水")
            XCTAssertTrue(home.body.string.contains("清水社区第1网格"))
            // Signs in again with the phone number.
            let again = try await app.browser().login("13907312468", password: "home2026")
            XCTAssertEqual(again.status, .seeOther)
            let duplicate = try await app.browser().post("/register", form: ["name": "居民乙", "phone": "13907312468", "password": "home2026", "password2": "home2026"])
            XCTAssertEqual(duplicate.status, .unprocessableEntity)
            let weak = try await app.browser().post("/register", form: ["name": "居民丙", "phone": "13907312469", "password": "short", "password2": "short"])
            XCTAssertEqual(weak.status, .unprocessableEntity)
            XCTAssertTrue(weak.body.string.contains("8–72 位"))
        }
    }

    func testOpenRedirectsAreNotFollowed() {
        XCTAssertEqual(AuthController.safeNext("//evil.example"), "")
        XCTAssertEqual(AuthController.safeNext("https://evil.example"), "")
        XCTAssertEqual(AuthController.safeNext("/areas/3"), "/areas/3")
    }
}
