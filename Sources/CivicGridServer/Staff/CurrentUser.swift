import Fluent
import Foundation
import GridCore
import Synchronization
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

    /// The platform itself, for what happens on a date (a suspended case resuming): named in the trace, holds no role.
    static let platform = CurrentUser(id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), username: "system", displayName: "平台（到期自动）",
                                      kind: .staff, scope: .nothing, assignments: [], via: .api)

    var roles: Set<Role> { scope.roles }
    var isAdministrator: Bool { roles.contains(.administrator) }
    var isSystemAdministrator: Bool { scope.isSystemAdministrator }

    /// Loads the user's roles (one query joining areas and departments) and builds the scope.
    static func load(_ user: User, via: UserToken.Purpose, on db: any Database) async throws -> CurrentUser {
        make(id: try user.requireID(), username: user.username, displayName: user.displayName, kind: user.kind, via: via,
             assignments: try await assignments(of: try user.requireID(), on: db))
    }

    /// The user's role assignments with their areas and departments.
    static func assignments(of userID: UUID, on db: any Database) async throws -> [Assignment] {
        let rows = try await RoleAssignment.query(on: db)
            .filter(\.$user.$id == userID)
            .with(\.$area)
            .with(\.$department)
            .all()
        return rows.map { row in
            Assignment(role: row.role, areaID: row.$area.id, areaName: row.area?.name, areaLevel: row.area?.level,
                       areaPath: row.area.flatMap { AreaPath($0.path) }, departmentID: row.$department.id,
                       departmentName: row.department?.name, employment: row.employment)
        }
    }

    static func make(id: UUID, username: String, displayName: String, kind: User.Kind, via: UserToken.Purpose,
                     assignments: [Assignment]) -> CurrentUser {
        let scope = AccessScope(
            areaPaths: assignments.compactMap(\.areaPath),
            departmentIDs: Set(assignments.compactMap { $0.departmentID?.uuidString }),
            roles: Set(assignments.map(\.role)))
        return CurrentUser(id: id, username: username, displayName: displayName, kind: kind, scope: scope, assignments: assignments, via: via)
    }
}

/// Each signed-in user's role assignments as of a reference generation (role assignments, areas and
/// departments are reference tables: a change anywhere moves the generation and every entry is
/// reloaded on its next use). Spares every request the three joined loads.
final class AssignmentCache: Sendable {
    private let entries = Mutex<[UUID: (generation: Int64, assignments: [CurrentUser.Assignment])]>([:])

    func assignments(of userID: UUID, generation: Int64, on db: any Database) async throws -> [CurrentUser.Assignment] {
        if let hit = entries.withLock({ $0[userID] }), hit.generation == generation { return hit.assignments }
        let loaded = try await CurrentUser.assignments(of: userID, on: db)
        entries.withLock { table in
            if table.count > 50_000 { table.removeAll(keepingCapacity: true) }
            table[userID] = (generation, loaded)
        }
        return loaded
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
