import XCTest
@testable import GridCore

final class AssessmentTests: XCTestCase {
    /// Grid 5 in November: a good month with one missed deadline and one overdue task.
    func gridFive() -> AssessmentMonth {
        var m = AssessmentMonth()
        m.workingDays = 20; m.patrolDays = 18
        m.visitsDue = 12; m.visitsDone = 12
        m.registryUpdates = 25
        m.hardware = 8; m.hardwareReason = "宣传栏破损未修复"
        m.casesFound = 4
        var f = CaseFacts()
        f.received = 20; f.closed = 18; f.closedOnTime = 16; f.rated = 10; f.satisfied = 9; f.onSite = 2
        m.cases = f
        m.verifyHours = 36; m.verifications = 5
        m.deductions = [.init(points: 2, reason: "办结超时（负面清单）", caseCode: "430204001001005-20261105-0003")]
        m.overdueTasks = ["冬季消防安全排查"]
        return m
    }

    func testAHandBuiltMonthScoresItemByItem() {
        let s = Assessment.score(gridFive(), scheme: .standard)
        let points = Dictionary(uniqueKeysWithValues: s.lines.map { ($0.measure, $0.points) })
        XCTAssertEqual(points[.patrolDays], 13.5, "18/20 × 15")
        XCTAssertEqual(points[.visits], 15)
        XCTAssertEqual(points[.registryUpdates], 10, "capped at the target")
        XCTAssertEqual(points[.hardware], 8)
        XCTAssertEqual(points[.casesFound], 6.7, "4/6 × 10")
        XCTAssertEqual(points[.onSite], 5.3, "2/3 × 8")
        XCTAssertEqual(points[.onTimeRate], 8.9, "16/18 × 10 = 8.89")
        XCTAssertEqual(points[.closureRate], 9, "18/20 × 10")
        XCTAssertEqual(points[.satisfactionRate], 7.2, "9/10 × 8")
        XCTAssertEqual(points[.verifySpeed], 3, "36 h between 24 and 72: (72-36)/(72-24) × 4")
        XCTAssertEqual(s.part(.daily), 38.5)
        XCTAssertEqual(s.part(.hardware), 8)
        XCTAssertEqual(s.part(.work), 40.1)
        XCTAssertEqual(s.deducted, 3, "2 from the negative list, 1 for the overdue task")
        XCTAssertEqual(s.total, 83.6)
    }

    func testWhyDidGridFiveLosePointsIsOneList() {
        let why = Assessment.score(gridFive(), scheme: .standard).explanation
        XCTAssertTrue(why.contains("巡查打卡失 1.5 分：巡查打卡 18 天 / 工作日 20 天（打卡天数 ÷ 工作日 × 分值）"))
        XCTAssertTrue(why[0].hasPrefix("事件发现失 3.3 分：网格员上报 4 件"), "the biggest loss first: \(why[0])")
        XCTAssertTrue(why[1].hasPrefix("现场处置失 2.7 分"), why[1])
        XCTAssertTrue(why.contains("扣 2 分：办结超时（负面清单）（事件 430204001001005-20261105-0003）"))
        XCTAssertTrue(why.contains("扣 1 分：任务逾期未完成：冬季消防安全排查"))
        XCTAssertTrue(why.contains { $0.hasPrefix("硬件建设失 2 分：街道评定 8 分：宣传栏破损未修复") })
        XCTAssertFalse(why.contains { $0.hasPrefix("特殊人群走访") }, "full marks are not explained")
    }

    /// The workflow's indicators as scheme items: 有效上报率, 回访满意率, 返工率.
    func testTheWorkflowIndicatorsCanBeScored() throws {
        var m = gridFive()
        var w = CaseFacts()
        w.received = 5; w.accepted = 3; w.onSite = 1  // one rejected
        m.workerReports = w
        m.cases.callbackReached = 4; m.cases.callbackSatisfied = 3; m.cases.reworks = 2
        var scheme = AssessmentScheme.standard
        scheme.items.removeAll { $0.measure == .satisfactionRate }
        scheme.items += [AssessmentScheme.Item(.validReportRate, .work, points: 4), AssessmentScheme.Item(.callbackSatisfactionRate, .work, points: 2),
                         AssessmentScheme.Item(.reworkRate, .work, points: 2)]
        let points = Dictionary(uniqueKeysWithValues: Assessment.score(m, scheme: try scheme.validated()).lines.map { ($0.measure, $0.points) })
        XCTAssertEqual(points[.validReportRate], 3.2, "(3 + 1) / 5 × 4")
        XCTAssertEqual(points[.callbackSatisfactionRate], 1.5, "3 / 4 × 2")
        XCTAssertEqual(points[.reworkRate], 1.8, "(1 − 2 / 18) × 2")
        XCTAssertEqual(points[.validReportRate], 3.2)
        XCTAssertEqual(Assessment.score(AssessmentMonth(), scheme: try scheme.validated()).lines.first { $0.measure == .validReportRate }?.points, 4,
                       "no reports: full points")
    }

    func testAnEmptyMonthAndTheFloor() {
        var m = AssessmentMonth()
        m.workingDays = 21
        let s = Assessment.score(m, scheme: .standard)
        XCTAssertEqual(s.part(.daily), 15, "no patrols: 0; no visits due: full; no updates: 0")
        XCTAssertEqual(s.part(.hardware), 0, "not entered yet")
        XCTAssertEqual(s.part(.work), 32, "rates with nothing to rate count full; counts and on-site 0")
        m.deductions = (0..<30).map { _ in .init(points: 3, reason: "超时", caseCode: nil) }
        XCTAssertEqual(Assessment.score(m, scheme: .standard).total, 0, "never below zero")
    }

    func testTheSchemeIsValidatedWhenEdited() throws {
        XCTAssertNoThrow(try AssessmentScheme.standard.validated())
        var s = AssessmentScheme.standard
        s.items[0].points = 20
        XCTAssertThrowsError(try s.validated()) { XCTAssertEqual($0 as? AssessmentScheme.Problem, .partTotal(.daily, 45)) }
        s = .standard
        s.items[2].target = 0
        XCTAssertThrowsError(try s.validated()) { XCTAssertEqual($0 as? AssessmentScheme.Problem, .target(.registryUpdates)) }
        s = .standard
        s.items[9].limit = 12
        XCTAssertThrowsError(try s.validated()) { XCTAssertEqual($0 as? AssessmentScheme.Problem, .target(.verifySpeed)) }
        s = .standard
        s.items.append(s.items[0])
        XCTAssertThrowsError(try s.validated()) { XCTAssertEqual($0 as? AssessmentScheme.Problem, .duplicate(.patrolDays)) }
        // A new version weighs patrols more and visits less: same month, different score.
        s = .standard
        s.version = 2; s.items[0].points = 20; s.items[1].points = 10
        let v2 = Assessment.score(gridFive(), scheme: try s.validated())
        XCTAssertEqual(v2.schemeVersion, 2)
        XCTAssertEqual(v2.part(.daily), 18 + 10 + 10)
    }
}

final class ResponsibilityTests: XCTestCase {
    func testEachLinkSaysHowLateItWas() {
        let t = Date(timeIntervalSince1970: 1_794_963_600)
        let onTime = ResponsibilityLink(step: "受理", holder: "清水社区", from: t, due: t.addingTimeInterval(86_400), done: t.addingTimeInterval(3600))
        let late = ResponsibilityLink(step: "办结", holder: "区城管局", from: t, due: t.addingTimeInterval(86_400), done: t.addingTimeInterval(4 * 86_400))
        let open = ResponsibilityLink(step: "办结", holder: "区城管局", from: t, due: t.addingTimeInterval(86_400), done: nil)
        XCTAssertEqual(onTime.verdict(now: t), "按时")
        XCTAssertEqual(late.hoursLate(now: t), 72)
        XCTAssertEqual(late.verdict(now: t), "超时 3.0 天")
        XCTAssertEqual(open.verdict(now: t.addingTimeInterval(86_400 + 5 * 3600)), "已超时 5 小时")
        XCTAssertEqual(open.verdict(now: t), "办理中")
        XCTAssertEqual(SanctionKind.allCases.map(\.displayName), ["约谈", "面谈", "书面通报", "黄牌警告"])
    }
}
