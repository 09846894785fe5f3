import Fluent
import FluentSQL
import Foundation
import SQLKit
import XCTVapor
@testable import CivicGridServer

/// The hot queries answer from an index, on SQLite (`EXPLAIN QUERY PLAN`) and on PostgreSQL
/// (`EXPLAIN` with sequential scans priced out, so a plan that still scans the table has no index to
/// use). Each statement is the one the code sends, with literal values.
final class QueryPlanTests: XCTestCase {
    struct Hot {
        let name: String
        let sql: String
        /// The table that must not be read whole.
        let table: String
        /// An index the plan must name, when one was made for this query.
        var index: String? = nil
    }

    static let uuid = "00000000-0000-0000-0000-000000000001"
    static let hot: [Hot] = [
        Hot(name: "SLA sweep (SLASweeper)", sql: """
            SELECT id FROM case_deadlines WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL
            AND due_at < '2026-11-18 09:00:00' ORDER BY due_at LIMIT 5000
            """, table: "case_deadlines", index: "case_deadlines_open_due_idx"),
        Hot(name: "case number of the day (CaseService.lastNumber)", sql: """
            SELECT MAX(CAST(SUBSTR(code, 26) AS INTEGER)) AS n FROM cases
            WHERE code >= '430204001001001-20261118-' AND code < '430204001001001-20261118.'
            """, table: "cases"),
        Hot(name: "sign-in per request (AuthService.session)", sql: """
            SELECT t.user_id, u.username FROM user_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = 'abc' AND t.expires_at > '2026-11-18 09:00:00'
            """, table: "user_tokens"),
        Hot(name: "role assignments of a user (AssignmentCache)",
            sql: "SELECT * FROM role_assignments WHERE user_id = '\(uuid)'", table: "role_assignments"),
        Hot(name: "a case's trace (case page)", sql: "SELECT * FROM timeline_entries WHERE case_id = '\(uuid)' ORDER BY seq", table: "timeline_entries"),
        Hot(name: "a case's deadlines (case page, actions)", sql: "SELECT * FROM case_deadlines WHERE case_id = '\(uuid)'", table: "case_deadlines"),
        Hot(name: "resident tracking (/r/track)", sql: "SELECT id FROM cases WHERE tracking_code = 'ABCDEFGHJK'", table: "cases"),
        Hot(name: "community queue 待受理 (holder and status)", sql: """
            SELECT id FROM cases WHERE holder_area_id = 4 AND status = 'reported' ORDER BY reported_at DESC LIMIT 50
            """, table: "cases"),
        Hot(name: "department queue 待签收", sql: """
            SELECT id FROM cases WHERE holder_department_id = '\(uuid)' AND status = 'dispatched' LIMIT 50
            """, table: "cases"),
        Hot(name: "queue tab 即将超时 (running deadlines past 80 % of their time: the yellow light)", sql: """
            SELECT COUNT(id) FROM cases WHERE cases.id IN (SELECT case_id FROM case_deadlines
            WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL
            AND warn_at <= '2026-11-18 09:00:00' AND due_at >= '2026-11-18 09:00:00')
            """, table: "case_deadlines", index: "case_deadlines_open_warn_idx"),
        Hot(name: "big screen: days of a month (case_day_totals)", sql: """
            SELECT * FROM case_day_totals WHERE area_id = 1 AND day >= '2026-11-01' AND day <= '2026-11-30'
            """, table: "case_day_totals"),
        Hot(name: "big screen: live queues (case_status_counts)", sql: "SELECT * FROM case_status_counts WHERE area_id IN (1, 2, 3)",
            table: "case_status_counts"),
        Hot(name: "statistics rollup upsert key (case_rollups)", sql: """
            SELECT * FROM case_rollups WHERE area_id = 1 AND day = '2026-11-18' AND channel = 'gridWorker' AND category_id = '\(uuid)'
            """, table: "case_rollups"),
        Hot(name: "notifications of an area (home page)", sql: """
            SELECT * FROM notifications WHERE area_id = 4 ORDER BY created_at DESC LIMIT 20
            """, table: "notifications"),
    ]

    /// The plan's lines: SQLite's `detail` column, PostgreSQL's text plan.
    func plan(_ query: String, on app: Application) async throws -> [String] {
        try await app.db.transaction { tx in
            let sql = tx as! any SQLDatabase
            if sql.dialect.name == "postgresql" {
                try await sql.raw("SET LOCAL enable_seqscan = off").run()
                return try await sql.raw("EXPLAIN \(unsafeRaw: query)").all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
            }
            return try await sql.raw("EXPLAIN QUERY PLAN \(unsafeRaw: query)").all().map { try $0.decode(column: "detail", as: String.self) }
        }
    }

    func testTheHotQueriesAnswerFromAnIndex() async throws {
        try await withApp { app in
            let postgres = (app.db as? any SQLDatabase)?.dialect.name == "postgresql"
            for hot in Self.hot {
                let lines = try await plan(hot.sql, on: app)
                let text = lines.joined(separator: "\n")
                let wholeTable = lines.contains { line in
                    postgres ? line.contains("Seq Scan on \(hot.table)")
                             : (line.hasPrefix("SCAN \(hot.table)") && !line.contains("USING"))
                }
                XCTAssertFalse(wholeTable, "\(hot.name) reads all of \(hot.table):\n\(text)")
                if let index = hot.index { XCTAssertTrue(text.contains(index), "\(hot.name) does not use \(index):\n\(text)") }
            }
        }
    }

    /// Reads a Fluent query as the driver would send it (the same converter Fluent's SQL drivers use).
    struct PlanDelegate: SQLConverterDelegate {
        func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? { nil }
    }

    func statement<M: Model>(_ builder: QueryBuilder<M>) -> SQLQueryString {
        var query = builder.query
        if query.fields.isEmpty { query.fields = [.path([.id], schema: query.schema)] }
        return "\(SQLQueryConverter(delegate: PlanDelegate()).convert(query))"
    }

    func plan(_ query: SQLQueryString, on app: Application) async throws -> [String] {
        try await app.db.transaction { tx in
            let sql = tx as! any SQLDatabase
            if sql.dialect.name == "postgresql" {
                try await sql.raw("SET LOCAL enable_seqscan = off").run()
                return try await sql.raw("EXPLAIN " + query).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
            }
            return try await sql.raw("EXPLAIN QUERY PLAN " + query).all().map { try $0.decode(column: "detail", as: String.self) }
        }
    }

    /// The statements the code builds — with the production functions, binds and all — answer from an index.
    func testTheQueriesTheCodeBuildsAnswerFromAnIndex() async throws {
        try await withApp { app in
            // setup
            let city = try await TestCity.build(app)
            let postgres = (app.db as? any SQLDatabase)?.dialect.name == "postgresql"
            let now = app.state.clock.now()
            let community = try await CurrentUser.load(city.users["op-c1"]!, via: .webSession, on: app.db)
            let department = try await CurrentUser.load(city.users["cg-1"]!, via: .webSession, on: app.db)
            let id = UUID()
            let built: [(name: String, table: String, index: String?, SQLQueryString)] = [
                ("SLA sweep (SLASweeper.missedDeadlines)", "case_deadlines", "case_deadlines_open_due_idx",
                 statement(SLASweeper.missedDeadlines(now: now, on: app.db))),
                ("case number of the day (CaseService.lastNumberQuery)", "cases", nil,
                 CaseService.lastNumberQuery(prefix: "430204001001001-20261118-")),
                ("sign-in per request (AuthService.sessionQuery)", "user_tokens", nil, AuthService.sessionQuery(tokenHash: "abc", now: now)),
                ("a case's trace (CaseQueries.trace)", "timeline_entries", nil, statement(CaseQueries.trace(of: id, on: app.db))),
                ("a case's deadlines (CaseQueries.deadlines)", "case_deadlines", nil, statement(CaseQueries.deadlines(of: id, on: app.db))),
                ("community queue 待受理 (CaseQueries.query .pending)", "cases", nil,
                 statement(try await CaseQueries.query(.pending, filter: .init(), user: community, now: now, on: app.db))),
                ("department queue 待签收 (CaseQueries.query .sign)", "cases", nil,
                 statement(try await CaseQueries.query(.sign, filter: .init(), user: department, now: now, on: app.db))),
                ("queue tab 即将超时 (CaseQueries.query .soon)", "case_deadlines", nil,
                 statement(try await CaseQueries.query(.soon, filter: .init(), user: community, now: now, on: app.db))),
                ("an area's subtree (filter(within:))", "areas", postgres ? nil : "areas_path_like_idx",
                 statement(Area.query(on: app.db).filter(within: city.community1.areaPath))),
                ("cases under an area (CaseService.visible: the grid joined by its path)", "areas", nil,
                 statement(CaseService.visible(to: community, on: app.db).filter(\Case.$status == .reported))),
                ("people by name prefix (filter(_:like: .prefix))", "people", postgres ? nil : "people_name_like_idx",
                 statement(Person.query(on: app.db).filter(\.$name, like: .prefix("张")))),
            ]
            for (name, table, index, query) in built {
                // act
                let lines = try await plan(query, on: app)
                // validate
                let text = lines.joined(separator: "\n")
                // Stricter than the list above: on SQLite a SCAN through an index still reads all of it.
                let wholeTable = lines.contains { line in
                    postgres ? line.contains("Seq Scan on \(table)") : line.hasPrefix("SCAN \(table)")
                }
                XCTAssertFalse(wholeTable, "\(name) reads all of \(table):\n\(text)")
                if let index { XCTAssertTrue(text.contains(index), "\(name) does not use \(index):\n\(text)") }
            }
        }
    }

    /// The test itself can fail: a query on a column without an index is caught.
    func testAQueryWithoutAnIndexIsCaught() async throws {
        try await withApp { app in
            let postgres = (app.db as? any SQLDatabase)?.dialect.name == "postgresql"
            let lines = try await plan("SELECT id FROM cases WHERE reporter_name = '张三'", on: app)
            XCTAssertTrue(lines.contains { postgres ? $0.contains("Seq Scan on cases") : $0.hasPrefix("SCAN cases") }, lines.joined(separator: "\n"))
        }
    }
}
