import Foundation
import XCTest
@testable import GridCore

/// Beijing time instant from "yyyy-MM-dd HH:mm".
func bj(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let day = LocalDate(String(parts[0]))!
    let hm = parts.count > 1 ? parts[1].split(separator: ":").map { Double($0)! } : [0, 0]
    return day.startInstant.addingTimeInterval(hm[0] * 3600 + hm[1] * 60)
}

/// The official 2025–2026 arrangements shipped with the app.
let officialCalendar: WorkCalendar = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources/Data/cn-holidays.json")
    let years = try! WorkCalendar.parseOfficialArrangements(try! Data(contentsOf: url))
    var calendar = WorkCalendar()
    for (_, holidays) in years {
        for holiday in holidays {
            holiday.off.forEach { calendar.setDay($0, kind: .off) }
            holiday.work.forEach { calendar.setDay($0, kind: .work) }
        }
    }
    return calendar
}()

final class LocalDateTests: XCTestCase {
    func testParsesOnlyRealDates() {
        XCTAssertEqual(LocalDate("2026-02-28")?.description, "2026-02-28")
        XCTAssertNil(LocalDate("2026-02-29"))
        XCTAssertEqual(LocalDate("2028-02-29")?.description, "2028-02-29")
        XCTAssertNil(LocalDate("2026-13-01"))
        XCTAssertNil(LocalDate("26-01-01"))
        XCTAssertNil(LocalDate("2026/01/01"))
    }

    func testWeekdaysAndBeijingDayBoundaries() {
        XCTAssertEqual(LocalDate("2026-11-22")!.weekday, 7)  // a Sunday
        XCTAssertEqual(LocalDate("2026-11-23")!.weekday, 1)
        XCTAssertEqual(LocalDate("1970-01-01")!.weekday, 4)
        // 00:30 in Beijing is still the previous day in UTC; the case belongs to Beijing's day.
        XCTAssertEqual(LocalDate(bj("2026-11-22 00:30")).description, "2026-11-22")
        XCTAssertEqual(LocalDate(Date(timeIntervalSince1970: 0)).description, "1970-01-01")
        XCTAssertEqual(LocalDate(bj("2026-11-22 00:00")).description, "2026-11-22")
        XCTAssertEqual(LocalDate(bj("2026-11-21 23:59")).description, "2026-11-21")
        XCTAssertEqual(LocalDate("2026-12-31")!.adding(days: 1).description, "2027-01-01")
    }
}

final class WorkCalendarTests: XCTestCase {
    let calendar = officialCalendar

    func testShippedArrangementsLoadBothYears() {
        XCTAssertEqual(calendar.knownYears, [2025, 2026])
        XCTAssertTrue(calendar.extraWorkdays.allSatisfy(\.isWeekend), "adjusted working days are weekend days")
    }

    func testWeekendsHolidaysAndAdjustedWorkdays() {
        XCTAssertTrue(calendar.isWorkingDay(LocalDate("2026-11-20")!))   // Friday
        XCTAssertFalse(calendar.isWorkingDay(LocalDate("2026-11-21")!))  // Saturday
        XCTAssertFalse(calendar.isWorkingDay(LocalDate("2026-10-05")!))  // Monday in the National Day week
        XCTAssertTrue(calendar.isWorkingDay(LocalDate("2026-10-10")!))   // Saturday worked (调休)
        XCTAssertTrue(calendar.isWorkingDay(LocalDate("2026-02-14")!))   // Saturday before Spring Festival
        XCTAssertFalse(calendar.isWorkingDay(LocalDate("2026-02-16")!))
        XCTAssertTrue(calendar.isWorkingDay(LocalDate("2027-03-01")!), "unknown years: weekdays work")
    }

    func testSevenWorkingDaysInAnOrdinaryWeek() {
        // Wed 18 Nov + 7: Thu 19, Fri 20, Mon 23 … Fri 27 → ends at midnight after Fri 27.
        XCTAssertEqual(calendar.deadline(workingDays: 7, after: bj("2026-11-18 10:15")), bj("2026-11-28 00:00"))
    }

    func testHolidayWeekDoesNotCountButTheAdjustedSaturdayDoes() {
        // Wed 30 Sep + 7: 1–7 Oct off; Thu 8, Fri 9, Sat 10 (调休), Mon 12, 13, 14, 15.
        XCTAssertEqual(calendar.deadline(workingDays: 7, after: bj("2026-09-30 10:00")), bj("2026-10-16 00:00"))
        // Thu 26 Feb + 2: Fri 27, Sat 28 (调休).
        XCTAssertEqual(calendar.deadline(workingDays: 2, after: bj("2026-02-26 09:00")), bj("2026-03-01 00:00"))
        // Fri 13 Feb + 1: Sat 14 is worked.
        XCTAssertEqual(calendar.deadline(workingDays: 1, after: bj("2026-02-13 17:00")), bj("2026-02-15 00:00"))
        // A report on a holiday starts counting after the holiday.
        XCTAssertEqual(calendar.deadline(workingDays: 3, after: bj("2026-10-03 12:00")), bj("2026-10-11 00:00"))
    }

    func testThreeWorkingDaysOverAWeekend() {
        XCTAssertEqual(calendar.deadline(workingDays: 3, after: bj("2026-11-20 16:00")), bj("2026-11-26 00:00"))
        XCTAssertEqual(calendar.deadline(workingDays: 0, after: bj("2026-11-20 16:00")), bj("2026-11-20 16:00"))
    }

    func testHourClocksIgnoreHolidays() {
        XCTAssertEqual(calendar.deadline(hours: 24, after: bj("2026-09-30 18:00")), bj("2026-10-01 18:00"))
    }

    func testWorkingDaysElapsedCountsWholeDaysAfterTheStart() {
        XCTAssertEqual(calendar.workingDaysElapsed(from: bj("2026-11-18 10:00"), to: bj("2026-11-27 23:00")), 6)
        XCTAssertEqual(calendar.workingDaysElapsed(from: bj("2026-11-18 10:00"), to: bj("2026-11-28 00:00")), 7)
        XCTAssertEqual(calendar.workingDaysElapsed(from: bj("2026-09-30 10:00"), to: bj("2026-10-09 08:00")), 1)
        XCTAssertEqual(calendar.workingDaysElapsed(from: bj("2026-11-18 10:00"), to: bj("2026-11-17 10:00")), 0)
    }

    func testEditingADay() {
        var edited = calendar
        edited.setDay(LocalDate("2027-01-01")!, kind: .off)
        edited.setDay(LocalDate("2027-01-03")!, kind: .work)
        XCTAssertFalse(edited.isWorkingDay(LocalDate("2027-01-01")!))
        XCTAssertTrue(edited.isWorkingDay(LocalDate("2027-01-03")!))
        edited.setDay(LocalDate("2027-01-03")!, kind: nil)
        XCTAssertFalse(edited.isWorkingDay(LocalDate("2027-01-03")!))
        XCTAssertTrue(edited.knownYears.contains(2027))
    }

    func testRejectsBadArrangementFiles() {
        XCTAssertThrowsError(try WorkCalendar.parseOfficialArrangements(Data("{}".utf8)))
        let weekdayWork = #"{"years":{"2027":{"holidays":[{"name":"元旦","off":["2027-01-01"],"work":["2027-01-05"]}]}}}"#
        XCTAssertThrowsError(try WorkCalendar.parseOfficialArrangements(Data(weekdayWork.utf8))) {
            XCTAssertEqual($0 as? WorkCalendar.CalendarError, .workdayNotOnWeekend(LocalDate("2027-01-05")!))
        }
        XCTAssertThrowsError(try WorkCalendar.parseOfficialArrangements(Data(#"{"years":{"2027":{"holidays":[{"name":"x","off":["2027-02-30"]}]}}}"#.utf8)))
    }
}

final class SLAClockTests: XCTestCase {
    func testGeneralCasesHaveAcceptanceThenResolutionClocks() {
        let report = SLAClock.atReport(bj("2026-11-20 16:00"), policy: .general, calendar: officialCalendar)
        XCTAssertEqual(report, [PlannedDeadline(kind: .accept, due: bj("2026-11-21 16:00"))])
        let resolve = SLAClock.atAcceptance(bj("2026-11-21 09:00"), policy: .general, calendar: officialCalendar)
        XCTAssertEqual(resolve, PlannedDeadline(kind: .resolve, due: bj("2026-12-02 00:00")))
    }

    func testUtilitiesRunTwoClocksAtOnce() {
        let report = SLAClock.atReport(bj("2026-09-30 20:00"), policy: .utilities, calendar: officialCalendar)
        XCTAssertEqual(report.map(\.kind), [.accept, .onSite])
        XCTAssertEqual(report[1].due, bj("2026-10-01 20:00"), "on site within 24 hours, holiday or not")
        let resolve = SLAClock.atAcceptance(bj("2026-09-30 21:00"), policy: .utilities, calendar: officialCalendar)
        XCTAssertEqual(resolve.due, bj("2026-10-11 00:00"), "3 working days: Oct 8, 9, 10 (调休)")
    }

    func testPolicyValidation() {
        XCTAssertNoThrow(try SLAPolicy.utilities.validated())
        XCTAssertThrowsError(try SLAPolicy(acceptHours: 0).validated())
        XCTAssertThrowsError(try SLAPolicy(resolveWorkingDays: 500).validated())
        XCTAssertThrowsError(try SLAPolicy(onSiteHours: -1).validated())
    }
}

/// A deadline running into a year whose arrangement is not entered is flagged, and the year to enter is asked for in time.
final class MissingCalendarYearTests: XCTestCase {
    func testADeadlineIntoAnUnknownYearNamesThatYear() {
        let calendar = officialCalendar  // 2025 and 2026
        XCTAssertNil(calendar.unknownYear(from: bj("2026-11-18 10:00"), to: calendar.deadline(workingDays: 5, after: bj("2026-11-18 10:00"))))
        let late = bj("2026-12-28 10:00")
        let due = calendar.deadline(workingDays: 5, after: late)
        XCTAssertEqual(LocalDate(due).year, 2027)
        XCTAssertEqual(calendar.unknownYear(from: late, to: due), 2027)
        XCTAssertNil(calendar.unknownYear(from: late, to: bj("2026-12-31 00:00").addingTimeInterval(86_400)),
                     "a deadline at 24:00 on 31 December stays in its year")
        XCTAssertEqual(WorkCalendar().unknownYear(from: late, to: due), 2026, "the first unknown year")
    }

    func testTheNextYearIsAskedForFromNovember() {
        let calendar = officialCalendar
        XCTAssertNil(calendar.yearToEnter(today: LocalDate("2026-10-31")!))
        XCTAssertEqual(calendar.yearToEnter(today: LocalDate("2026-11-01")!), 2027)
        XCTAssertEqual(calendar.yearToEnter(today: LocalDate("2027-01-05")!), 2027, "a year under way without its arrangement")
        var entered = calendar
        entered.setDay(LocalDate("2027-01-01")!, kind: .off)
        XCTAssertNil(entered.yearToEnter(today: LocalDate("2026-12-03")!))
    }
}
