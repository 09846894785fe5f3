import GridCore
import XCTest

final class SafeRedirectTests: XCTestCase {
    func testLocalPathsAreKept() {
        for ok in ["/", "/cases", "/cases/123?tab=trace", "/registry/people/5b0e?notice=saved#x", "/m/report"] {
            XCTAssertEqual(SafeRedirect.localPath(ok), ok, ok)
        }
    }

    func testEverythingElseIsRefused() {
        let bad = [nil, "", "cases", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
                   "/\t/evil.example", "/\r\nSet-Cookie: cg_csrf=x", "/\nX: y", "/ok\u{0}", "/a b", "/a\u{85}b", "/a\u{2028}b",
                   "/a\u{200B}b", "/cases//x", "/%0d%0aSet-Cookie:x", "/%09/evil.example", "/%2F%2Fevil.example", "/%5cevil",
                   "/%2f/evil", "/" + String(repeating: "a", count: 600)]
        for b in bad { XCTAssertNil(SafeRedirect.localPath(b), String(reflecting: b)) }
    }

    func testSegmentsIgnoreQueryAndFragment() {
        XCTAssertEqual(SafeRedirect.segments("/cases/12?x=/y#z"), ["cases", "12"])
        XCTAssertEqual(SafeRedirect.segments("/"), [])
    }
}

final class LikePatternTests: XCTestCase {
    func testWildcardsAndTheEscapeAreLiteral() {
        XCTAssertEqual(LikePattern.escape("%"), "\\%")
        XCTAssertEqual(LikePattern.escape("a_b\\c%"), "a\\_b\\\\c\\%")
        XCTAssertEqual(LikePattern.contains("张_"), "%张\\_%")
        XCTAssertEqual(LikePattern.prefix("50%"), "50\\%%")
        XCTAssertEqual(LikePattern.escape("平常文字"), "平常文字")
    }
}

final class PasswordPolicyTests: XCTestCase {
    func testGoodPasswordsPass() {
        for ok in ["湘江边上的老樟树", "Tea-and-rain-2026", "my grid has 3 lanes", "xq7!Lm2#pR", "清水塘网格员王"] where ok.count >= 10 {
            XCTAssertNil(PasswordPolicy.problem(with: ok), ok)
        }
        XCTAssertNil(PasswordPolicy.problem(with: "Tea-and-rain-2026"))
    }

    func testShortLongCommonAndPersonalAreRefused() {
        XCTAssertEqual(PasswordPolicy.problem(with: "password1"), .tooShort)
        XCTAssertEqual(PasswordPolicy.problem(with: "pass1234"), .tooShort)
        XCTAssertEqual(PasswordPolicy.problem(with: String(repeating: "好", count: 20)), .common)
        XCTAssertEqual(PasswordPolicy.problem(with: String(repeating: "x9", count: 40)), .tooLong)
        for weak in ["password123", "Password2026", "qwerty123456", "1234567890", "aaaaaaaaaaaa", "abababababab", "woaini1314",
                     "abcdefghijk", "9876543210", "admin12345", "1qaz2wsx3edc", "asdfghjkl1", "zhuzhou2026!"] {
            XCTAssertEqual(PasswordPolicy.problem(with: weak), .common, weak)
        }
        XCTAssertEqual(PasswordPolicy.problem(with: "my13907312468x", identities: ["13907312468"]), .containsIdentity)
        XCTAssertEqual(PasswordPolicy.problem(with: "wg-zhang-garden", identities: ["wg-zhang"]), .containsIdentity)
    }
}
