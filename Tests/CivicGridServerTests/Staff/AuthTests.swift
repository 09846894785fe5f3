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

    func testFailedLoginsSlowDownAndAskForAChallengeInsteadOfLocking() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            for _ in 0..<3 { _ = try await browser.login("wg-a", password: "guess1234") }
            // Three failures from this address: the next try waits a few seconds, with a clear message.
            let waiting = try await browser.login("wg-a")
            XCTAssertEqual(waiting.status, .tooManyRequests)
            XCTAssertTrue(waiting.body.string.contains("登录尝试过于频繁"), waiting.body.string)
            let other = try await app.browser().login("wg-b")
            XCTAssertEqual(other.status, .seeOther, "other accounts are not affected")
            // After the wait, the account asks for the sum first.
            clock.advance(by: 6)
            let asked = try await browser.login("wg-a")
            XCTAssertEqual(asked.status, .unauthorized)
            XCTAssertTrue(asked.body.string.contains("验证问题"), asked.body.string)
            let html = asked.body.string
            let token = try XCTUnwrap(html.range(of: #"name="challenge" value="([^"]+)""#, options: .regularExpression)
                .map { String(html[$0]).replacingOccurrences(of: #"name="challenge" value=""#, with: "").dropLast() })
            let question = try XCTUnwrap(html.range(of: #"(\d) \+ (\d) = ？"#, options: .regularExpression).map { String(html[$0]) })
            let digits = question.compactMap(\.wholeNumberValue)
            clock.advance(by: 3)
            let passed = try await browser.post("/login", form: ["username": "wg-a", "password": testPassword, "challenge": String(token),
                                                                 "answer": String(digits[0] + digits[1])])
            XCTAssertEqual(passed.status, .seeOther, passed.body.string)
        }
    }

    func testAKnownDeviceStillSignsInWhileSomeoneElseIsGuessing() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            _ = try await TestCity.build(app)
            let phone = app.browser()
            expectEqual(try await phone.login("wg-a").status, .seeOther)
            XCTAssertNotNil(phone.cookies["cg_device"], "the device is remembered")
            _ = try await phone.post("/logout", form: [:])
            // An attacker from many addresses: tracked per account, so unknown devices must wait.
            for i in 0..<12 {
                _ = try await app.testable().sendRequest(.POST, "/api/v1/auth/token", headers: ["Content-Type": "application/json", "X-Forwarded-For": "10.0.0.\(i)"],
                                                         body: ByteBuffer(string: #"{"username":"wg-a","password":"guess-\#(i)-abc"}"#))
                clock.advance(by: 1)
            }
            let stranger = try await app.browser().login("wg-a")
            XCTAssertNotEqual(stranger.status, .seeOther, "an unknown device does not get in at once")
            let owner = try await phone.login("wg-a")
            XCTAssertEqual(owner.status, .seeOther, "the owner's known device still signs in: \(owner.body.string.prefix(300))")
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
            XCTAssertTrue(refused.body.string.contains(AuthService.badCredentials), "the same words as a wrong password")
            XCTAssertFalse(refused.body.string.contains("已停用"), "deactivation is not told to whoever knows the password")
        }
    }

    func testResidentsRegisterWithAPhoneThatIsStoredSealed() async throws {
        let sms = RecordingSMSSender()
        try await withApp(adjust: { $0.smsSender = sms }) { app in
            _ = try await TestCity.build(app)
            let (browser, response) = try await register(app, sms, name: "居民甲", phone: "139 0731 2468", password: "home-by-the-river")
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            XCTAssertEqual(sms.sent.first?.phone, "13907312468")
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
            let again = try await app.browser().login("13907312468", password: "home-by-the-river")
            XCTAssertEqual(again.status, .seeOther)
        }
    }

    func testRegistrationDoesNotTellWhetherANumberIsRegisteredAndNeedsTheCode() async throws {
        let sms = RecordingSMSSender()
        try await withApp(adjust: { $0.smsSender = sms }) { app in
            _ = try await TestCity.build(app)
            _ = try await register(app, sms, name: "居民甲", phone: "13907312468", password: "home-by-the-river")
            // Same page for a registered number; the owner's phone gets "already registered", no code.
            let again = try await app.browser().post("/register", form: ["name": "居民乙", "phone": "13907312468", "password": "another-long-one", "password2": "another-long-one"])
            let fresh = try await app.browser().post("/register", form: ["name": "居民丙", "phone": "13907312470", "password": "another-long-one", "password2": "another-long-one"])
            XCTAssertEqual(again.status, .ok)
            XCTAssertEqual(fresh.status, .ok)
            XCTAssertFalse(again.body.string.contains("已注册，请"), "no 该手机号已注册 on the page")
            XCTAssertTrue(again.body.string.contains("验证码已发送至"))
            XCTAssertTrue(fresh.body.string.contains("验证码已发送至"))
            XCTAssertTrue(sms.sent[1].text.contains("已注册"))
            XCTAssertFalse(sms.sent[1].text.contains("验证码为"))
            // A wrong code does not register.
            let html = fresh.body.string
            let r = try XCTUnwrap(html.range(of: #"name="pending" value="([^"]+)""#, options: .regularExpression))
            let pending = String(String(html[r]).replacingOccurrences(of: #"name="pending" value=""#, with: "").dropLast())
            let wrong = try await app.browser().post("/register/confirm", form: ["pending": pending, "code": "000001"])
            XCTAssertEqual(wrong.status, .unprocessableEntity)
            expectEqual(try await User.query(on: app.db).filter(\.$kind == .resident).count(), 1)
            // Weak passwords are refused with the reason.
            let weak = try await app.browser().post("/register", form: ["name": "居民丁", "phone": "13907312469", "password": "password1", "password2": "password1"])
            XCTAssertEqual(weak.status, .unprocessableEntity)
            XCTAssertTrue(weak.body.string.contains("至少 10 位"))
            let common = try await app.browser().post("/register", form: ["name": "居民丁", "phone": "13907312469", "password": "password2026", "password2": "password2026"])
            XCTAssertTrue(common.body.string.contains("太常见"))
            // Rate-limited per number.
            var last: XCTHTTPResponse?
            for _ in 0..<4 { last = try await app.browser().post("/register", form: ["name": "居民戊", "phone": "13907312471", "password": "another-long-one", "password2": "another-long-one"]) }
            XCTAssertEqual(last?.status, .tooManyRequests)
        }
    }

    func testAWrongPasswordTakesTheSameTimeForRealAndUnknownAccounts() async throws {
        // Real cost (10) here, not the suite's 4: the dummy hash must follow the configured cost.
        try await withApp(adjust: { $0.bcryptCost = 10 }) { app in
            _ = try await TestCity.build(app)
            let real = try await User.query(on: app.db).filter(\.$username == "wg-a").first()!
            real.passwordHash = try Bcrypt.hash(testPassword, cost: 10)
            try await real.save(on: app.db)
            func time(_ name: String) async throws -> Double {
                var best = Double.infinity
                for i in 0..<3 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try await app.testable().sendRequest(.POST, "/api/v1/auth/token", headers: ["Content-Type": "application/json", "X-Forwarded-For": "10.1.\(i).\(name.count)"],
                                                             body: ByteBuffer(string: #"{"username":"\#(name)","password":"wrong-password-\#(i)"}"#))
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                return best
            }
            let known = try await time("wg-a"), unknown = try await time("nobody-here")
            // Cost 10 is ~50 ms or more; a cost-4 dummy hash would be ~1 ms, 16× less than a real one.
            XCTAssertGreaterThan(unknown, known / 4, "unknown \(unknown) ms vs real \(known) ms")
        }
    }

}
