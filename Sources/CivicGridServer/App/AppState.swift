import Foundation
import GridCore
import Vapor

/// What the composition root sets up once and every handler reads.
struct AppState: Sendable {
    let config: AppConfig
    let cipher: PersonalDataCipher
    var clock: any GridClock { config.clock }
    var levels: LevelScheme { config.levelScheme }
    /// Where case photos are stored (absolute, ends with "/").
    let uploadDirectory: String
    /// Point → grid, shared by every request; rebuilt when grid boundaries change.
    let gridLocator = GridLocator()
    /// Areas, classification list and calendar in memory, current as of the reference generation.
    let reference = ReferenceCache()
    /// Signed-in users' role assignments, current as of the reference generation.
    let assignments = AssignmentCache()
    /// New cases waiting to be written together (group commit).
    let intakeQueue = IntakeQueue()
    /// New, changed and overdue cases, to every connected browser (`GET /events`).
    let caseEvents = CaseEventHub()
    /// Per-address limits on the public pages (resident reports, tracking, QR pages, Open311 POST).
    let rateLimiter = PublicRateLimiter()
    /// The sum on the anonymous report form and on the login form under attack, keyed by the server secret.
    var challenge: HumanChallenge { HumanChallenge(secret: Data(config.secret.utf8)) }
    /// A bcrypt hash at the configured cost, checked when the account does not exist, so that a
    /// wrong password costs the same time for a real and an unknown account.
    let dummyPasswordHash: String
}

/// The recent accepted requests per (limit, key) of this instance, decided by GridCore's `RateLimit`.
actor PublicRateLimiter {
    private var recent: [String: [Date]] = [:]
    private var checks = 0

    func check(_ bucket: String, key: String, limit: RateLimit, now: Date) -> RateLimit.Decision {
        let id = bucket + "|" + key
        let (decision, keep) = limit.decide(recent: recent[id] ?? [], now: now)
        recent[id] = keep
        checks += 1
        if checks % 1_000 == 0 { recent = recent.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < 86_400 } }
        return decision
    }
}

/// The public endpoints' limits.
enum PublicLimit: String {
    case report, lookup, open311, registration, registrationPhone, registrationCode

    func limit(_ config: AppConfig) -> RateLimit {
        switch self {
        case .report: config.publicReportLimit
        case .lookup: config.publicLookupLimit
        case .open311: config.publicReportLimit
        case .registration: config.registrationLimit
        case .registrationPhone: config.registrationPerPhoneLimit
        case .registrationCode: RateLimit(limit: 5, window: 1_800)  // tries at one code
        }
    }
}

extension Request {
    /// The caller's address (a reverse proxy's first X-Forwarded-For hop only when TRUST_PROXY is set).
    var clientAddress: String {
        if application.state.config.trustProxy, let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    /// A partner app's Open311 submissions, counted per key once the key is known to be valid.
    func enforce(apiKey: ApiKey) async throws {
        let limit = RateLimit(limit: apiKey.hourlyPosts, window: 3_600)
        let decision = await state.rateLimiter.check("open311Key", key: try apiKey.requireID().uuidString, limit: limit, now: now)
        if case .refused(let seconds) = decision {
            throw Abort(.tooManyRequests, headers: ["Retry-After": "\(seconds)"], reason: decision.message ?? "操作太频繁")
        }
    }

    /// 429 with a clear message and Retry-After when this address is over the limit.
    func enforce(_ limit: PublicLimit, key: String? = nil) async throws {
        let decision = await state.rateLimiter.check(limit.rawValue, key: key ?? clientAddress, limit: limit.limit(state.config), now: now)
        if case .refused(let seconds) = decision {
            throw Abort(.tooManyRequests, headers: ["Retry-After": "\(seconds)"], reason: decision.message ?? "操作太频繁")
        }
    }
}

extension Application {
    private struct AppStateKey: StorageKey { typealias Value = AppState }

    var state: AppState {
        get {
            guard let state = storage[AppStateKey.self] else { fatalError("configure(_:) has not run") }
            return state
        }
        set { storage[AppStateKey.self] = newValue }
    }
}

extension Request {
    var state: AppState { application.state }
    var now: Date { application.state.clock.now() }
}
