import Foundation

/// 改分类: an operator moves a case to another 小类 (a hotline order that arrived as 待分类, a report
/// filed under the wrong heading). The new category's time limits apply from then on, counted from
/// when each running clock started: the time already used stays counted.
public struct Recategorization: Sendable, Equatable {
    /// The new 小类's id, and its name and policy as the classification list has them now.
    public var category: String
    public var name: String
    public var previousName: String
    public var policy: SLAPolicy
    public var reason: String

    public init(category: String, name: String = "", previousName: String = "", policy: SLAPolicy = .general, reason: String) {
        self.category = category; self.name = name; self.previousName = previousName; self.policy = policy; self.reason = reason
    }

    /// The trail's words: from what to what, and why.
    public var summary: String {
        let change = previousName.isEmpty || name.isEmpty ? "" : "类别由“\(previousName)”改为“\(name)”"
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        return change.isEmpty ? why : why.isEmpty ? change : "\(change)：\(why)"
    }
}

/// The running clocks under a new policy.
public enum RecategorizedClocks {
    /// A recomputed deadline never falls due sooner than this after the change, so nobody is counted
    /// late for a limit that did not apply to them until now.
    public static let minimumHoursLeft = 1
    public static let minimumWorkingDaysLeft = 1

    public struct Clock: Sendable, Equatable {
        public let kind: DeadlineKind
        public let startedAt: Date
        public init(kind: DeadlineKind, startedAt: Date) { self.kind = kind; self.startedAt = startedAt }
    }

    public struct Plan: Sendable, Equatable {
        /// Deadlines that end (as 改分类) and those that start in their place.
        public var ends: Set<DeadlineKind> = []
        public var starts: [PlannedDeadline] = []
    }

    /// - Parameters:
    ///   - running: the open clocks (受理, 到场, 办结) and when each began counting.
    ///   - extended: an approved extension keeps its date (the resolution clock is left alone).
    ///   - onSiteOwed: no one has been on site yet, so a policy that asks for it starts the clock from the report.
    public static func plan(running: [Clock], policy: SLAPolicy, extended: Bool, onSiteOwed: Bool, reportedAt: Date?,
                            now: Date, calendar: WorkCalendar) -> Plan {
        var plan = Plan()
        func hours(_ h: Int, from start: Date) -> Date {
            max(calendar.deadline(hours: h, after: start), calendar.deadline(hours: minimumHoursLeft, after: now))
        }
        for clock in running {
            let due: Date
            switch clock.kind {
            case .accept:
                due = hours(policy.acceptHours, from: clock.startedAt)
            case .onSite:
                plan.ends.insert(.onSite)
                guard let h = policy.onSiteHours else { continue }  // the new category asks for no on-site visit
                due = hours(h, from: clock.startedAt)
            case .resolve:
                if extended { continue }
                due = max(calendar.deadline(workingDays: policy.resolveWorkingDays, after: clock.startedAt),
                          calendar.deadline(workingDays: minimumWorkingDaysLeft, after: now))
            case .inquiryAnswer, .callback:
                continue
            }
            plan.ends.insert(clock.kind)
            plan.starts.append(PlannedDeadline(kind: clock.kind, due: due, countedFrom: clock.startedAt))
        }
        if onSiteOwed, !running.contains(where: { $0.kind == .onSite }), let h = policy.onSiteHours, let reportedAt {
            plan.starts.append(PlannedDeadline(kind: .onSite, due: hours(h, from: reportedAt), countedFrom: reportedAt))
        }
        return plan
    }
}
