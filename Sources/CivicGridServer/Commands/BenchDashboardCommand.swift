import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// `civicgrid bench-dashboard`: the big screen's board for the district (data from the rollups and
/// the rendered fragment, as `/dashboard/board` serves it) against the same figures counted from the
/// cases table by full scans, in the same process on the same database. Prints p50/p95 and the ratio.
struct BenchDashboardCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "runs", help: "Board renders to time (default 200)")
        var runs: Int?
        @Option(name: "naive-runs", help: "Full-scan runs to time (default 5)")
        var naiveRuns: Int?
        @Option(name: "user", help: "Whose board (default qu-zx, the district operator)")
        var user: String?
    }

    var help: String { "Benchmarks the command-center board (rollups) against counting the cases table." }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let account = try await User.query(on: app.db).filter(\.$username == (signature.user ?? "qu-zx")).first() else {
            throw Abort(.notFound, reason: "no such user; run `civicgrid generate` first")
        }
        let user = try await CurrentUser.load(account, via: .webSession, on: app.db)
        guard let root = try await AreaService(db: app.db, levels: app.state.levels).scopeRoots(user.scope).first else { throw Abort(.forbidden) }
        let cases = try await Case.query(on: app.db).count()
        let clock = ContinuousClock()
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

        // Ours: what /dashboard/board does, rendering included.
        var ours: [Double] = []
        let runs = signature.runs ?? 200
        for i in 0..<(runs + 5) {
            let req = Request(application: app, method: .GET, url: URI(string: SiteURL.dashboardBoard.path(["area": "\(root.id!)"])), on: app.eventLoopGroup.next())
            req.auth.login(user)
            let start = clock.now
            let view = try await DashboardController.fragment(req: req)
            let elapsed = ms(clock.now - start)
            precondition(view.data.readableBytes > 0)
            if i >= 5 { ours.append(elapsed) }  // the first few warm the caches
        }

        // Where the time goes: the data alone, and each of its queries' share is in the difference.
        var dataOnly: [Double] = []
        for _ in 0..<20 {
            let req = Request(application: app, method: .GET, url: URI(string: SiteURL.dashboardBoard.path(["area": "\(root.id!)"])), on: app.eventLoopGroup.next())
            req.auth.login(user)
            let start = clock.now
            _ = try await DashboardController.board(req, user: user)
            dataOnly.append(ms(clock.now - start))
        }
        context.console.info(String(format: "board data only p50 %.1f ms (the rest is rendering)", Self.percentile(dataOnly, 0.5)))

        // Baseline: the same figures by scanning the cases of the area.
        guard let sql = app.db as? any SQLDatabase else { return }
        let today = LocalDate(app.state.clock.now())
        let monthStart = LocalDate(year: today.year, month: today.month, day: 1).startInstant
        let since30 = today.adding(days: -29).startInstant, todayStart = today.startInstant
        var naive: [Double] = []
        for _ in 0..<(signature.naiveRuns ?? 5) {
            let start = clock.now
            _ = try await sql.raw("""
                SELECT COUNT(*) FILTER (WHERE c.reported_at >= \(bind: todayStart)) AS today_received,
                       COUNT(*) FILTER (WHERE c.reported_at >= \(bind: todayStart) AND c.status = 'closed') AS today_closed,
                       COUNT(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected')) AS open,
                       COUNT(*) FILTER (WHERE c.overdue AND c.status NOT IN ('closed', 'rejected')) AS open_overdue,
                       COUNT(*) FILTER (WHERE c.reported_at >= \(bind: monthStart)) AS month_received,
                       COUNT(*) FILTER (WHERE c.reported_at >= \(bind: monthStart) AND c.status = 'closed') AS month_closed,
                       COUNT(*) FILTER (WHERE c.reported_at >= \(bind: monthStart) AND c.status = 'closed' AND NOT c.overdue) AS month_on_time,
                       COUNT(*) FILTER (WHERE c.reported_at >= \(bind: monthStart) AND c.satisfaction IN ('satisfied', 'mostlySatisfied')) AS month_satisfied
                FROM cases c JOIN areas g ON g.id = c.grid_id WHERE \(ScopeSQL.within(root.areaPath, table: "g"))
                """).all()
            _ = try await sql.raw("""
                SELECT c.status, COUNT(*) FROM cases c JOIN areas g ON g.id = c.grid_id WHERE \(ScopeSQL.within(root.areaPath, table: "g")) GROUP BY c.status
                """).all()
            _ = try await sql.raw("""
                SELECT CAST(c.reported_at AS DATE) AS d, COUNT(*), COUNT(*) FILTER (WHERE c.status = 'closed') FROM cases c JOIN areas g ON g.id = c.grid_id
                WHERE \(ScopeSQL.within(root.areaPath, table: "g")) AND c.reported_at >= \(bind: since30) GROUP BY 1
                """).all()
            _ = try await sql.raw("""
                SELECT ch.id, COUNT(*) FILTER (WHERE c.reported_at >= \(bind: monthStart)), COUNT(*) FILTER (WHERE c.status NOT IN ('closed', 'rejected'))
                FROM cases c JOIN areas g ON g.id = c.grid_id JOIN areas ch ON ch.parent_id = \(bind: root.id!) AND \(ScopeSQL.descendant("g", of: "ch")) GROUP BY ch.id
                """).all()
            naive.append(ms(clock.now - start))
        }
        let p50 = Self.percentile(ours, 0.5), p95 = Self.percentile(ours, 0.95)
        let n50 = Self.percentile(naive, 0.5), n95 = Self.percentile(naive, 0.95)
        context.console.info(String(format: "cases %d · board (rollups, rendered) p50 %.1f ms p95 %.1f ms over %d runs · full scan p50 %.1f ms p95 %.1f ms over %d runs · p95 ratio %.0f×",
                                    cases, p50, p95, ours.count, n50, n95, naive.count, n95 / max(p95, 0.001)))
        print(String(format: #"{"cases":%d,"board_p50_ms":%.2f,"board_p95_ms":%.2f,"naive_p50_ms":%.1f,"naive_p95_ms":%.1f,"ratio_p95":%.1f}"#,
                     cases, p50, p95, n50, n95, n95 / max(p95, 0.001)))
    }
}
