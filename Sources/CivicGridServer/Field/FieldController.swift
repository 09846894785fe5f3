import Fluent
import GridCore
import Vapor

/// 网格员移动端 (`/m`): the grid worker's phone app — my work, report in 30 seconds, visits,
/// patrol check-in, my grid. Forms work without script; with it (field.js) they are queued on
/// the phone when there is no signal and sent once, each with its client key.
enum FieldController {
    struct Layout: Encodable {
        let title: String
        let tab: String
        let csrf: String
        let userName: String
        let notice: String?
        let error: String?
        let back: String?
    }

    static func layout(_ req: Request, _ user: CurrentUser, title: String, tab: String, error: String? = nil, back: String? = nil) -> Layout {
        Layout(title: title, tab: tab, csrf: CSRFMiddleware.token(for: req), userName: user.displayName,
               notice: req.query[String.self, at: "notice"].flatMap(PageLayout.notices), error: error, back: back)
    }

    /// Grid workers and grid leaders (and, for their own grids, the community above them).
    static func worker(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, !user.roles.isDisjoint(with: [.gridWorker, .gridLeader]) else {
            throw Abort(.forbidden, reason: "网格员移动端供网格员、网格长使用")
        }
        return user
    }

    /// The grids the worker walks: where they hold the grid-worker or grid-leader role at grid level,
    /// else every grid under the area they lead.
    static func myGrids(_ user: CurrentUser, req: Request) async throws -> [Area] {
        let held = user.assignments.filter { [.gridWorker, .gridLeader].contains($0.role) }
        let direct = held.filter { [.grid, .microGrid].contains($0.areaLevel ?? .district) }.compactMap(\.areaID)
        var grids = try await Area.query(on: req.db).filter(\.$id ~~ direct).sort(\.$code).all()
        if grids.isEmpty {
            let scope = AccessScope(areaPaths: held.compactMap(\.areaPath), departmentIDs: [], roles: [.gridLeader])
            grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).within(scope).sort(\.$code).limit(50).all()
        }
        return grids
    }

    struct CaseRow: Encodable {
        let code: String; let title: String; let status: String; let href: String; let when: String; let warn: Bool
        /// 时限灯 (green / yellow / red) of its running clocks, and the words.
        var light: String? = nil; var lightLabel: String? = nil
    }
    struct DueRow: Encodable { let name: String; let kind: String; let due: String; let overdue: Bool; let href: String }
    struct PatrolRow: Encodable { let time: String; let grid: String; let note: String; let place: String }
    struct Figure: Encodable { let label: String; let value: String; let warn: Bool }
}
