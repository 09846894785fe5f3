import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// `civicgrid bench-sweep`: the minute's SLA sweep (`SLASweeper`, as the server runs it) over a
/// PostgreSQL database holding OPEN open cases with a running deadline each and HISTORY closed ones
/// whose deadlines were met, PER_MINUTE of the open deadlines falling due in each swept minute.
/// Baseline in the same run: the naive sweep that reads every open deadline and compares in memory.
struct BenchSweepCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "open", help: "Open cases with a running deadline (default 1000000)")
        var open: Int?
        @Option(name: "history", help: "Closed cases with met deadlines (default 1000000)")
        var history: Int?
        @Option(name: "per-minute", help: "Deadlines falling due in each swept minute (default 1000)")
        var perMinute: Int?
        @Option(name: "sweeps", help: "Minutes swept (default 5)")
        var sweeps: Int?
    }

    var help: String { "Benchmarks the SLA sweep over many open cases (PostgreSQL)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        _ = try await DemoSeeder(app: app).seedIfEmpty(cases: 0, peoplePerGrid: 0)
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "postgresql" else {
            throw Abort(.badRequest, reason: "bench-sweep needs PostgreSQL (DATABASE_URL)")
        }
        let open = signature.open ?? 1_000_000, history = signature.history ?? 1_000_000
        let perMinute = signature.perMinute ?? 1_000, sweeps = signature.sweeps ?? 5
        let now = Date(timeIntervalSince1970: (app.state.clock.now().timeIntervalSince1970 / 60).rounded(.down) * 60)
        let t0 = Int(now.timeIntervalSince1970)
        let grids = try await Area.query(on: app.db).filter(\.$level == .grid).sort(\.$id).all().compactMap(\.id)
        guard let category = try await CaseCategory.query(on: app.db).filter(\.$parent.$id != nil).sort(\.$code).first()?.id else {
            throw Abort(.internalServerError, reason: "no categories")
        }
        let gridList = grids.map(String.init).joined(separator: ",")
        let clock = ContinuousClock()
        let started = clock.now
        context.console.info("generating \(open) open and \(history) closed cases with deadlines …")
        // Open cases: the first sweeps × perMinute fall due one minute after another from now on,
        // the rest in the next 30 days. Closed cases: deadlines met in the last year.
        try await sql.raw("""
            INSERT INTO cases (id, code, title, description, category_id, channel, urgency, status, grid_id, reporter_name, co_handlers,
                               overdue, inquiry_open, supervised, reported_at, accepted_at, closed_at, updated_at, holder_area_id)
            SELECT gen_random_uuid(), 'SWP-' || n, '时限压测 ' || n, '', \(bind: category), 'gridWorker', 'normal',
                   CASE WHEN n <= \(bind: open) THEN 'inProgress' ELSE 'closed' END,
                   (ARRAY[\(unsafeRaw: gridList)])[1 + n % \(unsafeRaw: String(grids.count))], '压测', '', false, false, false,
                   to_timestamp(\(unsafeRaw: String(t0)) - 86400 - n % 31536000), to_timestamp(\(unsafeRaw: String(t0)) - 86400 - n % 31536000),
                   CASE WHEN n <= \(bind: open) THEN NULL ELSE to_timestamp(\(unsafeRaw: String(t0)) - n % 31536000) END,
                   to_timestamp(\(unsafeRaw: String(t0))), (ARRAY[\(unsafeRaw: gridList)])[1 + n % \(unsafeRaw: String(grids.count))]
            FROM generate_series(1, \(bind: open + history)) AS n
            """).run()
        try await sql.raw("""
            INSERT INTO case_deadlines (id, case_id, kind, due_at, area_id, started_at, met_at)
            SELECT gen_random_uuid(), c.id, 'resolve',
                   CASE WHEN s.n <= \(bind: sweeps * perMinute) THEN to_timestamp(\(unsafeRaw: String(t0)) + 60 * ((s.n - 1) / \(bind: perMinute)) + 1)
                        WHEN s.n <= \(bind: open) THEN to_timestamp(\(unsafeRaw: String(t0)) + 3600 + s.n % 2592000)
                        ELSE c.reported_at + interval '5 days' END,
                   c.holder_area_id, c.reported_at, c.closed_at
            FROM cases c, LATERAL (SELECT substr(c.code, 5)::int AS n) s
            WHERE c.code LIKE 'SWP-%'
            """).run()
        try await sql.raw("ANALYZE cases").run()
        try await sql.raw("ANALYZE case_deadlines").run()
        context.console.info("generated in \(Int((clock.now - started).components.seconds)) s")

        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        // Ours: the real sweep, one swept minute after another.
        var ours: [Double] = []
        for minute in 0..<sweeps {
            let at = now.addingTimeInterval(Double(minute * 60 + 59))
            let start = clock.now
            let result = try await SLASweeper(db: app.db).sweep(now: at)
            ours.append(ms(clock.now - start))
            guard result.marked == perMinute else {
                throw Abort(.internalServerError, reason: "sweep \(minute) marked \(result.marked), expected \(perMinute)")
            }
        }
        // Baseline: every open deadline read, compared in memory.
        struct Row: Decodable { let id: UUID; let due_at: Date }
        var naive: [Double] = []
        for _ in 0..<3 {
            let start = clock.now
            let rows = try await sql.raw("SELECT id, due_at FROM case_deadlines WHERE met_at IS NULL AND ended_at IS NULL AND overdue_at IS NULL")
                .all(decoding: Row.self)
            let late = rows.filter { $0.due_at < now.addingTimeInterval(Double(sweeps * 60 + 59)) }.count
            naive.append(ms(clock.now - start))
            precondition(late == 0 && rows.count >= open - sweeps * perMinute)
        }
        let p50 = BenchDashboardCommand.percentile(ours, 0.5), worst = ours.max() ?? 0
        let base = BenchDashboardCommand.percentile(naive, 0.5)
        context.console.output("sweep: \(sweeps) minutes × \(perMinute) deadlines falling due, \(open) open cases, \(history) closed".consoleText())
        context.console.output("ours: p50 \(String(format: "%.1f", p50)) ms, worst \(String(format: "%.1f", worst)) ms".consoleText())
        context.console.output("baseline (read every open deadline): p50 \(String(format: "%.1f", base)) ms".consoleText())
        context.console.output("RESULT open=\(open) perMinute=\(perMinute) p50=\(String(format: "%.1f", p50)) worst=\(String(format: "%.1f", worst)) naive=\(String(format: "%.1f", base))".consoleText())
    }
}
