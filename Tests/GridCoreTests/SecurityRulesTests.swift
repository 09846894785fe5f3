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

final class Open311PublicationTests: XCTestCase {
    func testResidentWordsWaitForModerationAndStaffReportsKeepTheirs() {
        let resident = Open311Publication.text(channel: .resident, title: "邻居家暴", description: "302 室王某", address: "清水路5号302",
                                               moderated: nil, categoryName: "井盖破损")
        XCTAssertEqual(resident, .init(description: "井盖破损", address: nil))
        let moderated = Open311Publication.text(channel: .hotline12345, title: "x", description: "y", address: "清水路口", moderated: " 路口井盖破损 ",
                                                categoryName: "井盖破损")
        XCTAssertEqual(moderated, .init(description: "路口井盖破损", address: "清水路口"))
        let staff = Open311Publication.text(channel: .gridWorker, title: "井盖破损", description: "路口东侧", address: "清水路口", moderated: nil,
                                            categoryName: "井盖破损")
        XCTAssertEqual(staff, .init(description: "井盖破损：路口东侧", address: "清水路口"))
        for c in Channel.allCases where c != .gridWorker && c != .videoPatrol && c != .upperLevel && c != .fourPlatforms {
            XCTAssertTrue(Open311Publication.isResidentReport(c), c.rawValue)
        }
    }

    /// Open311 says the description once (#28): the phone's title is the category and the description's first words.
    func testTheDescriptionIsPublishedOnce() {
        XCTAssertEqual(Open311Publication.once(title: "井盖破损：路口东侧井盖…", description: "路口东侧井盖翘起，夜间有人绊倒"), "井盖破损：路口东侧井盖翘起，夜间有人绊倒")
        XCTAssertEqual(Open311Publication.once(title: "路口东侧井盖翘起", description: "路口东侧井盖翘起，夜间有人绊倒"), "路口东侧井盖翘起，夜间有人绊倒")
        XCTAssertEqual(Open311Publication.once(title: "井盖破损", description: "路口东侧"), "井盖破损：路口东侧")
        XCTAssertEqual(Open311Publication.once(title: "清水路井盖破损，夜间危险", description: "井盖破损"), "清水路井盖破损，夜间危险")
        XCTAssertEqual(Open311Publication.once(title: "井盖破损", description: " "), "井盖破损")
        let staff = Open311Publication.text(channel: .gridWorker, title: "井盖破损：路口东侧…", description: "路口东侧井盖翘起", address: nil, moderated: nil,
                                            categoryName: "井盖破损")
        XCTAssertEqual(staff.description, "井盖破损：路口东侧井盖翘起")
    }

    func testPositionsAreRoundedToAboutFiftyMetres() {
        XCTAssertEqual(Open311Publication.rounded(27.861234), 27.861)
        XCTAssertEqual(Open311Publication.rounded(113.123456), 113.1235)
        for v in stride(from: 27.8, to: 27.81, by: 0.000123) {
            XCTAssertLessThanOrEqual(abs(Open311Publication.rounded(v) - v), Open311Publication.coordinateStep / 2 + 1e-9)
        }
    }
}

final class XMLTextTests: XCTestCase {
    func testTheFiveAreEscapedAndForbiddenControlsDropped() {
        XCTAssertEqual(XMLText.escape(#"<b a="1" c='2'>A&B</b>"#), "&lt;b a=&quot;1&quot; c=&apos;2&apos;&gt;A&amp;B&lt;/b&gt;")
        XCTAssertEqual(XMLText.escape("a\u{1}b\tc\nd\u{1F}"), "ab\tc\nd")
        XCTAssertEqual(XMLText.escape("网格通"), "网格通")
    }
}

final class CommandCenterRoleTests: XCTestCase {
    func testOnlyTheDeskAndAdministratorsSpeakForTheCommandCenter() {
        XCTAssertTrue(Set<Role>([.operator]).speaksForCommandCenter)
        XCTAssertTrue(Set<Role>([.administrator, .mediator]).speaksForCommandCenter)
        XCTAssertFalse(Set<Role>([.gridWorker, .gridLeader, .leader, .handler]).speaksForCommandCenter)
    }
}
