import Foundation

/// Every page and API path, in one place, so that routes and links never drift apart.
enum SiteURL {
    case root, home, login, logout, register, health
    case areas, area(Int), areaNew(parent: Int), areaEdit(Int), areaMove(Int), areaDelete(Int)
    case staff, staffNew, staffMember(UUID), staffRoles(UUID), staffRoleDelete(UUID, role: UUID)
    case staffActive(UUID), staffRevealPhone(UUID), staffPassword(UUID)
    case departments, departmentEdit(UUID)

    var path: String {
        switch self {
        case .root: "/"
        case .home: "/home"
        case .login: "/login"
        case .logout: "/logout"
        case .register: "/register"
        case .health: "/health"
        case .areas: "/areas"
        case .area(let id): "/areas/\(id)"
        case .areaNew(let parent): "/areas/\(parent)/new"
        case .areaEdit(let id): "/areas/\(id)/edit"
        case .areaMove(let id): "/areas/\(id)/move"
        case .areaDelete(let id): "/areas/\(id)/delete"
        case .staff: "/staff"
        case .staffNew: "/staff/new"
        case .staffMember(let id): "/staff/\(id)"
        case .staffRoles(let id): "/staff/\(id)/roles"
        case .staffRoleDelete(let id, let role): "/staff/\(id)/roles/\(role)/delete"
        case .staffActive(let id): "/staff/\(id)/active"
        case .staffRevealPhone(let id): "/staff/\(id)/phone"
        case .staffPassword(let id): "/staff/\(id)/password"
        case .departments: "/departments"
        case .departmentEdit(let id): "/departments/\(id)"
        }
    }
}
