import XCTest
@testable import GridCore

final class AgentServiceTests: XCTestCase {
    typealias Flow = AgentServiceFlow

    func testTheWholeWayWithARejectionAndAResubmission() throws {
        var s = try Flow.apply(.request, to: nil, by: .resident, comment: "", documents: 0)
        XCTAssertEqual(s, .requested)
        s = try Flow.apply(.submit, to: s, by: .gridWorker, comment: "", documents: 2)
        XCTAssertEqual(s, .submitted)
        s = try Flow.apply(.askMore, to: s, by: .department, comment: "缺户口簿首页", documents: 0)
        XCTAssertEqual(s, .moreNeeded)
        XCTAssertEqual(s.waitsFor, .gridWorker)
        s = try Flow.apply(.resubmit, to: s, by: .gridWorker, comment: "", documents: 1)
        XCTAssertEqual(s, .submitted)
        s = try Flow.apply(.approve, to: s, by: .department, comment: "", documents: 0)
        XCTAssertEqual(s, .approved)
        s = try Flow.apply(.complete, to: s, by: .department, comment: "已制证", documents: 0)
        XCTAssertEqual(s, .ready)
        s = try Flow.apply(.deliver, to: s, by: .gridWorker, comment: "", documents: 0)
        XCTAssertEqual(s, .delivered)
        XCTAssertTrue(s.isFinal)
        XCTAssertNil(s.waitsFor)
        XCTAssertEqual(Flow.available(at: s, to: .gridWorker), [])
        XCTAssertEqual(Flow.available(at: s, to: .department), [])
    }

    func testWhoMayDoWhat() {
        XCTAssertThrowsError(try Flow.apply(.approve, to: .submitted, by: .gridWorker, comment: "", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .wrongActor(.approve, .gridWorker))
        }
        XCTAssertThrowsError(try Flow.apply(.submit, to: .requested, by: .department, comment: "", documents: 1)) {
            XCTAssertEqual($0 as? Flow.Problem, .wrongActor(.submit, .department))
        }
        XCTAssertThrowsError(try Flow.apply(.deliver, to: .ready, by: .resident, comment: "", documents: 0))
        XCTAssertEqual(Flow.available(at: .submitted, to: .department), [.askMore, .approve, .refuse])
        XCTAssertEqual(Flow.available(at: .approved, to: .department), [.refuse, .complete])
        XCTAssertEqual(Flow.available(at: .requested, to: .gridWorker), [.submit, .withdraw])
        XCTAssertEqual(Flow.available(at: .moreNeeded, to: .gridWorker), [.resubmit, .withdraw])
        XCTAssertEqual(Flow.available(at: .submitted, to: .resident), [.withdraw])
        XCTAssertEqual(Flow.available(at: .approved, to: .resident), [], "once approved the department is working on it")
    }

    func testStepsOutOfOrderAndMissingReasonsOrDocuments() {
        XCTAssertThrowsError(try Flow.apply(.approve, to: .requested, by: .department, comment: "", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .notAllowed(.approve, .requested))
        }
        XCTAssertThrowsError(try Flow.apply(.deliver, to: .approved, by: .gridWorker, comment: "", documents: 0))
        XCTAssertThrowsError(try Flow.apply(.resubmit, to: .submitted, by: .gridWorker, comment: "", documents: 1))
        XCTAssertThrowsError(try Flow.apply(.withdraw, to: .delivered, by: .resident, comment: "不需要了", documents: 0))
        XCTAssertThrowsError(try Flow.apply(.askMore, to: .submitted, by: .department, comment: "  ", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .commentRequired(.askMore))
        }
        XCTAssertThrowsError(try Flow.apply(.refuse, to: .approved, by: .department, comment: "", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .commentRequired(.refuse))
        }
        XCTAssertThrowsError(try Flow.apply(.submit, to: .requested, by: .gridWorker, comment: "", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .documentsRequired)
        }
        XCTAssertThrowsError(try Flow.apply(.resubmit, to: .moreNeeded, by: .gridWorker, comment: "补齐", documents: 0)) {
            XCTAssertEqual($0 as? Flow.Problem, .documentsRequired)
        }
        XCTAssertEqual(try Flow.apply(.refuse, to: .approved, by: .department, comment: "不符合条件", documents: 0), .refused)
    }

    func testHandlingTimeFromTheCatalogueText() {
        XCTAssertEqual(Flow.handlingTime("20 个工作日"), .workingDays(20))
        XCTAssertEqual(Flow.handlingTime("急难型 24 小时内；一般 15 个工作日"), .workingDays(15))
        XCTAssertEqual(Flow.handlingTime("出院前或 5 个工作日"), .workingDays(5))
        XCTAssertEqual(Flow.handlingTime("受理之日起 45 日内结案"), .calendarDays(45))
        XCTAssertEqual(Flow.handlingTime("冷静期满后 30 日内到场办理"), .calendarDays(30))
        XCTAssertEqual(Flow.handlingTime("当场办结"), .workingDays(1))
        XCTAssertEqual(Flow.handlingTime("即时"), .workingDays(1))
        XCTAssertEqual(Flow.handlingTime("预约当日"), .workingDays(1))
        XCTAssertEqual(Flow.handlingTime("参保期内"), .workingDays(15))
        XCTAssertEqual(Flow.handlingTime("0 个工作日"), .workingDays(1), "never a deadline in the past")
    }

    func testDeadlinesCountWorkingDaysAcrossTheNationalDayHolidays() {
        // 2026: 10-01..10-07 off (per the official notice shape), 09-27 and 10-10 worked.
        let off = Set((1...7).map { LocalDate(year: 2026, month: 10, day: $0) })
        let calendar = WorkCalendar(daysOff: off, extraWorkdays: [LocalDate(year: 2026, month: 10, day: 10)], knownYears: [2026])
        let wed = LocalDate(year: 2026, month: 9, day: 30).startInstant.addingTimeInterval(10 * 3600)
        // Collect within 3 working days: 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, worked) → end of 10-10.
        XCTAssertEqual(Flow.deadline(for: .requested, from: wed, handling: .workingDays(15), calendar: calendar),
                       LocalDate(year: 2026, month: 10, day: 11).startInstant)
        XCTAssertEqual(Flow.deadline(for: .submitted, from: wed, handling: .workingDays(15), calendar: calendar),
                       LocalDate(year: 2026, month: 10, day: 10).startInstant)
        XCTAssertEqual(Flow.deadline(for: .approved, from: wed, handling: .calendarDays(30), calendar: calendar),
                       LocalDate(year: 2026, month: 10, day: 31).startInstant, "calendar days ignore holidays")
        XCTAssertEqual(Flow.deadline(for: .approved, from: wed, handling: .workingDays(1), calendar: calendar),
                       LocalDate(year: 2026, month: 10, day: 9).startInstant)
        XCTAssertNil(Flow.deadline(for: .delivered, from: wed, handling: .workingDays(1), calendar: calendar))
    }

    func testDepartmentMatching() {
        let ours = ["区住建局（建管委）", "区民政局", "区残联", "公安石峰分局", "区医保局"]
        XCTAssertEqual(DepartmentMatch.best(for: "区民政局", among: ours), 1)
        XCTAssertEqual(DepartmentMatch.best(for: "区公安分局", among: ours), 3)
        XCTAssertEqual(DepartmentMatch.best(for: "区残联", among: ours), 2)
        XCTAssertEqual(DepartmentMatch.best(for: "区医保局", among: ours), 4)
        XCTAssertNil(DepartmentMatch.best(for: "区税务局", among: ours))
        XCTAssertNil(DepartmentMatch.best(for: "区局", among: ours), "no distinctive word")
    }
}
