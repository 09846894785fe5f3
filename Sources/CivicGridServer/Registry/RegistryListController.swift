import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import Vapor

/// Lists in and out of the registry: imports (validate, then commit all-or-nothing), templates,
/// exports, cross-checks against another agency's list, the coverage report, and the access log.
enum RegistryListController {
    typealias Option = RegistryController.Option
    typealias Link = RegistryController.Link

    static func manager(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, RegistryRules.mayManageLists(user.roles) else {
            throw Abort(.forbidden, reason: "只有管理员、指挥中心坐席和网格长可以导入、导出和比对数据")
        }
        return user
    }

    /// Areas in scope a list can be attached to (district down to grid), for pickers.
    static func areaOptions(_ req: Request, user: CurrentUser, selected: Int?) async throws -> [Option] {
        let areas = try await Area.query(on: req.db).within(user.scope).filter(\.$level != .microGrid).sort(\.$path).limit(2000).all()
        return areas.map { a in
            let depth = max(0, (AreaPath(a.path)?.depth ?? 1) - 1)
            return Option(value: String(a.id!), label: String(repeating: "　", count: depth) + "\(a.name)（\(a.code)）", selected: a.id == selected)
        }
    }
}
