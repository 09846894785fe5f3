import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Marks missed deadlines (超时), writes one negative-list entry per missed deadline against the
/// area or department that held it, and tells them. Runs every minute; with several servers on
/// PostgreSQL an advisory lock lets exactly one of them sweep at a time. The oldest 5,000 missed
/// deadlines per run, found through the index of running deadlines (`case_deadlines_open_due_idx`;
/// the `ORDER BY due_at` keeps PostgreSQL on it), written with a few statements for all of them.
struct SLASweeper {
    let db: any Database

    struct Result: Equatable {
        var marked = 0
        var skipped = false
        /// The cases that went overdue in this sweep, with their grid's path, for the live views.
        var events: [CaseEvent] = []
    }

    /// Running deadlines already past `now`, oldest first, 5,000 a sweep (on `case_deadlines_open_due_idx`).
    static func missedDeadlines(now: Date, on db: any Database) -> QueryBuilder<CaseDeadline> {
        CaseDeadline.query(on: db)
            .filter(\.$metAt == nil).filter(\.$endedAt == nil).filter(\.$overdueAt == nil)
            .filter(\.$dueAt < now).sort(\.$dueAt).limit(5000)
    }

    @discardableResult
    func sweep(now: Date) async throws -> Result {
        try await db.transaction { tx in
            if let sql = tx as? any SQLDatabase, let lock = sql.dialectSQL.tryTransactionLock(key: 0x6369_7669_6367_7269) {
                struct Row: Decodable { let locked: Bool }
                let row = try await sql.raw(lock).first(decoding: Row.self)
                guard row?.locked == true else { return Result(skipped: true) }
            }
            let missed = try await Self.missedDeadlines(now: now, on: tx).with(\.$case).all()
            // The rule lives on the aggregate, shared with the demo history's in-memory sweep.
            let byCase = Dictionary(grouping: missed, by: { $0.$case.id })
            var aggregates: [CaseAggregate] = []
            let gridIDs = Array(Set(missed.map { $0.case.$grid.id }))
            let grids = try await Area.query(on: tx).filter(\.$id ~~ gridIDs).all()
            let paths = Dictionary(uniqueKeysWithValues: grids.map { ($0.id!, $0.path) })
            // Each case's chain (grid and ancestors), for the statistics rollups.
            let ancestorIDs = Array(Set(grids.flatMap { $0.areaPath.ids }))
            let areas = Dictionary(uniqueKeysWithValues: try await Area.query(on: tx).filter(\.$id ~~ ancestorIDs).all().map { ($0.id!, $0) })
            for (_, deadlines) in byCase {
                let record = deadlines[0].case
                let chain = (areas[record.$grid.id]?.areaPath.ids ?? []).compactMap { areas[$0] }
                let a = CaseAggregate(record: record, chain: chain, policy: .general, deadlines: deadlines, openInquiry: nil,
                                      lastSeq: 0, lastHash: "", isNew: false)
                for deadline in deadlines { a.markOverdue(deadline, now: now) }
                aggregates.append(a)
            }
            // What marking changed, written for all at once: the deadlines' overdue time and the cases' 超时 flag.
            try await RowWriter.update(CaseDeadline.schema, set: "overdue_at = \(bind: now)", ids: missed.compactMap(\.id), on: tx)
            try await RowWriter.update(Case.schema, set: "overdue = \(bind: true)", ids: aggregates.compactMap(\.record.id), on: tx)
            for a in aggregates { a.dirtyDeadlines = [] }
            try await CaseService.persistRows(of: aggregates, on: tx)
            return Result(marked: missed.count, events: aggregates.map { CaseEvent(.overdue, $0.record, gridPath: paths[$0.record.$grid.id] ?? "", at: now) })
        }
    }
}

/// Background work that runs every `interval` in a process that serves (`serve`, `demo`), never
/// in commands or tests (they call the work directly); an error is logged and the next run tries again.
struct PeriodicWork: LifecycleHandler {
    final class Box: @unchecked Sendable { var task: Task<Void, Never>? }
    let name: String
    let interval: Duration
    var enabled: @Sendable (Application) -> Bool = { _ in true }
    let work: @Sendable (Application) async throws -> Void
    let box = Box()

    func didBootAsync(_ app: Application) async throws {
        guard app.storage[RunSweeperKey.self] == true, enabled(app) else { return }
        box.task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                do { try await work(app) } catch {
                    app.logger.error("\(name) failed", metadata: ["error": .string(String(reflecting: error))])
                }
            }
        }
    }

    /// Stops the loop and waits for a run in progress to end (its transaction commits or rolls
    /// back) before the databases it uses are shut down.
    func shutdownAsync(_ app: Application) async {
        guard let task = box.task else { return }
        task.cancel()
        await task.value
        box.task = nil
    }
}

extension PeriodicWork {
    /// The SLA sweeper, once a minute by default: marks missed deadlines, tells the live views.
    static func sweeper(every seconds: Int) -> PeriodicWork {
        PeriodicWork(name: "SLA sweep", interval: .seconds(seconds)) { app in
            let now = app.state.clock.now()
            let result = try await SLASweeper(db: app.db).sweep(now: now)
            app.metrics.sweep(marked: result.marked)
            await app.state.caseEvents.publish(result.events, app: app)
            // 缓办 cases whose review date has come go back to their holder's queue.
            await app.state.caseEvents.publish(try await CaseService(db: app.db, app: app).resumeSuspended(now: now), app: app)
            if result.marked > 0 { app.logger.info("SLA sweep", metadata: ["overdue": .stringConvertible(result.marked)]) }
        }
    }
}

struct RunSweeperKey: StorageKey { typealias Value = Bool }
