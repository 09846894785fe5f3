import Foundation

/// A calendar day in China Standard Time (UTC+8, no daylight saving), e.g. 2026-10-01.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    /// Parses `yyyy-MM-dd`; nil for anything that is not a real date.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        let candidate = LocalDate(year: y, month: m, day: d)
        guard LocalDate(days: candidate.daysSinceEpoch) == candidate else { return nil }
        self = candidate
    }

    /// Days in a month of the proleptic Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The date of an instant in Beijing time.
    public init(_ instant: Date) {
        self.init(days: Int(((instant.timeIntervalSince1970 + LocalDate.offset) / 86_400).rounded(.down)))
    }

    /// Days since 1970-01-01 (civil-from-days, proleptic Gregorian).
    init(days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 1 = Monday … 7 = Sunday.
    public var weekday: Int { ((daysSinceEpoch % 7 + 7 + 3) % 7) + 1 }
    public var isWeekend: Bool { weekday >= 6 }

    public func adding(days: Int) -> LocalDate { LocalDate(days: daysSinceEpoch + days) }

    /// 00:00 of this day in Beijing time.
    public var startInstant: Date { Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400 - LocalDate.offset) }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    /// China Standard Time is UTC+8 all year.
    static let offset: TimeInterval = 8 * 3600
}

/// The official working-day calendar: weekends are off, public holidays are off, and adjusted
/// working days (调休) — a Saturday or Sunday that is worked — count as working days.
public struct WorkCalendar: Sendable, Equatable {
    public private(set) var daysOff: Set<LocalDate>
    public private(set) var extraWorkdays: Set<LocalDate>
    /// Years whose official arrangement is loaded; outside them only weekends are known.
    public private(set) var knownYears: Set<Int>

    public init(daysOff: Set<LocalDate> = [], extraWorkdays: Set<LocalDate> = [], knownYears: Set<Int> = []) {
        self.daysOff = daysOff
        self.extraWorkdays = extraWorkdays
        self.knownYears = knownYears.union(daysOff.map(\.year)).union(extraWorkdays.map(\.year))
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        if extraWorkdays.contains(date) { return true }
        if daysOff.contains(date) { return false }
        return !date.isWeekend
    }

    /// The deadline `n` working days after `start`: the end (24:00 Beijing time) of the n-th working
    /// day after the day `start` falls on. The day of reporting does not count, as in "7 个工作日内办结".
    public func deadline(workingDays n: Int, after start: Date) -> Date {
        precondition(n >= 0)
        var date = LocalDate(start)
        var remaining = n
        while remaining > 0 {
            date = date.adding(days: 1)
            if isWorkingDay(date) { remaining -= 1 }
        }
        return n == 0 ? start : date.adding(days: 1).startInstant
    }

    /// Working days from `start` to `end` counted the same way: whole working days after the start day
    /// that have fully passed by `end`.
    public func workingDaysElapsed(from start: Date, to end: Date) -> Int {
        guard end > start else { return 0 }
        var count = 0
        var date = LocalDate(start).adding(days: 1)
        while date.adding(days: 1).startInstant <= end {
            if isWorkingDay(date) { count += 1 }
            date = date.adding(days: 1)
        }
        return count
    }

    /// A deadline in calendar hours (e.g. acceptance within 24 hours), holidays or not.
    public func deadline(hours: Int, after start: Date) -> Date { start.addingTimeInterval(Double(hours) * 3600) }

    /// The first year a working-day count from `start` to `due` ran through without its official
    /// arrangement (so only weekends were skipped there), or nil when every year was known.
    public func unknownYear(from start: Date, to due: Date) -> Int? {
        let first = LocalDate(start).year, last = LocalDate(due.addingTimeInterval(-1)).year
        guard first <= last else { return nil }
        return (first...last).first { !knownYears.contains($0) }
    }

    /// The year whose arrangement should be entered now: this year's if it is missing, or next year's
    /// from 1 November (the State Council publishes it in the autumn); nil when nothing is due.
    public func yearToEnter(today: LocalDate) -> Int? {
        if !knownYears.contains(today.year) { return today.year }
        if today.month >= 11, !knownYears.contains(today.year + 1) { return today.year + 1 }
        return nil
    }

    public mutating func setDay(_ date: LocalDate, kind: DayKind?) {
        daysOff.remove(date)
        extraWorkdays.remove(date)
        switch kind {
        case .off: daysOff.insert(date)
        case .work: extraWorkdays.insert(date)
        case nil: break
        }
        knownYears.insert(date.year)
    }

    public enum DayKind: String, Codable, Sendable, CaseIterable {
        case off, work
        public var displayName: String { self == .off ? "放假" : "调休上班" }
    }

    public enum CalendarError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case workdayNotOnWeekend(LocalDate)
        public var description: String {
            switch self {
            case .malformed(let why): "节假日数据格式不正确：\(why)"
            case .workdayNotOnWeekend(let d): "\(d) 不是周末，不需要设为调休上班日"
            }
        }
    }

    /// Holiday runs as published by the State Council: name, days off, adjusted working days.
    public struct Holiday: Sendable, Equatable, Codable {
        public var name: String
        public var off: [LocalDate]
        public var work: [LocalDate]
        public init(name: String, off: [LocalDate], work: [LocalDate]) { self.name = name; self.off = off; self.work = work }
    }

    /// Reads the `cn-holidays.json` format: `{"years":{"2026":{"holidays":[{"name","off":[…],"work":[…]}]}}}`.
    public static func parseOfficialArrangements(_ data: Data) throws -> [Int: [Holiday]] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let years = root["years"] as? [String: Any] else { throw CalendarError.malformed("缺少 years") }
        var result: [Int: [Holiday]] = [:]
        for (yearText, value) in years {
            guard let year = Int(yearText), let entry = value as? [String: Any], let list = entry["holidays"] as? [[String: Any]] else {
                throw CalendarError.malformed("年份 \(yearText)")
            }
            result[year] = try list.map { item in
                guard let name = item["name"] as? String else { throw CalendarError.malformed("节日缺少名称") }
                func dates(_ key: String) throws -> [LocalDate] {
                    try (item[key] as? [String] ?? []).map { text in
                        guard let d = LocalDate(text) else { throw CalendarError.malformed("日期 \(text)") }
                        return d
                    }
                }
                let holiday = Holiday(name: name, off: try dates("off"), work: try dates("work"))
                if let weekday = holiday.work.first(where: { !$0.isWeekend }) { throw CalendarError.workdayNotOnWeekend(weekday) }
                return holiday
            }
        }
        return result
    }
}
