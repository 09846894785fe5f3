import Foundation

/// Time limits for one category (事件分类清单 carries one per category).
/// Field numbers: accept within 24 hours; general cases resolved within 7 working days or a
/// reasoned reply; water/electricity/gas on site within 24 hours and resolved within 3 working days.
public struct SLAPolicy: Codable, Sendable, Equatable {
    public var acceptHours: Int
    public var onSiteHours: Int?
    public var resolveWorkingDays: Int
    /// An upper level that has held a case from below this long unresolved may be queried (问题质询制).
    public var inquiryAfterWorkingDays: Int
    public var inquiryAnswerWorkingDays: Int

    public init(acceptHours: Int = 24, onSiteHours: Int? = nil, resolveWorkingDays: Int = 7,
                inquiryAfterWorkingDays: Int = 7, inquiryAnswerWorkingDays: Int = 3) {
        self.acceptHours = acceptHours
        self.onSiteHours = onSiteHours
        self.resolveWorkingDays = resolveWorkingDays
        self.inquiryAfterWorkingDays = inquiryAfterWorkingDays
        self.inquiryAnswerWorkingDays = inquiryAnswerWorkingDays
    }

    public static let general = SLAPolicy()
    public static let utilities = SLAPolicy(onSiteHours: 24, resolveWorkingDays: 3)

    public enum PolicyError: Error, Equatable, CustomStringConvertible {
        case outOfRange(String)
        public var description: String { switch self { case .outOfRange(let what): "\(what)超出合理范围" } }
    }

    public func validated() throws -> SLAPolicy {
        guard (1...240).contains(acceptHours) else { throw PolicyError.outOfRange("受理时限") }
        if let onSiteHours { guard (1...240).contains(onSiteHours) else { throw PolicyError.outOfRange("到场时限") } }
        guard (1...90).contains(resolveWorkingDays) else { throw PolicyError.outOfRange("办结时限") }
        guard (1...90).contains(inquiryAfterWorkingDays), (1...30).contains(inquiryAnswerWorkingDays) else { throw PolicyError.outOfRange("质询时限") }
        return self
    }
}

/// A deadline computed for a case: kind, due instant, and who answers for it.
public struct PlannedDeadline: Equatable, Sendable {
    public let kind: DeadlineKind
    public let due: Date
    /// When the time counted against it began, if before the deadline is written (a recomputed clock keeps the time used).
    public let countedFrom: Date?
    public init(kind: DeadlineKind, due: Date, countedFrom: Date? = nil) { self.kind = kind; self.due = due; self.countedFrom = countedFrom }
}

public enum SLAClock {
    /// Deadlines that start when a case is reported: acceptance, and for utilities being on site.
    public static func atReport(_ reportedAt: Date, policy: SLAPolicy, calendar: WorkCalendar) -> [PlannedDeadline] {
        var result = [PlannedDeadline(kind: .accept, due: calendar.deadline(hours: policy.acceptHours, after: reportedAt))]
        if let hours = policy.onSiteHours {
            result.append(PlannedDeadline(kind: .onSite, due: calendar.deadline(hours: hours, after: reportedAt)))
        }
        return result
    }

    /// The resolution deadline starts at acceptance.
    public static func atAcceptance(_ acceptedAt: Date, policy: SLAPolicy, calendar: WorkCalendar) -> PlannedDeadline {
        PlannedDeadline(kind: .resolve, due: calendar.deadline(workingDays: policy.resolveWorkingDays, after: acceptedAt))
    }
}
