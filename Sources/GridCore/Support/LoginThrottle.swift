import Foundation

/// Failed-login throttling: after `maxFailures` failures within `window`, further attempts for
/// that account (or from that address) are refused until `lockout` has passed since the last failure.
public struct LoginThrottle: Sendable, Equatable {
    public var maxFailures: Int
    public var window: TimeInterval
    public var lockout: TimeInterval

    public init(maxFailures: Int = 5, window: TimeInterval = 15 * 60, lockout: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.window = window
        self.lockout = lockout
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case locked(until: Date)

        /// The message shown at the login form; it does not say whether the account exists.
        public func message(now: Date) -> String? {
            guard case .locked(let until) = self else { return nil }
            let minutes = max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
            return "登录失败次数过多，已暂时锁定，请 \(minutes) 分钟后再试"
        }
    }

    /// Decides from the times of recent failures (any order).
    public func decide(failures: [Date], now: Date) -> Decision {
        let recent = failures.filter { now.timeIntervalSince($0) < window && $0 <= now }.sorted()
        guard recent.count >= maxFailures, let last = recent.last else { return .allowed }
        let until = last.addingTimeInterval(lockout)
        return until > now ? .locked(until: until) : .allowed
    }
}
