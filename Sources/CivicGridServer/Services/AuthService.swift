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
    /// Per account; a shared office network gets a looser limit per address.
    static let addressThrottleFactor = 4

    enum Outcome {
        case signedIn(User, token: String)
        case refused(String)
    }

    func signIn(username rawUsername: String, password: String, clientAddress: String, purpose: UserToken.Purpose) async throws -> Outcome {
        let username = rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let now = app.state.clock.now()
        let throttle = app.state.config.loginThrottle
        let addressThrottle = LoginThrottle(maxFailures: throttle.maxFailures * Self.addressThrottleFactor, window: throttle.window, lockout: throttle.lockout)
        let accountKey = "u:" + username, addressKey = "ip:" + clientAddress
        for (key, rule) in [(accountKey, throttle), (addressKey, addressThrottle)] {
            let failures = try await LoginFailure.query(on: db)
                .filter(\.$key == key).filter(\.$at > now.addingTimeInterval(-rule.window)).all().map(\.at)
            if let message = rule.decide(failures: failures, now: now).message(now: now) { return .refused(message) }
        }

        let user = try await User.query(on: db).filter(\.$username == username).first()
        // Verify against a fixed hash when the account does not exist, so timing does not tell either.
        let hash = user?.passwordHash ?? Self.dummyHash
        let matches = try await app.threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }
        guard let user, matches, user.active else {
            try await db.transaction { tx in
                try await LoginFailure(key: accountKey, at: now).create(on: tx)
                try await LoginFailure(key: addressKey, at: now).create(on: tx)
            }
            return .refused(matches && user?.active == false ? "该账号已停用，请联系管理员" : Self.badCredentials)
        }
        let token = try await issueToken(for: user, purpose: purpose)
        try await LoginFailure.query(on: db).filter(\.$key == accountKey).delete()
        user.lastLoginAt = now
        try await user.save(on: db)
        return .signedIn(user, token: token)
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

    func session(forToken token: String) async throws -> Session? {
        if let postgres = db as? any PostgresDatabase { return try await session(forToken: token, on: postgres) }
        guard let sql = db as? any SQLDatabase else { return nil }  // both drivers (SQLite, PostgreSQL) are SQL
        struct Row: Decodable {
            let user_id: UUID; let purpose: String; let username: String; let display_name: String; let kind: String; let generation: Int64
        }
        let row = try await sql.raw("""
            SELECT t.user_id, t.purpose, u.username, u.display_name, u.kind,
                   (SELECT n FROM reference_generation WHERE id = 1) AS generation
            FROM user_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(bind: TokenMaker.hash(token)) AND t.expires_at > \(bind: app.state.clock.now()) AND u.active = \(bind: true)
            LIMIT 1
            """).first(decoding: Row.self)
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

    /// At least 8 characters with both letters and digits.
    static func checkPasswordStrength(_ password: String) throws {
        guard password.count >= 8, password.count <= 72,
              password.contains(where: \.isLetter), password.contains(where: \.isNumber) else {
            throw Abort(.unprocessableEntity, reason: "密码需 8–72 位，且同时包含字母和数字")
        }
    }

    private static let dummyHash = (try? Bcrypt.hash("civicgrid-no-such-user", cost: 4)) ?? ""
}
