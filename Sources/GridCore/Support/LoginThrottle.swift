import Foundation

/// Failed-login throttling that an attacker cannot turn into a weapon.
///
/// - Per (account, address) — or (account, device) for a device that signed in before — failures
///   beyond `freeFailures` make the next attempt wait, doubling from `firstDelay` up to `maxDelay`.
/// - Per account across addresses: after `challengeAfter` failures a sign-in from an unknown device
///   must answer a challenge; after `slowAfter` it waits too (doubling, capped).
/// - Per address across accounts (password spraying, or one office behind NAT): after
///   `addressChallengeAfter` failures every sign-in from it needs the challenge — nobody is locked out.
/// - A known device (a signed cookie from an earlier sign-in to this account) skips the account
///   and address rules: the right password from the owner's phone still works while someone
///   elsewhere is guessing.
/// Messages never say whether the account exists.
public struct LoginThrottle: Sendable, Equatable {
    public var window: TimeInterval
    public var freeFailures: Int
    public var firstDelay: TimeInterval
    public var maxDelay: TimeInterval
    public var challengeAfter: Int
    public var slowAfter: Int
    public var addressChallengeAfter: Int

    public init(window: TimeInterval = 3600, freeFailures: Int = 3, firstDelay: TimeInterval = 5, maxDelay: TimeInterval = 15 * 60,
                challengeAfter: Int = 3, slowAfter: Int = 10, addressChallengeAfter: Int = 20) {
        self.window = window
        self.freeFailures = freeFailures
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.challengeAfter = challengeAfter
        self.slowAfter = slowAfter
        self.addressChallengeAfter = addressChallengeAfter
    }

    public struct Failures: Sendable {
        /// This account from this address (or this known device).
        public var pair: [Date]
        /// This account from anywhere.
        public var account: [Date]
        /// This address, any account.
        public var address: [Date]
        public init(pair: [Date] = [], account: [Date] = [], address: [Date] = []) {
            self.pair = pair; self.account = account; self.address = address
        }

        /// With one more failure at `at` on all three keys (what the next attempt will face).
        public func adding(_ at: Date) -> Failures { Failures(pair: pair + [at], account: account + [at], address: address + [at]) }
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Allowed once the challenge is answered.
        case challenge
        /// Refused until then (the attempt is not counted).
        case wait(until: Date)

        public func message(now: Date) -> String? {
            switch self {
            case .allowed: return nil
            case .challenge: return "为保护账号安全，请先回答验证问题"
            case .wait(let until):
                let seconds = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
                return seconds < 60 ? "登录尝试过于频繁，请 \(seconds) 秒后再试" : "登录尝试过于频繁，请 \((seconds + 59) / 60) 分钟后再试"
            }
        }
    }

    public func decide(_ failures: Failures, knownDevice: Bool, now: Date) -> Decision {
        func recent(_ dates: [Date]) -> [Date] { dates.filter { now.timeIntervalSince($0) < window && $0 <= now }.sorted() }
        let pair = recent(failures.pair)
        if let until = delayEnd(pair, after: freeFailures), until > now { return .wait(until: until) }
        if knownDevice { return .allowed }
        let account = recent(failures.account)
        if let until = delayEnd(account, after: slowAfter), until > now { return .wait(until: until) }
        if account.count >= challengeAfter || recent(failures.address).count >= addressChallengeAfter { return .challenge }
        return .allowed
    }

    /// The end of the wait after the last of `failures`, when there are more than `free` of them.
    func delayEnd(_ failures: [Date], after free: Int) -> Date? {
        guard failures.count >= free, let last = failures.last else { return nil }
        let doublings = min(30, failures.count - free)
        return last.addingTimeInterval(min(maxDelay, firstDelay * pow(2, Double(doublings))))
    }
}
