import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Staff accounts and their roles. Administrators see and change only staff who hold a role inside
/// their scope (a system administrator sees everyone, department handlers included).
struct StaffService {
    let db: any Database
    let app: Application

    struct Listing {
        let users: [User]
        let roles: [UUID: [RoleAssignment]]
        let total: Int
    }

    struct Filter {
        var text: String?
        var role: Role?
        var page = 1
        static let pageSize = 50
    }

    /// Staff visible to `scope`, filtered in SQL, with their roles loaded in one more query.
    func list(_ filter: Filter, scope: AccessScope) async throws -> Listing {
        var query = User.query(on: db).filter(\.$kind == .staff)
        if let text = filter.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            query = query.group(.or) { $0.filter(\.$displayName, like: .contains(text)).filter(\.$username, like: .contains(text.lowercased())) }
        }
        if !scope.isSystemAdministrator || filter.role != nil {
            let visible = visibleAssignments(scope: scope)
            if let role = filter.role { visible.filter(\.$role == role) }
            query = query.filter(\.$id ~~ (try await visible.all(\.$user.$id)))
        }
        let total = try await query.count()
        let page = max(1, filter.page)
        let users = try await query.sort(\.$username).range(((page - 1) * Filter.pageSize)..<(page * Filter.pageSize)).all()
        return Listing(users: users, roles: try await roles(of: users.compactMap(\.id)), total: total)
    }

    /// Role assignments the scope may see: on areas within it (and, for a system administrator, in departments).
    private func visibleAssignments(scope: AccessScope) -> QueryBuilder<RoleAssignment> {
        let query = RoleAssignment.query(on: db)
        if scope.isSystemAdministrator { return query }
        return query.join(Area.self, on: \RoleAssignment.$area.$id == \Area.$id).filter(areaWithin: scope)
    }

    func roles(of userIDs: [UUID]) async throws -> [UUID: [RoleAssignment]] {
        guard !userIDs.isEmpty else { return [:] }
        let rows = try await RoleAssignment.query(on: db).filter(\.$user.$id ~~ userIDs)
            .with(\.$area).with(\.$department).sort(\.$createdAt).all()
        return Dictionary(grouping: rows, by: { $0.$user.id })
    }

    /// What an administrator wants to do with a staff member.
    enum Access {
        /// See them: one role of theirs lies in the administrator's scope.
        case view
        /// Reset a password, deactivate, reveal the phone, add or remove a role: *every* role of
        /// theirs lies in the scope, so a community administrator cannot take over a district
        /// leader who also mediates in the community.
        case manage
    }

    /// The staff member if visible to `scope` (404 otherwise) and, for `.manage`, wholly inside it (403).
    func require(_ id: UUID, scope: AccessScope, for access: Access = .view) async throws -> User {
        guard let user = try await User.query(on: db).filter(\.$id == id).filter(\.$kind == .staff).first() else {
            throw Abort(.notFound, reason: "人员不存在或不在您的管辖范围内")
        }
        if scope.isSystemAdministrator { return user }
        let visible = try await visibleAssignments(scope: scope).filter(\.$user.$id == id).count()
        guard visible > 0 else { throw Abort(.notFound, reason: "人员不存在或不在您的管辖范围内") }
        if access == .manage, try await !isWithin(id, scope: scope) {
            throw Abort(.forbidden, reason: Self.outsideReason)
        }
        return user
    }

    static let outsideReason = "该人员在您的管辖范围之外也有岗位，只能由上级管理员修改其账号和岗位"

    /// Whether every role the staff member holds lies inside `scope`.
    func isWithin(_ id: UUID, scope: AccessScope) async throws -> Bool {
        if scope.isSystemAdministrator { return true }
        let all = try await RoleAssignment.query(on: db).filter(\.$user.$id == id).count()
        let inside = try await visibleAssignments(scope: scope).filter(\.$user.$id == id).count()
        return inside == all
    }

    struct NewStaff {
        var username: String
        var displayName: String
        var phone: String?
        var password: String
    }

    func create(_ new: NewStaff, firstRole: RoleRequest?, by admin: CurrentUser) async throws -> User {
        let username = new.username.trimmingCharacters(in: .whitespaces).lowercased()
        guard username.range(of: #"^[a-z0-9][a-z0-9._-]{1,31}$"#, options: .regularExpression) != nil else {
            throw Abort(.unprocessableEntity, reason: "用户名需 2–32 位，只能包含小写字母、数字和 . _ -")
        }
        let name = new.displayName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { throw Abort(.unprocessableEntity, reason: "姓名不能为空，且不超过 40 个字") }
        try AuthService.checkPasswordStrength(new.password)
        let phone = try normalizedPhone(new.phone)
        guard firstRole != nil || admin.isSystemAdministrator else {
            throw Abort(.unprocessableEntity, reason: "请为新人员指定一个岗位（所在区域或部门）")
        }
        let hash = try await AuthService(db: db, app: app).hashPassword(new.password)
        return try await db.transaction { tx in
            if try await User.query(on: tx).filter(\.$username == username).count() > 0 {
                throw Abort(.conflict, reason: "用户名 \(username) 已被使用")
            }
            let user = User(username: username, displayName: name, kind: .staff, passwordHash: hash)
            if let phone {
                user.phoneSealed = try app.state.cipher.seal(phone)
                user.phoneIndex = app.state.cipher.index(phone)
            }
            try await user.create(on: tx)
            if let firstRole { _ = try await addRole(firstRole, to: user, by: admin, on: tx) }
            return user
        }
    }

    struct RoleRequest {
        var role: Role
        var areaCode: String?
        var departmentCode: String?
        var employment: Employment?
    }

    /// Adds a role after checking that it fits its place and that the administrator governs that place.
    func addRole(_ request: RoleRequest, to user: User, by admin: CurrentUser, on tx: (any Database)? = nil) async throws -> RoleAssignment {
        let db = tx ?? self.db
        var area: Area?
        var department: Department?
        if let code = request.areaCode?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            area = try await Area.query(on: db).filter(\.$code == code).within(admin.scope).first()
            guard area != nil else { throw Abort(.unprocessableEntity, reason: "区域编码 \(code) 不存在或不在您的管辖范围内") }
        }
        if let code = request.departmentCode?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            department = try await Department.query(on: db).filter(\.$code == code).first()
            guard department != nil else { throw Abort(.unprocessableEntity, reason: "部门 \(code) 不存在") }
        }
        if request.role.isDepartmentRole { area = nil } else { department = nil }
        try RoleRules.check(role: request.role, areaLevel: area?.level, hasDepartment: department != nil, employment: request.employment)
        if let area { guard admin.scope.canAdminister(area.areaPath) else { throw Abort(.forbidden, reason: "您无权在该区域设置岗位") } }
        if department != nil { guard admin.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以设置部门承办人") } }
        let duplicate = try await RoleAssignment.query(on: db).filter(\.$user.$id == user.requireID())
            .filter(\.$role == request.role).filter(\.$area.$id == area?.id).filter(\.$department.$id == department?.id).count()
        guard duplicate == 0 else { throw Abort(.conflict, reason: "该人员已有此岗位") }
        let assignment = RoleAssignment(userID: try user.requireID(), role: request.role, areaID: area?.id,
                                        departmentID: department?.id, employment: request.employment)
        try await assignment.create(on: db)
        return assignment
    }

    func removeRole(_ roleID: UUID, from user: User, by admin: CurrentUser) async throws {
        guard let assignment = try await RoleAssignment.query(on: db).filter(\.$id == roleID)
            .filter(\.$user.$id == user.requireID()).with(\.$area).first() else { throw Abort(.notFound, reason: "岗位不存在") }
        if let area = assignment.area {
            guard admin.scope.canAdminister(area.areaPath) else { throw Abort(.forbidden, reason: "您无权调整该区域的岗位") }
        } else {
            guard admin.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以调整部门承办人") }
        }
        guard !(assignment.role == .administrator && user.id == admin.id) else {
            throw Abort(.unprocessableEntity, reason: "不能移除自己的管理员岗位")
        }
        try await assignment.delete(on: db)
    }

    /// Decrypts the phone for display in full, writing who looked and when first.
    func revealPhone(of user: User, by viewer: CurrentUser) async throws -> String? {
        guard let sealed = user.phoneSealed else { return nil }
        try await AccessLog(actorID: viewer.id, subjectType: "user", subjectID: try user.requireID().uuidString,
                            field: "phone", at: app.state.clock.now()).create(on: db)
        return try app.state.cipher.open(sealed)
    }

    func maskedPhone(of user: User) -> String? {
        guard let sealed = user.phoneSealed, let phone = try? app.state.cipher.open(sealed) else { return nil }
        return PhoneNumber.mask(phone)
    }

    func normalizedPhone(_ raw: String?) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let phone = PhoneNumber.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "手机号码格式不正确") }
        return phone
    }
}
