import Foundation

enum Formatting {
    /// Made once: a DateFormatter is costly to create, and formatting with one is thread-safe.
    nonisolated(unsafe) private static let beijing: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter
    }()

    /// "2026-12-02 14:05", Beijing time.
    static func dateTime(_ date: Date) -> String { beijing.string(from: date) }

    /// A working-day deadline falls at midnight: shown as the end of its last day ("2026-12-02 24:00").
    static func deadline(_ date: Date) -> String {
        let text = dateTime(date)
        guard text.hasSuffix(" 00:00") else { return text }
        return dateTime(date.addingTimeInterval(-60)).prefix(10) + " 24:00"
    }

    /// "14:05", Beijing time.
    static func time(_ date: Date) -> String { String(dateTime(date).suffix(5)) }

    static func points(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// "剩余 2天3小时" / "超时 5小时".
    static func remaining(until due: Date, now: Date) -> String {
        let seconds = Int(due.timeIntervalSince(now))
        let abs = Swift.abs(seconds)
        let days = abs / 86_400, hours = (abs % 86_400) / 3600, minutes = (abs % 3600) / 60
        let span = days > 0 ? "\(days)天\(hours)小时" : hours > 0 ? "\(hours)小时\(minutes)分" : "\(minutes)分钟"
        return seconds >= 0 ? "剩余 \(span)" : "超时 \(span)"
    }
}
