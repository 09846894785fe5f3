import Fluent
import Foundation
import GridCore
import SQLKit

/// 时限灯 of many cases at once: each case's worst running clock (one query on the running deadlines).
enum CaseLights {
    static func worst(of caseIDs: [UUID], now: Date, on db: any Database) async throws -> [UUID: DeadlineLight] {
        guard !caseIDs.isEmpty else { return [:] }
        let running = try await CaseDeadline.query(on: db).filter(\.$case.$id ~~ caseIDs).filter(\.$metAt == nil).filter(\.$endedAt == nil).all()
        var out: [UUID: DeadlineLight] = [:]
        for d in running {
            guard let light = d.light(now: now) else { continue }
            out[d.$case.id] = max(out[d.$case.id] ?? .green, light)
        }
        return out
    }
}

extension CaseLights {
    /// Open cases of an area's subtree with a yellow clock (即将超时) now: from the running-deadline index of `warn_at`.
    static func yellowCount(in area: Area, now: Date, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let row = try await sql.raw("""
            SELECT COUNT(DISTINCT d.case_id) AS n FROM case_deadlines d JOIN cases c ON c.id = d.case_id JOIN areas g ON g.id = c.grid_id
            WHERE d.met_at IS NULL AND d.ended_at IS NULL AND d.overdue_at IS NULL AND d.warn_at <= \(bind: now) AND d.due_at >= \(bind: now)
            AND \(ScopeSQL.within(area.areaPath, table: "g"))
            """).first()
        return try row?.decode(column: "n", as: Int?.self) ?? 0
    }
}
