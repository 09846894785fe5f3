import Fluent
import Foundation
import GridCore
import Vapor

/// A person who signs in: staff (roles on areas or in departments) or a resident.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    enum Kind: String, Codable, Sendable { case staff, resident }

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "password_hash") var passwordHash: String
    /// AES-GCM sealed phone number; never stored in clear.
    @OptionalField(key: "phone_sealed") var phoneSealed: String?
    /// Keyed hash of the normalized phone, for lookups without decrypting every row.
    @OptionalField(key: "phone_index") var phoneIndex: String?
    @Field(key: "active") var active: Bool
    /// The work phone shown to residents on QR pages (a duty number, public by design).
    @OptionalField(key: "work_phone") var workPhone: String?
    /// The photo shown to residents (公示照片), under UPLOAD_DIR.
    @OptionalField(key: "photo_path") var photoPath: String?
    @OptionalField(key: "photo_type") var photoType: String?
    @OptionalField(key: "last_login_at") var lastLoginAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Children(for: \.$user) var roles: [RoleAssignment]

    init() {}

    init(id: UUID? = nil, username: String, displayName: String, kind: Kind, passwordHash: String, active: Bool = true) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.kind = kind
        self.passwordHash = passwordHash
        self.active = active
    }
}

/// A role held by a user, on an area (scope: its subtree) or in a department.
final class RoleAssignment: Model, @unchecked Sendable {
    static let schema = "role_assignments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "role") var role: Role
    @OptionalParent(key: "area_id") var area: Area?
    @OptionalParent(key: "department_id") var department: Department?
    @OptionalField(key: "employment") var employment: Employment?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, role: Role, areaID: Int?, departmentID: UUID?, employment: Employment? = nil) {
        self.$user.id = userID
        self.role = role
        self.$area.id = areaID
        self.$department.id = departmentID
        self.employment = employment
    }
}

/// A bearer token for the JSON API and the mobile pages. Only its SHA-256 is stored.
final class UserToken: Model, @unchecked Sendable {
    static let schema = "user_tokens"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "purpose") var purpose: Purpose
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "created_at") var createdAt: Date

    /// A web session is a token in a cookie; an API token is sent as `Authorization: Bearer`.
    enum Purpose: String, Codable, Sendable { case webSession, api }

    init() {}

    init(userID: UUID, tokenHash: String, purpose: Purpose, createdAt: Date, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.purpose = purpose
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One failed sign-in, keyed by account and by client address, for throttling across servers.
final class LoginFailure: Model, @unchecked Sendable {
    static let schema = "login_failures"

    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "at") var at: Date

    init() {}
    init(key: String, at: Date) { self.key = key; self.at = at }
}

/// Who saw which piece of personal data, when and why (个人信息访问日志).
final class AccessLog: Model, @unchecked Sendable {
    static let schema = "access_logs"

    @ID(key: .id) var id: UUID?
    @Field(key: "actor_id") var actorID: UUID
    @Field(key: "subject_type") var subjectType: String
    @Field(key: "subject_id") var subjectID: String
    @Field(key: "field") var field: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "subject_label") var subjectLabel: String?

    init() {}
    init(actorID: UUID, subjectType: String, subjectID: String, field: String, at: Date, reason: String? = nil, subjectLabel: String? = nil) {
        self.reason = reason
        self.subjectLabel = subjectLabel
        self.actorID = actorID
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.field = field
        self.at = at
    }
}
