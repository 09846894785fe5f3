import XCTest
@testable import GridCore

final class RoleRulesTests: XCTestCase {
    func testGridWorkersWorkOnGrids() {
        XCTAssertNoThrow(try RoleRules.check(role: .gridWorker, areaLevel: .grid, hasDepartment: false, employment: .partTime))
        XCTAssertThrowsError(try RoleRules.check(role: .gridWorker, areaLevel: .street, hasDepartment: false, employment: nil)) {
            XCTAssertEqual($0 as? RoleAssignmentViolation, .wrongLevel(.gridWorker, .street))
        }
        XCTAssertThrowsError(try RoleRules.check(role: .gridWorker, areaLevel: nil, hasDepartment: false, employment: nil))
    }

    func testOperatorsSitAtCommandCenters() {
        for level in [AreaLevel.community, .street, .district] {
            XCTAssertNoThrow(try RoleRules.check(role: .operator, areaLevel: level, hasDepartment: false, employment: nil))
        }
        XCTAssertThrowsError(try RoleRules.check(role: .operator, areaLevel: .grid, hasDepartment: false, employment: nil))
    }

    func testHandlersNeedADepartmentAndOnlyGridWorkersHaveEmployment() {
        XCTAssertNoThrow(try RoleRules.check(role: .handler, areaLevel: nil, hasDepartment: true, employment: nil))
        XCTAssertThrowsError(try RoleRules.check(role: .handler, areaLevel: nil, hasDepartment: false, employment: nil)) {
            XCTAssertEqual($0 as? RoleAssignmentViolation, .departmentRequired)
        }
        XCTAssertThrowsError(try RoleRules.check(role: .mediator, areaLevel: .grid, hasDepartment: false, employment: .fullTime))
    }

    func testEveryRoleHasChineseNameAndDuty() {
        for role in Role.allCases {
            XCTAssertFalse(role.displayName.isEmpty)
            XCTAssertFalse(role.duty.isEmpty)
            XCTAssertTrue(role.isDepartmentRole || !role.allowedLevels.isEmpty, "\(role) can be held somewhere")
        }
    }
}

final class AccessScopeTests: XCTestCase {
    func testScopeKeepsOnlyTheOutermostSubtrees() {
        let scope = AccessScope(areaPaths: [AreaPath("/1/5/23/")!, AreaPath("/1/5/")!, AreaPath("/1/6/")!, AreaPath("/1/5/")!])
        XCTAssertEqual(scope.areaPaths, [AreaPath("/1/5/")!, AreaPath("/1/6/")!])
    }

    func testCoversOnlyItsSubtrees() {
        let street = AccessScope(areaPaths: [AreaPath("/1/5/")!], roles: [.operator])
        XCTAssertTrue(street.covers(AreaPath("/1/5/23/230/")!))
        XCTAssertFalse(street.covers(AreaPath("/1/6/30/")!))
        XCTAssertFalse(street.covers(AreaPath("/1/")!), "the parent district is outside a street's scope")
        XCTAssertFalse(street.canAdminister(AreaPath("/1/5/23/")!), "operators do not administer")
        XCTAssertFalse(AccessScope.nothing.covers(AreaPath("/1/")!))
    }

    func testAdministratorsOnARootAdministerTheSystem() {
        XCTAssertTrue(AccessScope(areaPaths: [AreaPath("/1/")!], roles: [.administrator]).isSystemAdministrator)
        let communityAdmin = AccessScope(areaPaths: [AreaPath("/1/5/23/")!], roles: [.administrator])
        XCTAssertFalse(communityAdmin.isSystemAdministrator)
        XCTAssertTrue(communityAdmin.canAdminister(AreaPath("/1/5/23/230/")!))
        XCTAssertFalse(communityAdmin.canAdminister(AreaPath("/1/5/24/")!))
    }
}

final class LoginThrottleTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    let throttle = LoginThrottle()
    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    func times(_ n: Int, every step: Double = 1) -> [Date] { (0..<n).map { at(Double($0) * step) } }

    func testDelaysGrowPerAccountAndAddressInsteadOfLocking() {
        XCTAssertEqual(throttle.decide(.init(pair: times(2)), knownDevice: false, now: at(3)), .allowed)
        // 3 failures: 5 s wait after the last; 4: 10 s; 5: 20 s … capped at 15 minutes.
        XCTAssertEqual(throttle.decide(.init(pair: times(3)), knownDevice: false, now: at(3)), .wait(until: at(2 + 5)))
        XCTAssertEqual(throttle.decide(.init(pair: times(3)), knownDevice: false, now: at(8)), .allowed)
        XCTAssertEqual(throttle.decide(.init(pair: times(4)), knownDevice: false, now: at(4)), .wait(until: at(3 + 10)))
        XCTAssertEqual(throttle.decide(.init(pair: times(20)), knownDevice: false, now: at(20)), .wait(until: at(19 + 900)))
        XCTAssertEqual(throttle.decide(.init(pair: times(20)), knownDevice: false, now: at(19 + 3600)), .allowed, "forgotten after the window")
    }

    func testAnAccountUnderAttackAsksUnknownDevicesForAChallengeAndLetsKnownDevicesIn() {
        let attack = LoginThrottle.Failures(pair: [], account: times(12, every: 60), address: [])
        XCTAssertEqual(throttle.decide(.init(account: times(3, every: 60)), knownDevice: false, now: at(200)), .challenge)
        if case .wait = throttle.decide(attack, knownDevice: false, now: at(11 * 60 + 1)) {} else { XCTFail("unknown devices wait") }
        XCTAssertEqual(throttle.decide(attack, knownDevice: true, now: at(11 * 60 + 1)), .allowed, "the owner's phone still gets in")
    }

    func testOneAddressFailingForManyAccountsNeedsTheChallengeButIsNotLockedOut() {
        let spray = LoginThrottle.Failures(address: times(25))
        XCTAssertEqual(throttle.decide(spray, knownDevice: false, now: at(30)), .challenge)
        XCTAssertEqual(throttle.decide(.init(address: times(19)), knownDevice: false, now: at(30)), .allowed)
    }

    func testMessagesSayHowLongAndNothingAboutTheAccount() {
        XCTAssertEqual(LoginThrottle.Decision.wait(until: at(600)).message(now: t0), "登录尝试过于频繁，请 10 分钟后再试")
        XCTAssertEqual(LoginThrottle.Decision.wait(until: at(5)).message(now: t0), "登录尝试过于频繁，请 5 秒后再试")
        XCTAssertNil(LoginThrottle.Decision.allowed.message(now: t0))
    }
}
