import Fluent
import Foundation
import GridCore
import Vapor

/// The signed-in user with everything needed to decide what they may see, loaded once per request.
struct CurrentUser: Authenticatable, Sendable {
    let id: UUID
    let username: String
    let displayName: String
    let kind: User.Kind
    let scope: AccessScope
    let assignments: [Assignment]
    let via: UserToken.Purpose

    struct Assignment: Sendable {
        let role: Role
        let areaID: Int?
        let areaName: String?
        let areaLevel: AreaLevel?
        let areaPath: AreaPath?
        let departmentID: UUID?
        let departmentName: String?
        let employment: Employment?

        var label: String {
            let place = areaName ?? departmentName ?? ""
            let kind = employment.map { "（\($0.displayName)）" } ?? ""
            return place.isEmpty ? role.displayName : "\(place) · \(role.displayName)\(kind)"
        }
    }

    var roles: Set<Role> { scope.roles }
    var isAdministrator: Bool { roles.contains(.administrator) }
    var isSystemAdministrator: Bool { scope.isSystemAdministrator }

    /// Loads the user's roles (one query joining areas and departments) and builds the scope.
    static func load(_ user: User, via: UserToken.Purpose, on db: any Database) async throws -> CurrentUser {
        let rows = try await RoleAssignment.query(on: db)
            .filter(\.$user.$id == user.requireID())
            .with(\.$area)
            .with(\.$department)
            .all()
        let assignments = rows.map { row in
            Assignment(role: row.role, areaID: row.$area.id, areaName: row.area?.name, areaLevel: row.area?.level,
                       areaPath: row.area.flatMap { AreaPath($0.path) }, departmentID: row.$department.id,
                       departmentName: row.department?.name, employment: row.employment)
        }
        let scope = AccessScope(
            areaPaths: assignments.compactMap(\.areaPath),
            departmentIDs: Set(assignments.compactMap { $0.departmentID?.uuidString }),
            roles: Set(assignments.map(\.role)))
        return CurrentUser(id: try user.requireID(), username: user.username, displayName: user.displayName,
                           kind: user.kind, scope: scope, assignments: assignments, via: via)
    }
}

extension Request {
    /// The signed-in user, or 401 (the web error page turns that into a redirect to the login page).
    var currentUser: CurrentUser {
        get throws {
            guard let user = auth.get(CurrentUser.self) else { throw Abort(.unauthorized, reason: "请先登录") }
            return user
        }
    }
}

extension Request {
    /// The signed-in user if they administer the whole system; otherwise 403 with `reason`.
    func requireSystemAdministrator(_ reason: String) throws -> CurrentUser {
        let user = try currentUser
        guard user.isSystemAdministrator else { throw Abort(.forbidden, reason: reason) }
        return user
    }
}
