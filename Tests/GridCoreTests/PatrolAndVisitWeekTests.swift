import XCTest
@testable import GridCore

final class PatrolAndVisitWeekTests: XCTestCase {
    func testChecklistItemsAndFindings() {
        XCTAssertNoThrow(try PatrolChecklist.validateItem(title: "3 号楼消防通道", place: "3 号楼东侧", existing: 0))
        XCTAssertThrowsError(try PatrolChecklist.validateItem(title: "井", place: "", existing: 0)) { XCTAssertEqual($0 as? PatrolChecklist.Problem, .title) }
        XCTAssertThrowsError(try PatrolChecklist.validateItem(title: "窨井盖", place: String(repeating: "东", count: 61), existing: 0)) {
            XCTAssertEqual($0 as? PatrolChecklist.Problem, .place)
        }
        XCTAssertThrowsError(try PatrolChecklist.validateItem(title: "窨井盖", place: "", existing: 60)) { XCTAssertEqual($0 as? PatrolChecklist.Problem, .tooMany) }
        XCTAssertNoThrow(try PatrolChecklist.validate([.init(item: "窨井盖", ok: true, note: "")]))
        XCTAssertThrowsError(try PatrolChecklist.validate([.init(item: "窨井盖", ok: true, note: ""), .init(item: "工地围挡", ok: false, note: " ")])) {
            XCTAssertEqual($0 as? PatrolChecklist.Problem, .noteRequired("工地围挡"))
        }
        XCTAssertThrowsError(try PatrolChecklist.validate([.init(item: "窨井盖", ok: false, note: String(repeating: "坏", count: 201))])) {
            XCTAssertEqual($0 as? PatrolChecklist.Problem, .note)
        }
        XCTAssertEqual(PatrolChecklist.caseDescription(item: "窨井盖", place: "5 号楼前", note: "井盖破损 "), "巡查发现【窨井盖】（5 号楼前）：井盖破损")
        XCTAssertEqual(PatrolChecklist.caseDescription(item: "窨井盖", place: " ", note: "缺失"), "巡查发现【窨井盖】：缺失")
    }

    func testTheWeekRunsMondayToSunday() {
        let thursday = LocalDate(year: 2026, month: 12, day: 31)
        let week = VisitWeek(containing: thursday)
        XCTAssertEqual(week.monday, LocalDate(year: 2026, month: 12, day: 28))
        XCTAssertEqual(week.sunday, LocalDate(year: 2027, month: 1, day: 3), "a week across the new year")
        XCTAssertEqual(VisitWeek(containing: LocalDate(year: 2026, month: 11, day: 30)).monday, LocalDate(year: 2026, month: 11, day: 30), "Monday is its own week")
        XCTAssertEqual(VisitWeek(containing: LocalDate(year: 2026, month: 11, day: 29)).monday, LocalDate(year: 2026, month: 11, day: 23), "Sunday ends the week")
        XCTAssertEqual(week.slot(of: LocalDate(year: 2026, month: 12, day: 30)), .overdue, "yesterday, not visited: missed")
        XCTAssertEqual(week.slot(of: thursday), .day(3))
        XCTAssertEqual(week.slot(of: LocalDate(year: 2027, month: 1, day: 3)), .day(6))
        XCTAssertEqual(week.slot(of: LocalDate(year: 2027, month: 1, day: 4)), .later)
    }

    func testVisitDueDatesAcrossMonthsAndYears() {
        // 独居老人 weekly, 重点优抚 monthly-ish (30 days), 社区矫正 every 15 days.
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2026, month: 1, day: 29), filedOn: LocalDate(year: 2025, month: 6, day: 1), everyDays: 7),
                       LocalDate(year: 2026, month: 2, day: 5))
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2026, month: 1, day: 31), filedOn: LocalDate(year: 2025, month: 6, day: 1), everyDays: 30),
                       LocalDate(year: 2026, month: 3, day: 2), "February has 28 days in 2026")
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2028, month: 2, day: 20), filedOn: LocalDate(year: 2025, month: 6, day: 1), everyDays: 15),
                       LocalDate(year: 2028, month: 3, day: 6), "2028 is a leap year")
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2026, month: 12, day: 20), filedOn: LocalDate(year: 2025, month: 6, day: 1), everyDays: 15),
                       LocalDate(year: 2027, month: 1, day: 4))
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: nil, filedOn: LocalDate(year: 2026, month: 11, day: 20), everyDays: 7), LocalDate(year: 2026, month: 11, day: 27),
                       "never visited: counted from filing")
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2026, month: 1, day: 1), filedOn: LocalDate(year: 2026, month: 3, day: 1), everyDays: 7),
                       LocalDate(year: 2026, month: 3, day: 8), "a visit before filing does not count")
    }
}
