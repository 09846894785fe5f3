import Fluent
import Foundation
import GridCore
import SQLKit

/// Rollups for statistics and the big screen, kept in the same transaction as every case change:
/// `case_rollups` (per area of the case's chain × day received × channel × category: the sums of
/// `CaseFacts`) and `case_status_counts` (per area × status: the live queues). Pages read these,
/// never a scan of cases.
enum CaseRollup {
    struct Key: Hashable {
        let areaID: Int
        let day: String
        let channel: String
        let category: UUID
    }

    struct DayKey: Hashable { let areaID: Int; let day: String }

    /// The facts of an aggregate as it stands in memory.
    static func facts(of a: CaseAggregate) -> CaseFacts {
        let c = a.record
        return CaseFacts(status: c.status, overdue: c.overdue, escalated: c.escalatedAt != nil, satisfaction: c.satisfaction,
                         resolution: c.resolution, handlingLevel: a.area(c.$holderArea.id)?.level, reportedAt: c.reportedAt, closedAt: c.closedAt,
                         workflow: c.workflowFacts)
    }

    struct DepartmentKey: Hashable { let areaID: Int; let department: UUID; let day: String }

    /// Pending changes, merged by key so a bulk write of many cases touches each row once.
    struct Changes {
        var counters: [Key: [Int]] = [:]
        var statuses: [Int: [String: Int]] = [:]
        /// Per area of the case's chain × department (the case's last one) × day received: the departments' indicators.
        var departments: [DepartmentKey: [Int]] = [:]

        var isEmpty: Bool { counters.isEmpty && statuses.isEmpty && departments.isEmpty }

        /// Moves the case's facts from the department it was counted under to its current one (or adds the change).
        mutating func addDepartment(before: CaseFacts?, from old: UUID?, after: CaseFacts, to new: UUID?, areas: [Int], day: String) {
            func add(_ department: UUID, _ values: [Int]) {
                for area in areas {
                    let key = DepartmentKey(areaID: area, department: department, day: day)
                    departments[key] = zip(departments[key] ?? Array(repeating: 0, count: values.count), values).map { $0 + $1 }
                }
            }
            if old == new {
                if let new { add(new, CaseFacts.delta(from: before, to: after)) }
            } else {
                if let old, let before { add(old, before.counters.map { -$0 }) }
                if let new { add(new, after.counters) }
            }
        }

        /// `fromCategory`: the category `before` was counted under, when it changed (the case's facts move to `category`).
        mutating func add(before: CaseFacts?, after: CaseFacts, areas: [Int], day: String, channel: String, category: UUID, fromCategory: UUID? = nil) {
            let moved = fromCategory.map { $0 != category } ?? false
            let delta = CaseFacts.delta(from: moved ? nil : before, to: after)
            let move = CaseFacts.statusMove(from: before, to: after)
            func count(_ values: [Int], _ key: Key) {
                guard values.contains(where: { $0 != 0 }) else { return }
                counters[key] = zip(counters[key] ?? Array(repeating: 0, count: values.count), values).map { $0 + $1 }
            }
            for area in areas {
                count(delta, Key(areaID: area, day: day, channel: channel, category: category))
                if moved, let old = fromCategory, let before { count(before.counters.map { -$0 }, Key(areaID: area, day: day, channel: channel, category: old)) }
                if let from = move.from { statuses[area, default: [:]][from.rawValue, default: 0] -= 1 }
                if let to = move.to { statuses[area, default: [:]][to.rawValue, default: 0] += 1 }
                let wasLate = before?.openOverdue ?? false
                if wasLate != after.openOverdue { statuses[area, default: [:]][CaseRollup.openOverdueKey, default: 0] += after.openOverdue ? 1 : -1 }
            }
        }
    }

    /// Adds each aggregate's change since it was loaded (or since its last write) and marks it written.
    static func record(_ aggregates: [CaseAggregate], on tx: any Database) async throws {
        var changes = Changes()
        for a in aggregates {
            let after = facts(of: a)
            // Same counters under the same category and department: nothing to add (改分类 changes only the category).
            guard after != a.rollupBaseline || a.rollupCategory != a.record.$category.id || a.rollupDepartment != a.record.lastDepartmentID
            else { continue }
            let day = LocalDate(a.record.reportedAt).description
            changes.add(before: a.rollupBaseline, after: after, areas: a.chain.compactMap(\.id), day: day,
                        channel: a.record.channel.rawValue, category: a.record.$category.id, fromCategory: a.rollupCategory)
            changes.addDepartment(before: a.rollupBaseline, from: a.rollupDepartment, after: after, to: a.record.lastDepartmentID,
                                  areas: a.chain.compactMap(\.id), day: day)
            a.rollupBaseline = after
            a.rollupDepartment = a.record.lastDepartmentID
            a.rollupCategory = a.record.$category.id
        }
        try await write(changes, on: tx)
    }

    static func write(_ changes: Changes, on db: any Database) async throws {
        guard !changes.isEmpty, let sql = db as? any SQLDatabase else { return }
        let names = CaseFacts.counterNames
        let rows = changes.counters.filter { $0.value.contains { $0 != 0 } }
            .sorted { ($0.key.areaID, $0.key.day, $0.key.channel) < ($1.key.areaID, $1.key.day, $1.key.channel) }
        try await add(into: "case_rollups", keys: ["area_id", "day", "channel", "category_id"], counters: names,
                      rows.map { ([$0.key.areaID, $0.key.day, $0.key.channel, $0.key.category], $0.value) }, on: sql)
        // The same changes summed per area and day, for the big screen and the totals.
        var days: [DayKey: [Int]] = [:]
        for row in rows {
            let key = DayKey(areaID: row.key.areaID, day: row.key.day)
            days[key] = zip(days[key] ?? Array(repeating: 0, count: names.count), row.value).map { $0 + $1 }
        }
        try await add(into: "case_day_totals", keys: ["area_id", "day"], counters: names,
                      days.sorted { ($0.key.areaID, $0.key.day) < ($1.key.areaID, $1.key.day) }.map { ([$0.key.areaID, $0.key.day], $0.value) }, on: sql)
        let statusRows = changes.statuses.flatMap { area, moves in moves.filter { $0.value != 0 }.map { (area, $0.key, $0.value) } }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        try await add(into: "case_status_counts", keys: ["area_id", "status"], counters: ["n"], statusRows.map { ([$0.0, $0.1], [$0.2]) }, on: sql)
        let departmentRows = changes.departments.filter { $0.value.contains { $0 != 0 } }
            .sorted { ($0.key.areaID, $0.key.department.uuidString, $0.key.day) < ($1.key.areaID, $1.key.department.uuidString, $1.key.day) }
        try await add(into: "case_department_rollups", keys: ["area_id", "department_id", "day"], counters: names,
                      departmentRows.map { ([$0.key.areaID, $0.key.department, $0.key.day], $0.value) }, on: sql)
    }

    /// Adds counters to rows by key: `INSERT … ON CONFLICT (keys) DO UPDATE SET c = table.c + excluded.c`
    /// (the same statement on SQLite and PostgreSQL), `RowWriter.bindsPerStatement` bound values a statement, in the order given (sorted
    /// by the callers, so concurrent writers lock rows in the same order).
    static func add(into table: String, keys: [String], counters: [String], _ rows: [(keys: [any Encodable & Sendable], values: [Int])],
                    on sql: any SQLDatabase) async throws {
        let perStatement = max(1, RowWriter.bindsPerStatement / (keys.count + counters.count))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var q = SQLQueryString("INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: (keys + counters).joined(separator: ", "))) VALUES ")
            for (i, row) in rows[start..<min(start + perStatement, rows.count)].enumerated() {
                q.appendLiteral(i > 0 ? ", (" : "(")
                for (j, k) in row.keys.enumerated() {
                    if j > 0 { q.appendLiteral(", ") }
                    q.appendInterpolation(bind: k)
                }
                for v in row.values { q.appendLiteral(", "); q.appendInterpolation(bind: v) }
                q.appendLiteral(")")
            }
            q.appendLiteral(" ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET ")
            q.appendInterpolation(unsafeRaw: counters.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", "))
            try await sql.raw(q).run()
        }
    }

    /// Rebuilds both tables from the cases (after a migration, or `civicgrid rollups --rebuild`).
    static func rebuild(on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let areas = try await Area.query(on: db).all()
        let byID = Dictionary(areas.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        try await sql.raw("DELETE FROM case_rollups").run()
        try await sql.raw("DELETE FROM case_day_totals").run()
        try await sql.raw("DELETE FROM case_status_counts").run()
        try await sql.raw("DELETE FROM case_department_rollups").run()
        var count = 0, offset = 0
        let page = 5_000
        while true {
            let cases = try await Case.query(on: db).sort(\.$id).range(offset..<(offset + page)).all()
            if cases.isEmpty { break }
            var changes = Changes()
            for c in cases {
                let facts = CaseFacts(status: c.status, overdue: c.overdue, escalated: c.escalatedAt != nil, satisfaction: c.satisfaction,
                                      resolution: c.resolution, handlingLevel: c.$holderArea.id.flatMap { byID[$0]?.level },
                                      reportedAt: c.reportedAt, closedAt: c.closedAt, workflow: c.workflowFacts)
                let chain = byID[c.$grid.id].map { $0.areaPath.ids } ?? [c.$grid.id]
                let day = LocalDate(c.reportedAt).description
                changes.add(before: nil, after: facts, areas: chain, day: day, channel: c.channel.rawValue, category: c.$category.id)
                changes.addDepartment(before: nil, from: nil, after: facts, to: c.lastDepartmentID, areas: chain, day: day)
                count += 1
            }
            try await write(changes, on: db)
            offset += page
        }
        return count
    }

    /// The same rebuild as one SQL statement per table, for PostgreSQL and millions of cases (the
    /// generator uses it). It restates `CaseFacts` in SQL; `StatsTests` checks it against the Swift
    /// recount whenever the tests run on PostgreSQL.
    static func rebuildInPostgres(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { _ = try await rebuild(on: db); return }
        try await sql.raw("DELETE FROM case_rollups").run()
        try await sql.raw("DELETE FROM case_day_totals").run()
        try await sql.raw("DELETE FROM case_status_counts").run()
        try await sql.raw("DELETE FROM case_department_rollups").run()
        let counters = countersSQL
        try await sql.raw("""
            INSERT INTO case_rollups (area_id, day, channel, category_id, \(unsafeRaw: CaseFacts.counterNames.joined(separator: ", ")))
            SELECT a.id, to_char(c.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.channel, c.category_id, \(unsafeRaw: counters)
            FROM cases c JOIN areas g ON g.id = c.grid_id JOIN areas a ON \(ScopeSQL.descendant("g", of: "a"))
            LEFT JOIN areas h ON h.id = c.holder_area_id
            GROUP BY 1, 2, 3, 4
            """).run()
        try await sql.raw("""
            INSERT INTO case_department_rollups (area_id, department_id, day, \(unsafeRaw: CaseFacts.counterNames.joined(separator: ", ")))
            SELECT a.id, c.last_department_id, to_char(c.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), \(unsafeRaw: counters)
            FROM cases c JOIN areas g ON g.id = c.grid_id JOIN areas a ON \(ScopeSQL.descendant("g", of: "a"))
            LEFT JOIN areas h ON h.id = c.holder_area_id
            WHERE c.last_department_id IS NOT NULL
            GROUP BY 1, 2, 3
            """).run()
        try await fillDayTotals(sql)
        try await sql.raw("""
            INSERT INTO case_status_counts (area_id, status, n)
            SELECT a.id, c.status, COUNT(*) FROM cases c JOIN areas g ON g.id = c.grid_id JOIN areas a ON \(ScopeSQL.descendant("g", of: "a"))
            GROUP BY 1, 2
            UNION ALL
            SELECT a.id, '\(unsafeRaw: openOverdueKey)', COUNT(*) FROM cases c JOIN areas g ON g.id = c.grid_id JOIN areas a ON \(ScopeSQL.descendant("g", of: "a"))
            WHERE c.overdue AND c.status NOT IN ('closed', 'rejected') GROUP BY 1
            """).run()
    }

    /// `CaseFacts` restated in SQL over `cases c` (and `areas h`, the holder), in `counterNames` order.
    static var countersSQL: String {
        let closed = "c.status = 'closed'"
        func n(_ column: String) -> String { "COALESCE(SUM(COALESCE(c.\(column), 0)), 0)" }
        return """
            COUNT(*),
            COUNT(*) FILTER (WHERE \(closed)),
            COUNT(*) FILTER (WHERE \(closed) AND NOT c.overdue),
            COUNT(*) FILTER (WHERE c.overdue),
            COUNT(*) FILTER (WHERE c.escalated_at IS NOT NULL),
            COUNT(*) FILTER (WHERE c.satisfaction IS NOT NULL),
            COUNT(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'mostlySatisfied')),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'resolvedOnSite'),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'handledLocally' AND COALESCE(h.level, '') IN ('community', 'grid', 'microGrid')),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'handledLocally' AND h.level = 'street'),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'handledLocally' AND (h.level IS NULL OR h.level NOT IN ('community', 'grid', 'microGrid', 'street'))),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'handledByDepartment'),
            COUNT(*) FILTER (WHERE \(closed) AND c.resolution = 'explained'),
            COUNT(*) FILTER (WHERE c.status = 'rejected'),
            COALESCE(SUM(GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (COALESCE(c.closed_at, c.reported_at) - c.reported_at))))) FILTER (WHERE \(closed)), 0),
            COUNT(*) FILTER (WHERE c.accepted_at IS NOT NULL),
            COUNT(*) FILTER (WHERE c.accepted_on_time),
            COUNT(*) FILTER (WHERE COALESCE(c.dispatch_count, 0) > 0),
            COUNT(*) FILTER (WHERE COALESCE(c.dispatch_count, 0) > 0 AND c.dispatched_on_time),
            \(n("dispatch_count")),
            \(n("redispatch_count")),
            COUNT(*) FILTER (WHERE c.signed_on_time IS NOT NULL),
            COUNT(*) FILTER (WHERE c.signed_on_time),
            COUNT(*) FILTER (WHERE COALESCE(c.extension_count, 0) > 0),
            \(n("return_refused_count")),
            \(n("rework_count")),
            COUNT(*) FILTER (WHERE c.status = 'suspended'),
            COUNT(*) FILTER (WHERE c.status = 'withdrawn'),
            COUNT(*) FILTER (WHERE c.status = 'voided'),
            COUNT(*) FILTER (WHERE c.callback_status IS NOT NULL),
            COUNT(*) FILTER (WHERE c.callback_status = 'reached'),
            COUNT(*) FILTER (WHERE c.callback_status = 'reached' AND c.callback_resolved),
            COUNT(*) FILTER (WHERE c.callback_status = 'reached' AND c.callback_satisfaction IN ('satisfied', 'mostlySatisfied'))
            """
    }

    /// `case_day_totals` from `case_rollups` (both databases).
    static func fillDayTotals(_ sql: any SQLDatabase, counters names: [String] = CaseFacts.counterNames) async throws {
        try await sql.raw("""
            INSERT INTO case_day_totals (area_id, day, \(unsafeRaw: names.joined(separator: ", ")))
            SELECT area_id, day, \(unsafeRaw: names.map { "SUM(\($0))" }.joined(separator: ", ")) FROM case_rollups GROUP BY area_id, day
            """).run()
    }

    // MARK: Reading

    struct Totals {
        var facts = CaseFacts()
        var byChannel: [String: CaseFacts] = [:]
        var byCategory: [UUID: CaseFacts] = [:]
        var byDay: [String: CaseFacts] = [:]
    }

    /// Sums for one area's subtree over days received in `from...to` (inclusive, "yyyy-MM-dd"):
    /// one small grouped query per breakdown (never rows per day × channel × category).
    static func totals(area: Int, from: String, to: String, by breakdowns: Set<Breakdown> = Set(Breakdown.allCases),
                       on db: any Database) async throws -> Totals {
        var totals = Totals()
        totals.facts = try await grouped(area: area, from: from, to: to, by: nil, on: db)[""] ?? CaseFacts()
        if breakdowns.contains(.day) { totals.byDay = try await grouped(area: area, from: from, to: to, by: "day", on: db) }
        if breakdowns.contains(.channel) { totals.byChannel = try await grouped(area: area, from: from, to: to, by: "channel", on: db) }
        if breakdowns.contains(.category) {
            totals.byCategory = Dictionary(try await grouped(area: area, from: from, to: to, by: "category_id", on: db).compactMap { key, f in
                UUID(uuidString: key).map { ($0, f) }
            }, uniquingKeysWith: { a, _ in a })
        }
        return totals
    }

    enum Breakdown: CaseIterable { case day, channel, category }

    private static func grouped(area: Int, from: String, to: String, by column: String?, on db: any Database) async throws -> [String: CaseFacts] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let sums = CaseFacts.counterNames.map { "CAST(SUM(\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", ")
        let key = column.map { "\($0) AS k, " } ?? ""
        let group = column.map { " GROUP BY \($0)" } ?? ""
        // Totals and days come from the per-day table (a row per day); channels and categories from the fine one.
        let table = column == nil || column == "day" ? "case_day_totals" : "case_rollups"
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: key)\(unsafeRaw: sums) FROM \(unsafeRaw: table)
            WHERE area_id = \(bind: area) AND day >= \(bind: from) AND day <= \(bind: to)\(unsafeRaw: group)
            """).all()
        var out: [String: CaseFacts] = [:]
        for row in rows {
            let counters = try CaseFacts.counterNames.map { try row.decode(column: $0, as: Int?.self) ?? 0 }
            let k: String
            if column == "category_id" { k = try row.decode(column: "k", as: UUID.self).uuidString }
            else if column != nil { k = try row.decode(column: "k", as: String.self) }
            else { k = "" }
            out[k] = CaseFacts(counters: counters)
        }
        return out
    }

    /// Per department (the cases' last one) for one area's subtree over a period.
    static func perDepartment(area: Int, from: String, to: String, on db: any Database) async throws -> [UUID: CaseFacts] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let sums = CaseFacts.counterNames.map { "CAST(SUM(\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", ")
        let rows = try await sql.raw("""
            SELECT department_id, \(unsafeRaw: sums) FROM case_department_rollups
            WHERE area_id = \(bind: area) AND day >= \(bind: from) AND day <= \(bind: to) GROUP BY department_id
            """).all()
        var out: [UUID: CaseFacts] = [:]
        for row in rows {
            out[try row.decode(column: "department_id", as: UUID.self)] =
                CaseFacts(counters: try CaseFacts.counterNames.map { try row.decode(column: $0, as: Int?.self) ?? 0 })
        }
        return out
    }

    /// The pseudo-status under which `case_status_counts` keeps open cases past a deadline.
    static let openOverdueKey = "openOverdue"

    static func openOverdue(area: Int, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let row = try await sql.raw("SELECT n FROM case_status_counts WHERE area_id = \(bind: area) AND status = \(bind: Self.openOverdueKey)").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Status counts (and open-overdue) of several areas in one read: area → status → n.
    static func statusCounts(areas: [Int], on db: any Database) async throws -> [Int: [String: Int]] {
        guard !areas.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var out: [Int: [String: Int]] = [:]
        for row in try await sql.raw("SELECT area_id, status, n FROM case_status_counts WHERE area_id IN (\(binds: areas))").all() {
            out[try row.decode(column: "area_id", as: Int.self), default: [:]][try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    struct Listed: Decodable {
        let id: UUID
        let code: String
        let title: String
        let status: CaseStatus
        let reportedAt: Date
        let grid: String
        enum CodingKeys: String, CodingKey { case id, code, title, status, reportedAt = "reported_at", grid }
    }

    /// The newest cases of an area's subtree, or its open overdue ones oldest first, with the grid's
    /// name: one indexed query (cases by grid, by reported_at or by status).
    static func cases(in area: Area, overdueOnly: Bool, limit: Int, on db: any Database) async throws -> [Listed] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let open = CaseStatus.allCases.filter(\.isOpen).map(\.rawValue)
        let q: SQLQueryString = overdueOnly
            ? """
              SELECT c.id, c.code, c.title, c.status, c.reported_at, g.name AS grid FROM cases c JOIN areas g ON g.id = c.grid_id
              WHERE \(ScopeSQL.within(area.areaPath, table: "g")) AND g.level IN ('grid', 'microGrid') AND c.overdue = \(bind: true) AND c.status IN (\(binds: open))
              ORDER BY c.reported_at ASC LIMIT \(unsafeRaw: String(limit))
              """
            : """
              SELECT c.id, c.code, c.title, c.status, c.reported_at, g.name AS grid FROM cases c JOIN areas g ON g.id = c.grid_id
              WHERE \(ScopeSQL.within(area.areaPath, table: "g")) AND g.level IN ('grid', 'microGrid')
              ORDER BY c.reported_at DESC LIMIT \(unsafeRaw: String(limit))
              """
        return try await sql.raw(q).all(decoding: Listed.self)
    }

    /// The live queue of an area's subtree: cases by current status.
    static func statusCounts(area: Int, on db: any Database) async throws -> [CaseStatus: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw("SELECT status, n FROM case_status_counts WHERE area_id = \(bind: area)").all()
        var out: [CaseStatus: Int] = [:]
        for row in rows {
            if let s = CaseStatus(rawValue: try row.decode(column: "status", as: String.self)) { out[s] = try row.decode(column: "n", as: Int.self) }
        }
        return out
    }

    /// Per area over a period, with the gridWorker channel apart (for the assessment of many grids at once).
    static func perArea(_ areas: [Int], from: String, to: String, on db: any Database) async throws -> [Int: (all: CaseFacts, byChannel: [String: CaseFacts])] {
        guard !areas.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let sums = CaseFacts.counterNames.map { "CAST(SUM(\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", ")
        let rows = try await sql.raw("""
            SELECT area_id, channel, \(unsafeRaw: sums) FROM case_rollups
            WHERE area_id IN (\(binds: areas)) AND day >= \(bind: from) AND day <= \(bind: to)
            GROUP BY area_id, channel
            """).all()
        var out: [Int: (all: CaseFacts, byChannel: [String: CaseFacts])] = [:]
        for row in rows {
            let f = CaseFacts(counters: try CaseFacts.counterNames.map { try row.decode(column: $0, as: Int?.self) ?? 0 })
            let area = try row.decode(column: "area_id", as: Int.self), channel = try row.decode(column: "channel", as: String.self)
            var entry = out[area] ?? (CaseFacts(), [:])
            entry.all = entry.all + f
            entry.byChannel[channel] = (entry.byChannel[channel] ?? CaseFacts()) + f
            out[area] = entry
        }
        return out
    }

    /// Open cases now in each of these areas' subtrees (for the big screen's map).
    static func openCounts(areas: [Int], on db: any Database) async throws -> [Int: Int] {
        guard !areas.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let open = CaseStatus.allCases.filter(\.isOpen).map(\.rawValue)
        let rows = try await sql.raw("""
            SELECT area_id, CAST(SUM(n) AS BIGINT) AS n FROM case_status_counts
            WHERE area_id IN (\(binds: areas)) AND status IN (\(binds: open)) GROUP BY area_id
            """).all()
        var out: [Int: Int] = [:]
        for row in rows { out[try row.decode(column: "area_id", as: Int.self)] = try row.decode(column: "n", as: Int?.self) ?? 0 }
        return out
    }

    /// Per child area (e.g. the streets of a district) over a period: for rankings and the map.
    static func childTotals(of parent: Int, from: String, to: String, on db: any Database) async throws -> [Int: CaseFacts] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let sums = CaseFacts.counterNames.map { "CAST(SUM(r.\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", ")
        let rows = try await sql.raw("""
            SELECT r.area_id, \(unsafeRaw: sums) FROM case_day_totals r JOIN areas a ON a.id = r.area_id
            WHERE a.parent_id = \(bind: parent) AND r.day >= \(bind: from) AND r.day <= \(bind: to)
            GROUP BY r.area_id
            """).all()
        var out: [Int: CaseFacts] = [:]
        for row in rows {
            let counters = try CaseFacts.counterNames.map { try row.decode(column: $0, as: Int?.self) ?? 0 }
            out[try row.decode(column: "area_id", as: Int.self)] = CaseFacts(counters: counters)
        }
        return out
    }
}
