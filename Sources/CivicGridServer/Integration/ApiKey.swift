import Fluent
import Foundation

/// An Open311 client's key. Requests posted with it are reported by its service account.
final class ApiKey: Model, @unchecked Sendable {
    static let schema = "api_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "key_hash") var keyHash: String
    /// The first characters, shown so administrators can tell keys apart.
    @Field(key: "prefix") var prefix: String
    @Parent(key: "user_id") var user: User
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    /// Comma-separated `Scope`s (migration 019).
    @Field(key: "scopes") var scopes: String
    /// Open311 submissions an hour this key may make (migration 024); nil: `defaultPostsPerHour`.
    @OptionalField(key: "posts_per_hour") var postsPerHour: Int?

    static let defaultPostsPerHour = 600
    static let postsPerHourRange = 1...100_000
    var hourlyPosts: Int { postsPerHour ?? Self.defaultPostsPerHour }

    enum Scope: String, CaseIterable, Sendable {
        case open311, hotline
        var displayName: String { self == .open311 ? "Open311 诉求提交" : "热线工单推送" }
    }

    func allows(_ scope: Scope) -> Bool { scopes.split(separator: ",").contains { $0 == scope.rawValue } }

    init() {}
}

extension ApiKey {
    /// The live (not revoked) key with this secret, with its service account.
    static func active(_ secret: String, on db: any Database) async throws -> ApiKey? {
        guard !secret.isEmpty else { return nil }
        return try await ApiKey.query(on: db).filter(\.$keyHash == TokenMaker.hash(secret)).filter(\.$revokedAt == nil).with(\.$user).first()
    }
}
