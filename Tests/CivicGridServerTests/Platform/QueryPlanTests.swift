import Fluent
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
        Hot(name: "queue tab 即将超时 (running deadlines due within a day)", sql: """
            SELECT COUNT(id) FROM cases WHERE cases.id IN (SELECT case_id FROM case_deadlines
            WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL
            AND due_at >= '2026-11-18 09:00:00' AND due_at < '2026-11-19 09:00:00')
            """, table: "case_deadlines", index: "case_deadlines_open_due_idx"),
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

    /// The test itself can fail: a query on a column without an index is caught.
    func testAQueryWithoutAnIndexIsCaught() async throws {
        try await withApp { app in
            let postgres = (app.db as? any SQLDatabase)?.dialect.name == "postgresql"
            let lines = try await plan("SELECT id FROM cases WHERE reporter_name = '张三'", on: app)
            XCTAssertTrue(lines.contains { postgres ? $0.contains("Seq Scan on cases") : $0.hasPrefix("SCAN cases") }, lines.joined(separator: "\n"))
        }
    }
}
