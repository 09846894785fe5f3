import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor
import XCTVapor
@testable import CivicGridServer

/// The statistics rollups: kept in each case change's transaction, always equal to a recount.
final class StatsTests: XCTestCase {
    struct Row: Hashable { let area: Int; let day: String; let channel: String; let category: UUID; let counters: [Int] }

    func snapshot(_ app: Application) async throws -> (rows: Set<Row>, statuses: [String: Int], departments: [String: [Int]]) {
        let sql = app.db as! any SQLDatabase
        let cols = CaseFacts.counterNames.joined(separator: ", ")
        var rows = Set<Row>()
        for r in try await sql.raw("SELECT area_id, day, channel, category_id, \(unsafeRaw: cols) FROM case_rollups").all() {
            let counters = try CaseFacts.counterNames.map { try r.decode(column: $0, as: Int.self) }
            guard counters.contains(where: { $0 != 0 }) else { continue }  // a row that went back to zero is the same as none
            rows.insert(Row(area: try r.decode(column: "area_id", as: Int.self), day: try r.decode(column: "day", as: String.self),
                            channel: try r.decode(column: "channel", as: String.self), category: try r.decode(column: "category_id", as: UUID.self),
                            counters: counters))
        }
        // The per-day table is the fine one summed.
        let days = try await sql.raw("SELECT area_id, day, \(unsafeRaw: cols) FROM case_day_totals").all()
        var summed: [String: [Int]] = [:]
        for r in rows { summed["\(r.area)/\(r.day)"] = zip(summed["\(r.area)/\(r.day)"] ?? Array(repeating: 0, count: r.counters.count), r.counters).map { $0 + $1 } }
        var perDay: [String: [Int]] = [:]
        for d in days {
            let counters = try CaseFacts.counterNames.map { try d.decode(column: $0, as: Int.self) }
            if counters.contains(where: { $0 != 0 }) { perDay["\(try d.decode(column: "area_id", as: Int.self))/\(try d.decode(column: "day", as: String.self))"] = counters }
        }
        XCTAssertEqual(perDay, summed, "case_day_totals = case_rollups summed per area and day")
        var statuses: [String: Int] = [:]
        for r in try await sql.raw("SELECT area_id, status, n FROM case_status_counts").all() {
            let n = try r.decode(column: "n", as: Int.self)
            if n != 0 { statuses["\(try r.decode(column: "area_id", as: Int.self))/\(try r.decode(column: "status", as: String.self))"] = n }
        }
        var departments: [String: [Int]] = [:]
        for r in try await sql.raw("SELECT area_id, department_id, day, \(unsafeRaw: cols) FROM case_department_rollups").all() {
            let counters = try CaseFacts.counterNames.map { try r.decode(column: $0, as: Int.self) }
            guard counters.contains(where: { $0 != 0 }) else { continue }
            departments["\(try r.decode(column: "area_id", as: Int.self))/\(try r.decode(column: "department_id", as: UUID.self))/\(try r.decode(column: "day", as: String.self))"] = counters
        }
        return (rows, statuses, departments)
    }

    /// Every exception path through the API on the seeded demo: 延期 granted, 缓办 and its return, 退单 refused,
    /// 回访 with 重办, 撤件 and 作废.
    func walkTheExceptionPaths(_ app: Application, clock: FixedClock) async throws {
        let community = try await app.token("sq01-zx", password: "demo1234"), street = try await app.token("jd1-zx", password: "demo1234")
        let cg = try await app.token("bm-cg1", password: "demo1234")
        let category = try await app.category("SZ01"), cgID = try await app.department("CG")
        let grid = try await Area.query(on: app.db).filter(\.$name == "新桥社区第1网格").first()!
        func report(_ title: String, channel: String = "resident") async throws -> UUID {
            let created = try await app.api(.POST, "/api/v1/cases", token: community, json: """
                {"categoryID":"\(category)","title":"\(title)","description":"新桥路","gridID":\(grid.id!),"channel":"\(channel)"}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            return try created.content.decode(CaseAPIController.CaseDTO.self).id
        }
        func act(_ id: UUID, _ token: String, _ json: String) async throws {
            let r = try await app.api(.POST, "/api/v1/cases/\(id)/actions", token: token, json: json)
            XCTAssertEqual(r.status, .ok, "\(json): \(r.body.string)")
        }
        let dispatch = #"{"action":"dispatch","department":"\#(cgID)"}"#
        let a = try await report("井盖缺失待补")
        for (token, json) in [(community, #"{"action":"accept"}"#), (community, dispatch), (cg, #"{"action":"acknowledge"}"#),
                              (cg, #"{"action":"requestExtension","comment":"等配件","workingDays":3}"#),
                              (community, #"{"action":"decideExtension","approved":true}"#),
                              (cg, #"{"action":"returnCase","comment":"应由住建处理"}"#),
                              (community, #"{"action":"reviewReturn","approved":false,"comment":"属城管职责"}"#),
                              (cg, #"{"action":"reply","comment":"已补装"}"#), (community, #"{"action":"verify","passed":true}"#),
                              (community, #"{"action":"callback","contact":"reached","resolved":false,"satisfaction":"unsatisfied","comment":"仍松动"}"#),
                              (cg, #"{"action":"reply","comment":"已加固"}"#), (community, #"{"action":"verify","passed":true}"#),
                              (community, #"{"action":"callback","contact":"reached","resolved":true,"satisfaction":"satisfied"}"#)] {
            try await act(a, token, json)
        }
        let b = try await report("路灯待更换")
        for (token, json) in [(community, #"{"action":"accept"}"#), (community, dispatch), (cg, #"{"action":"acknowledge"}"#),
                              (cg, #"{"action":"suspend","comment":"待下季度资金","reviewDate":"2026-12-21"}"#),
                              (community, #"{"action":"decideSuspension","approved":true}"#)] {
            try await act(b, token, json)
        }
        let c = try await report("误录工单", channel: "wechatGroup")
        try await act(c, community, #"{"action":"void","comment":"重复录入"}"#)
        try await act(c, street, #"{"action":"decideVoid","approved":true}"#)
        // An operator merges a report of another category into the suspended one: it moves to the master's category.
        let other = try await app.api(.POST, "/api/v1/cases", token: community, json: """
            {"categoryID":"\(try await app.category("HJ03"))","title":"路口有坑","description":"新桥路","gridID":\(grid.id!),"channel":"wechatGroup"}
            """)
        let otherID = try other.content.decode(CaseAPIController.CaseDTO.self).id
        let merge = try await app.api(.POST, "/api/v1/cases/\(otherID)/merge", token: community, json: #"{"masterID":"\#(b)"}"#)
        XCTAssertEqual(merge.status, .ok, merge.body.string)
        // 改分类 of a dispatched case: only its category moves, with everything counted so far.
        let e = try await report("其实是噪声问题")
        for (token, json) in [(community, #"{"action":"accept"}"#), (community, dispatch),
                              (community, #"{"action":"recategorize","category":"\#(try await app.category("HJ03"))","comment":"实为噪声扰民"}"#)] {
            try await act(e, token, json)
        }
        let d = try await report("已自行解决的诉求")
        try await act(d, community, #"{"action":"withdraw","comment":"来电撤回"}"#)
        // The sweeper brings the suspended one back on its review date.
        clock.advance(by: 40 * 86_400)
        _ = try await CaseService(db: app.db, app: app).resumeSuspended(now: clock.now())
        expectEqual(try await Case.find(b, on: app.db)?.status, .inProgress)
    }

    func testRollupsEqualARecountAfterADemoHistoryLiveActionsAndTheSweeper() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            // A realistic history (reports, acceptances, dispatches, returns, escalations, ratings, reopenings, merges).
            _ = try await DemoSeeder(app: app).seedIfEmpty(cases: 150, days: 40)
            // Live changes through the API on top: a report, accepted and handled; an unsatisfied rating that reopens.
            let operator_ = try await app.token("sq01-zx", password: "demo1234")
            let category = try await app.category("SZ01")
            let grid = try await Area.query(on: app.db).filter(\.$name == "新桥社区第1网格").first()!
            let created = try await app.api(.POST, "/api/v1/cases", token: operator_, json: """
                {"categoryID":"\(category)","title":"井盖松动","description":"新桥路 3 号井盖松动","gridID":\(grid.id!),"channel":"wechatGroup"}
                """)
            XCTAssertEqual(created.status, .created, created.body.string)
            let id = try created.content.decode(CaseAPIController.CaseDTO.self).id
            for action in [#"{"action":"accept"}"#, #"{"action":"handleLocally","comment":"社区安排维修"}"#, #"{"action":"reply","comment":"已加固"}"#] {
                let r = try await app.api(.POST, "/api/v1/cases/\(id)/actions", token: operator_, json: action)
                XCTAssertLessThan(r.status.code, 300, r.body.string)
            }
            try await walkTheExceptionPaths(app, clock: clock)
            // The sweeper marks what went overdue a week later.
            clock.advance(by: 7 * 86_400)
            _ = try await SLASweeper(db: app.db).sweep(now: clock.now())

            let kept = try await snapshot(app)
            XCTAssertFalse(kept.rows.isEmpty)
            let recount = try await CaseRollup.rebuild(on: app.db)
            expectEqual(recount, try await Case.query(on: app.db).count())
            let rebuilt = try await snapshot(app)
            XCTAssertEqual(kept.statuses, rebuilt.statuses, "live queues equal a recount")
            XCTAssertEqual(kept.departments, rebuilt.departments, "department rollups equal a recount")
            // Every new path left its count.
            let all = try await CaseRollup.totals(area: try await Area.query(on: app.db).filter(\.$level == .district).first()!.id!,
                                                  from: "2000-01-01", to: "2100-01-01", on: app.db).facts
            for (name, n) in [("extended", all.extended), ("returnsRefused", all.returnsRefused), ("reworks", all.reworks), ("withdrawn", all.withdrawn),
                              ("voided", all.voided), ("callbackReached", all.callbackReached), ("redispatches", all.redispatches)] {
                XCTAssertGreaterThan(n, 0, name)
            }
            if (app.db as? any SQLDatabase)?.dialect.name == "postgresql" {
                // The generator's SQL rebuild says the same as the Swift recount.
                try await CaseRollup.rebuildInPostgres(on: app.db)
                let bySQL = try await snapshot(app)
                XCTAssertEqual(bySQL.statuses, rebuilt.statuses)
                XCTAssertEqual(bySQL.rows, rebuilt.rows)
                XCTAssertEqual(bySQL.departments, rebuilt.departments)
            }
            XCTAssertEqual(kept.rows.subtracting(rebuilt.rows).count, 0, "rows only in the kept rollups")
            for r in kept.rows.subtracting(rebuilt.rows).prefix(3) {
                let twin = rebuilt.rows.first { $0.area == r.area && $0.day == r.day && $0.channel == r.channel && $0.category == r.category }
                print("KEPT", r.day, r.channel, zip(CaseFacts.counterNames, r.counters).filter { $0.1 != 0 }, "RECOUNT", twin.map { zip(CaseFacts.counterNames, $0.counters).filter { $0.1 != 0 } } ?? [])
            }
            XCTAssertEqual(rebuilt.rows.subtracting(kept.rows).count, 0, "rows only in the recount")

            // And the district's totals are the cases: received = every case, closed = every closed one.
            let district = try await Area.query(on: app.db).filter(\.$level == .district).first()!
            let totals = try await CaseRollup.totals(area: district.id!, from: "2000-01-01", to: "2100-01-01", on: app.db)
            expectEqual(totals.facts.received, try await Case.query(on: app.db).count())
            expectEqual(totals.facts.closed, try await Case.query(on: app.db).filter(\.$status == .closed).count())
            expectEqual(totals.facts.overdue, try await Case.query(on: app.db).filter(\.$overdue == true).count())
            let queues = try await CaseRollup.statusCounts(area: district.id!, on: app.db)
            expectEqual(queues[.inProgress] ?? 0, try await Case.query(on: app.db).filter(\.$status == .inProgress).count())
        }
    }

    func testTheStatisticsPageTheExportAndTheBigScreenReadTheRollups() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let community = try await app.token("op-c1")
            let category = try await app.category("SZ01")
            for title in ["井盖缺失", "井盖破损"] {
                let r = try await app.api(.POST, "/api/v1/cases", token: community, json: """
                    {"categoryID":"\(category)","title":"\(title)","description":"清水路","gridID":\(city.gridA.id!),"channel":"wechatGroup"}
                    """)
                XCTAssertEqual(r.status, .created, r.body.string)
            }
            let district = app.browser()
            _ = try await district.login("op-d")
            let page = try await district.get("/stats?from=2026-11-01&to=2026-11-30")
            XCTAssertEqual(page.status, .ok, page.body.string)
            let html = page.body.string
            XCTAssertTrue(html.contains("按期结案率") && html.contains("结案数 ÷（应结案数 − 缓办数）"), "rates with their definitions")
            XCTAssertTrue(html.contains("id=\"indicators\"") && html.contains("派遣准确率") && html.contains("回访满意率"), "the standard's indicators")
            XCTAssertTrue(html.contains("清水塘街道"), "the district's streets, to drill into")
            XCTAssertTrue(html.contains("<svg class=\"chart\""), "the trend chart")
            XCTAssertTrue(html.contains("微信群"))
            expectEqual(try await district.get("/stats?from=2026-11-30&to=2026-11-01").status, .badRequest)
            expectEqual(try await district.get("/stats?from=2020-01-01&to=2026-11-01").status, .badRequest, "at most three years")
            // A street operator cannot look at another street.
            let other = app.browser()
            _ = try await other.login("op-s2")
            expectEqual(try await other.get("/stats?area=\(city.gridA.id!)").status, .notFound)

            let csv = try await district.get("/stats/export?format=csv&from=2026-11-01&to=2026-11-30")
            XCTAssertEqual(csv.status, .ok)
            let text = csv.body.string
            XCTAssertTrue(text.contains("结案率") && text.contains("派遣准确率") && text.contains("口径"))
            XCTAssertTrue(text.contains("微信群,2,0"), text)
            let xlsx = try await district.get("/stats/export?format=xlsx")
            XCTAssertEqual(Array(xlsx.body.readableBytesView.prefix(2)), [0x50, 0x4B], "a ZIP (XLSX)")

            let screen = try await district.get("/dashboard")
            XCTAssertEqual(screen.status, .ok)
            XCTAssertTrue(screen.body.string.contains("今日受理") && screen.body.string.contains("井盖缺失"))
            let board = try await district.get("/dashboard/board?area=\(city.gridA.id!)")
            XCTAssertTrue(board.body.string.contains("井盖破损"))
            XCTAssertFalse(board.body.string.contains("<html"), "a fragment to swap in")
        }
    }
}
