import Fluent
import FluentPostgresDriver
import SQLKit
import Foundation
import GridCore
import Vapor

/// Sign-in, sessions, API tokens and failed-login throttling. One message for every failure, so
/// nobody can learn from the login form which accounts exist.
struct AuthService {
    let db: any Database
    let app: Application

    static let badCredentials = "用户名或密码错误"

    enum Outcome {
        case signedIn(User, token: String)
        /// Wrong password, unknown or deactivated account, or too many attempts: one kind of answer.
        case refused(String, challenge: Bool, tooMany: Bool)
    }

    /// What a sign-in attempt brings besides the name and password.
    struct Attempt {
        var clientAddress: String
        /// The `cg_device` cookie from an earlier sign-in on this device, if any.
        var device: String?
        var challengeToken: String?
        var challengeAnswer: String?
    }

    /// Every refusal takes a bcrypt verification at the configured cost and answers in the same
    /// words, so neither time nor text tells whether the account exists, is deactivated, or is
    /// being throttled. Throttling grows delays instead of locking (`LoginThrottle`).
    func signIn(username rawUsername: String, password: String, attempt: Attempt, purpose: UserToken.Purpose) async throws -> Outcome {
        let username = rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let now = app.state.clock.now()
        let throttle = app.state.config.loginThrottle
        let knownDevice = attempt.device.map { DeviceCookie.isValid($0, username: username, secret: app.state.config.secret) } ?? false
        let accountKey = "u:" + username, addressKey = "ip:" + attempt.clientAddress
        let pairKey = "p:" + username + "|" + (knownDevice ? "d:" + (attempt.device ?? "") : attempt.clientAddress)
        var failures = LoginThrottle.Failures()
        for f in try await LoginFailure.query(on: db).filter(\.$key ~~ [accountKey, addressKey, pairKey])
            .filter(\.$at > now.addingTimeInterval(-throttle.window)).all() {
            if f.key == pairKey { failures.pair.append(f.at) }
            if f.key == accountKey { failures.account.append(f.at) }
            if f.key == addressKey { failures.address.append(f.at) }
        }
        let decision = throttle.decide(failures, knownDevice: knownDevice, now: now)

        let user = try await User.query(on: db).filter(\.$username == username).first()
        let hash = user?.passwordHash ?? app.state.dummyPasswordHash
        let matches = try await app.threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }

        switch decision {
        case .wait:
            return .refused(decision.message(now: now) ?? Self.badCredentials, challenge: false, tooMany: true)
        case .challenge:
            if let failure = app.state.challenge.verify(token: attempt.challengeToken, answer: attempt.challengeAnswer, now: now) {
                if failure != .missing { try await recordFailure([accountKey, addressKey, pairKey], at: now) }
                return .refused(failure == .missing ? decision.message(now: now)! : failure.description, challenge: true, tooMany: false)
            }
        case .allowed:
            break
        }
        guard let user, matches, user.active else {
            try await recordFailure([accountKey, addressKey, pairKey], at: now)
            let needsChallenge = throttle.decide(failures.adding(now), knownDevice: knownDevice, now: now) == .challenge
            return .refused(Self.badCredentials, challenge: needsChallenge, tooMany: false)
        }
        let token = try await issueToken(for: user, purpose: purpose)
        try await LoginFailure.query(on: db).filter(\.$key ~~ [accountKey, pairKey]).delete()
        user.lastLoginAt = now
        try await user.save(on: db)
        return .signedIn(user, token: token)
    }

    private func recordFailure(_ keys: [String], at now: Date) async throws {
        try await db.transaction { tx in
            for key in keys { try await LoginFailure(key: key, at: now).create(on: tx) }
        }
    }

    func issueToken(for user: User, purpose: UserToken.Purpose) async throws -> String {
        let now = app.state.clock.now()
        let token = TokenMaker.random()
        let lifetime = purpose == .webSession ? app.state.config.sessionLifetime : 30 * 24 * 3600
        try await UserToken(userID: user.requireID(), tokenHash: TokenMaker.hash(token), purpose: purpose,
                            createdAt: now, expiresAt: now.addingTimeInterval(lifetime)).create(on: db)
        return token
    }

    func revoke(token: String) async throws {
        try await UserToken.query(on: db).filter(\.$tokenHash == TokenMaker.hash(token)).delete()
    }

    /// What one request needs from its token that has not expired: one query for the token, its active user and the
    /// reference generation (the role assignments come from `AssignmentCache` at that generation).
    struct Session {
        let userID: UUID
        let username: String
        let displayName: String
        let kind: User.Kind
        let purpose: UserToken.Purpose
        let generation: Int64
    }

    /// The signed-in user of a token, with the reference generation, in one statement (every request runs it).
    static func sessionQuery(tokenHash: String, now: Date) -> SQLQueryString {
        """
        SELECT t.user_id, t.purpose, u.username, u.display_name, u.kind,
               (SELECT n FROM reference_generation WHERE id = 1) AS generation
        FROM user_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = \(bind: tokenHash) AND t.expires_at > \(bind: now) AND u.active = \(bind: true)
        LIMIT 1
        """
    }

    func session(forToken token: String) async throws -> Session? {
        if let postgres = db as? any PostgresDatabase { return try await session(forToken: token, on: postgres) }
        guard let sql = db as? any SQLDatabase else { return nil }  // both drivers (SQLite, PostgreSQL) are SQL
        struct Row: Decodable {
            let user_id: UUID; let purpose: String; let username: String; let display_name: String; let kind: String; let generation: Int64
        }
        let row = try await sql.raw(Self.sessionQuery(tokenHash: TokenMaker.hash(token), now: app.state.clock.now())).first(decoding: Row.self)
        guard let row, let purpose = UserToken.Purpose(rawValue: row.purpose), let kind = User.Kind(rawValue: row.kind) else { return nil }
        return Session(userID: row.user_id, username: row.username, displayName: row.display_name, kind: kind, purpose: purpose,
                       generation: row.generation)
    }

    /// The same query on PostgreSQL as a named prepared statement: parsed and planned once per
    /// connection instead of on every request (the planning was PostgreSQL's largest share of intake).
    private func session(forToken token: String, on postgres: any PostgresDatabase) async throws -> Session? {
        let statement = SessionStatement(tokenHash: TokenMaker.hash(token), now: app.state.clock.now())
        let logger = app.logger
        let row = try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                for try await row in try await connection.execute(statement, logger: logger) { return Optional(row) }
                return nil
            }
        }.get()
        guard let row, let purpose = UserToken.Purpose(rawValue: row.purpose), let kind = User.Kind(rawValue: row.kind) else { return nil }
        return Session(userID: row.userID, username: row.username, displayName: row.displayName, kind: kind, purpose: purpose, generation: row.generation)
    }

    struct SessionStatement: PostgresPreparedStatement {
        static let name = "civicgrid_session_for_token"
        static let sql = """
            SELECT t.user_id, t.purpose, u.username, u.display_name, u.kind,
                   (SELECT n FROM reference_generation WHERE id = 1) AS generation
            FROM user_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.active = TRUE
            LIMIT 1
            """
        struct Row: Sendable { let userID: UUID; let purpose: String; let username: String; let displayName: String; let kind: String; let generation: Int64 }

        let tokenHash: String
        let now: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(tokenHash)
            bindings.append(now)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (userID, purpose, username, displayName, kind, generation) = try row.decode((UUID, String, String, String, String, Int64).self)
            return Row(userID: userID, purpose: purpose, username: username, displayName: displayName, kind: kind, generation: generation)
        }
    }

    func hashPassword(_ password: String) async throws -> String {
        let cost = app.state.config.bcryptCost
        return try await app.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    /// `PasswordPolicy`: at least 10 characters, not a common or personal one.
    static func checkPasswordStrength(_ password: String, identities: [String] = []) throws {
        if let problem = PasswordPolicy.problem(with: password, identities: identities) {
            throw Abort(.unprocessableEntity, reason: problem.description)
        }
    }
}
