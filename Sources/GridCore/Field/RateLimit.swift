import Foundation

/// A sliding-window limit on public endpoints (resident reports, QR pages, tracking lookups):
/// at most `limit` requests per `window` for one key (an address, a phone). Pure: the caller
/// keeps the recent times per key and passes the clock.
public struct RateLimit: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval

    public init(limit: Int, window: TimeInterval) {
        precondition(limit > 0 && window > 0)
        self.limit = limit
        self.window = window
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; a new request is accepted after this many seconds.
        case refused(retryAfter: Int)

        public var message: String? {
            guard case .refused(let seconds) = self else { return nil }
            let minutes = (seconds + 59) / 60
            return seconds < 60 ? "操作太频繁，请 \(seconds) 秒后再试" : "操作太频繁，请 \(minutes) 分钟后再试"
        }
    }

    /// Decides for a request at `now` given the times of the key's earlier accepted requests, and
    /// returns the times to keep (those still inside the window, plus `now` when allowed).
    public func decide(recent: [Date], now: Date) -> (Decision, keep: [Date]) {
        let inside = recent.filter { now.timeIntervalSince($0) < window && $0 <= now }.sorted()
        guard inside.count >= limit else { return (.allowed, inside + [now]) }
        let oldest = inside[inside.count - limit]
        let wait = max(1, Int(oldest.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
        return (.refused(retryAfter: wait), inside)
    }
}
