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

    func testLocksAfterFiveRecentFailures() {
        let throttle = LoginThrottle()
        let four = (0..<4).map { t0.addingTimeInterval(Double($0) * 10) }
        XCTAssertEqual(throttle.decide(failures: four, now: t0.addingTimeInterval(60)), .allowed)
        let five = four + [t0.addingTimeInterval(50)]
        XCTAssertEqual(throttle.decide(failures: five, now: t0.addingTimeInterval(60)), .locked(until: t0.addingTimeInterval(50 + 900)))
    }

    func testUnlocksWhenTheLockoutHasPassed() {
        let throttle = LoginThrottle()
        let five = (0..<5).map { t0.addingTimeInterval(Double($0)) }
        XCTAssertNotEqual(throttle.decide(failures: five, now: t0.addingTimeInterval(899)), .allowed)
        XCTAssertEqual(throttle.decide(failures: five, now: t0.addingTimeInterval(905)), .allowed)
    }

    func testOldFailuresOutsideTheWindowDoNotCount() {
        let throttle = LoginThrottle()
        let spread = (0..<5).map { t0.addingTimeInterval(Double($0) * 300) }  // over 20 minutes
        XCTAssertEqual(throttle.decide(failures: spread, now: t0.addingTimeInterval(1201)), .allowed)
    }

    func testMessageTellsHowLongToWait() {
        let decision = LoginThrottle.Decision.locked(until: t0.addingTimeInterval(600))
        XCTAssertEqual(decision.message(now: t0), "登录失败次数过多，已暂时锁定，请 10 分钟后再试")
        XCTAssertNil(LoginThrottle.Decision.allowed.message(now: t0))
    }
}

final class PersonalDataTests: XCTestCase {
    func testNormalizesMobileAndLandlineNumbers() {
        XCTAssertEqual(PhoneNumber.normalize("138 1234 5678"), "13812345678")
        XCTAssertEqual(PhoneNumber.normalize("+86 138-1234-5678"), "13812345678")
        XCTAssertEqual(PhoneNumber.normalize("8613812345678"), "13812345678")
        XCTAssertEqual(PhoneNumber.normalize("0731-22334455"), "073122334455")
        XCTAssertNil(PhoneNumber.normalize("12812345678"), "no mobile numbers start 12")
        XCTAssertNil(PhoneNumber.normalize("1381234567"))
        XCTAssertNil(PhoneNumber.normalize("138123456789"))
        XCTAssertNil(PhoneNumber.normalize("abc"))
    }

    func testMasksTheMiddle() {
        XCTAssertEqual(PhoneNumber.mask("13812345678"), "138****5678")
        XCTAssertEqual(PhoneNumber.mask("073122334455"), "0731****4455")
        XCTAssertEqual(PhoneNumber.mask("123"), "***")
        XCTAssertEqual(NameMask.mask("张三丰"), "张*丰")
        XCTAssertEqual(NameMask.mask("李四"), "李*")
        XCTAssertEqual(NameMask.mask("欧阳小明"), "欧**明")
    }
}
