import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// `civicgrid generate --cases N --months M`: adds N synthetic cases over the last M months to the
/// demo city (seeded first when the database is empty), deterministically, then rebuilds the
/// statistics rollups. On PostgreSQL the rows are made by the database itself (`generate_series`,
/// one statement per million) — 10 million cases in minutes; on SQLite in batches of 5,000.
struct GenerateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "cases", help: "Cases to add (default 1000000)")
        var cases: Int?
        @Option(name: "months", help: "Spread over this many months back from today (default 12)")
        var months: Int?
        @Option(name: "seed", help: "Random seed (default 7)")
        var seed: Int?
    }

    var help: String { "Adds synthetic cases (with rollups) to the demo city, for benchmarks." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let total = max(0, signature.cases ?? 1_000_000), months = max(1, signature.months ?? 12), seed = signature.seed ?? 7
        try await app.autoMigrate()
        _ = try await DemoSeeder(app: app).seedIfEmpty(cases: 0, peoplePerGrid: 0)
        guard let sql = app.db as? any SQLDatabase else { return }
        let started = Date()
        let already = try await Case.query(on: app.db).count()
        let grids = try await Area.query(on: app.db).filter(\.$level ~~ [.grid, .microGrid]).sort(\.$id).all().compactMap(\.id)
        let categories = try await CaseCategory.query(on: app.db).filter(\.$parent.$id != nil).sort(\.$code).all().compactMap(\.id)
        guard !grids.isEmpty, !categories.isEmpty else { throw Abort(.internalServerError, reason: "the demo city has no grids or categories") }
        let now = app.state.clock.now()
        let span = Double(months) * 30 * 86_400
        let chunk = sql.dialect.name == "postgresql" ? 1_000_000 : 5_000
        var done = 0
        func progress() {
            let width = 30, filled = total == 0 ? width : width * done / total
            let rate = Double(done) / max(Date().timeIntervalSince(started), 0.001)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "\r[" + bar + "] " + String(done) + "/" + String(total) + " cases, " + String(Int(rate)) + "/s   "
            context.console.output(line.consoleText(), newLine: false)
        }
        while done < total {
            let n = min(chunk, total - done)
            let first = already + done + 1
            if sql.dialect.name == "postgresql" {
                try await insertInPostgres(sql, first: first, count: n, grids: grids, categories: categories, now: now, span: span, seed: seed)
            } else {
                try await insertInBatches(app.db, first: first, count: n, grids: grids, categories: categories, now: now, span: span, seed: seed)
            }
            done += n
            progress()
        }
        context.console.output("".consoleText())
        context.console.info("rebuilding the rollups …")
        try await CaseRollup.rebuildInPostgres(on: app.db)
        if sql.dialect.name == "postgresql" {
            for table in ["cases", "case_rollups", "case_day_totals", "case_status_counts"] { try await sql.raw("ANALYZE \(unsafeRaw: table)").run() }
        }
        context.console.info("generated \(total) cases in \(Int(Date().timeIntervalSince(started))) s")
    }

    static let channels: [CaseChannel] = [.gridWorker, .gridWorker, .gridWorker, .resident, .hotline12345, .hotline12345, .wechatGroup, .mayorHotline]

    /// Mostly closed (on time, rated), the rest spread over the open statuses; the newest still open.
    func insertInPostgres(_ sql: any SQLDatabase, first: Int, count: Int, grids: [Int], categories: [UUID], now: Date, span: Double, seed: Int) async throws {
        let channelList = Self.channels.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let gridList = grids.map(String.init).joined(separator: ",")
        let categoryList = categories.map { "'\($0.uuidString)'::uuid" }.joined(separator: ",")
        try await sql.raw("""
            WITH p AS (SELECT ARRAY[\(unsafeRaw: gridList)] AS grids, ARRAY[\(unsafeRaw: categoryList)] AS cats, ARRAY[\(unsafeRaw: channelList)] AS chans),
            s AS (
              SELECT n, ((n::bigint * 2654435761 + \(unsafeRaw: String(seed))) % 4294967296) AS h,
                     to_timestamp(\(unsafeRaw: String(Int(now.timeIntervalSince1970))) - ((n::bigint * 40503 + \(unsafeRaw: String(seed))) % \(unsafeRaw: String(Int(span))))) AS at
              FROM generate_series(\(unsafeRaw: String(first)), \(unsafeRaw: String(first + count - 1))) AS n
            )
            INSERT INTO cases (id, code, title, description, category_id, channel, urgency, status, grid_id, reporter_name, co_handlers,
                               overdue, inquiry_open, supervised, reported_at, accepted_at, closed_at, updated_at, resolution, satisfaction, holder_area_id)
            SELECT gen_random_uuid(), 'GEN-' || s.n, '生成事件 ' || s.n, '', p.cats[1 + (s.h / 7) % array_length(p.cats, 1)],
                   p.chans[1 + (s.h / 13) % array_length(p.chans, 1)], 'normal',
                   CASE WHEN s.at > now() - interval '3 days' AND s.h % 3 = 0 THEN 'inProgress'
                        WHEN s.h % 50 = 0 THEN 'reported' WHEN s.h % 50 = 1 THEN 'dispatched' WHEN s.h % 50 = 2 THEN 'replied'
                        WHEN s.h % 50 = 3 THEN 'rejected' ELSE 'closed' END,
                   p.grids[1 + s.h % array_length(p.grids, 1)], '生成', '',
                   (s.h % 17 = 0), false, false, s.at, s.at + interval '2 hours', s.at + ((s.h % 240) || ' hours')::interval, s.at,
                   (ARRAY['resolvedOnSite','handledLocally','handledByDepartment','handledByDepartment','explained'])[1 + (s.h / 31) % 5],
                   CASE WHEN s.h % 4 = 0 THEN NULL WHEN s.h % 23 = 0 THEN 'unsatisfied' ELSE 'satisfied' END,
                   p.grids[1 + s.h % array_length(p.grids, 1)]
            FROM s, p
            """).run()
    }

    func insertInBatches(_ db: any Database, first: Int, count: Int, grids: [Int], categories: [UUID], now: Date, span: Double, seed: Int) async throws {
        var rng = SplitMix64(seed: UInt64(seed * 1_000_003 + first))
        var rows: [Case] = []
        for n in first..<(first + count) {
            let c = Case()
            let at = now.addingTimeInterval(-Double.random(in: 0..<span, using: &rng))
            let roll = Int.random(in: 0..<50, using: &rng)
            c.id = UUID(); c.code = "GEN-\(n)"; c.title = "生成事件 \(n)"; c.description = ""
            c.$category.id = categories[Int.random(in: 0..<categories.count, using: &rng)]
            c.channel = Self.channels[Int.random(in: 0..<Self.channels.count, using: &rng)]; c.urgency = .normal
            c.status = roll == 0 ? .reported : roll == 1 ? .dispatched : roll == 2 ? .replied : roll == 3 ? .rejected : .closed
            let grid = grids[Int.random(in: 0..<grids.count, using: &rng)]
            c.$grid.id = grid; c.$holderArea.id = grid; c.reporterName = "生成"; c.coHandlers = ""
            c.overdue = Int.random(in: 0..<17, using: &rng) == 0; c.inquiryOpen = false; c.supervised = false
            c.reportedAt = at; c.acceptedAt = at.addingTimeInterval(7200); c.updatedAt = at
            c.closedAt = c.status == .closed ? at.addingTimeInterval(Double(Int.random(in: 1...240, using: &rng)) * 3600) : nil
            c.resolution = c.status == .closed ? [.resolvedOnSite, .handledLocally, .handledByDepartment, .explained][Int.random(in: 0..<4, using: &rng)] : nil
            c.satisfaction = c.status == .closed && Int.random(in: 0..<4, using: &rng) > 0 ? .satisfied : nil
            rows.append(c)
        }
        let batch = rows
        try await db.transaction { tx in
            for start in stride(from: 0, to: batch.count, by: 500) { try await Array(batch[start..<min(start + 500, batch.count)]).create(on: tx) }
        }
    }
}
