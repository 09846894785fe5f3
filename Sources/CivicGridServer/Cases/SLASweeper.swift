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

    @discardableResult
    func sweep(now: Date) async throws -> Result {
        try await db.transaction { tx in
            if let sql = tx as? any SQLDatabase, let lock = sql.dialectSQL.tryTransactionLock(key: 0x6369_7669_6367_7269) {
                struct Row: Decodable { let locked: Bool }
                let row = try await sql.raw(lock).first(decoding: Row.self)
                guard row?.locked == true else { return Result(skipped: true) }
            }
            let missed = try await CaseDeadline.query(on: tx)
                .filter(\.$metAt == nil).filter(\.$endedAt == nil).filter(\.$overdueAt == nil)
                .filter(\.$dueAt < now).sort(\.$dueAt).with(\.$case).limit(5000).all()
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
            let result = try await SLASweeper(db: app.db).sweep(now: app.state.clock.now())
            app.metrics.sweep(marked: result.marked)
            await app.state.caseEvents.publish(result.events, app: app)
            if result.marked > 0 { app.logger.info("SLA sweep", metadata: ["overdue": .stringConvertible(result.marked)]) }
        }
    }
}

struct RunSweeperKey: StorageKey { typealias Value = Bool }

/// `civicgrid verify-trail`: checks every case's hash chain and reports the first broken link.
enum TrailVerifier {
    static func verify(on db: any Database) async throws -> (cases: Int, breaks: [TimelineChain.Break]) {
        var breaks: [TimelineChain.Break] = []
        var count = 0
        var offset = 0
        let page = 500
        while true {
            let cases = try await Case.query(on: db).sort(\.$code).range(offset..<(offset + page)).all()
            if cases.isEmpty { break }
            let entries = try await TimelineEntry.query(on: db).filter(\.$case.$id ~~ cases.compactMap(\.id)).all()
            let byCase = Dictionary(grouping: entries, by: { $0.$case.id })
            for c in cases {
                count += 1
                let rows = (byCase[c.id!] ?? []).map { ($0.record(caseCode: c.code), $0.prevHash, $0.hash) }
                if rows.isEmpty { breaks.append(.init(caseCode: c.code, seq: 0, why: "没有任何流转记录")); continue }
                if let broken = TimelineChain.verify(rows) { breaks.append(broken) }
            }
            offset += page
        }
        return (count, breaks)
    }

    /// The same for every agent-handled service's steps (帮办代办).
    static func verifyAgentServices(on db: any Database) async throws -> (requests: Int, breaks: [TimelineChain.Break]) {
        var breaks: [TimelineChain.Break] = []
        var count = 0, offset = 0
        let page = 500
        while true {
            let requests = try await AgentServiceRequest.query(on: db).sort(\.$trackingCode).range(offset..<(offset + page)).all()
            if requests.isEmpty { break }
            let steps = try await AgentServiceStep.query(on: db).filter(\.$requestID ~~ requests.compactMap(\.id)).all()
            let byRequest = Dictionary(grouping: steps, by: \.requestID)
            for r in requests {
                count += 1
                let rows = (byRequest[r.id!] ?? []).map { ($0.record(code: r.trackingCode), $0.prevHash, $0.hash) }
                let label = "帮办代办 " + r.trackingCode
                if rows.isEmpty { breaks.append(.init(caseCode: label, seq: 0, why: "没有任何办理记录")); continue }
                if let broken = TimelineChain.verify(rows) { breaks.append(.init(caseCode: label, seq: broken.seq, why: broken.why)) }
            }
            offset += page
        }
        return (count, breaks)
    }
}

struct VerifyTrailCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Verifies the hash chain of every case's timeline and every agent-handled service's steps, and reports the first broken link of each." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let (cases, caseBreaks) = try await TrailVerifier.verify(on: context.application.db)
        let (requests, agentBreaks) = try await TrailVerifier.verifyAgentServices(on: context.application.db)
        let breaks = caseBreaks + agentBreaks
        if breaks.isEmpty {
            context.console.info("全面留痕校验通过: \(cases) cases and \(requests) agent-handled services, every chain intact.")
        } else {
            for b in breaks { context.console.error("BROKEN \(b.description)") }
            throw Abort(.internalServerError, reason: "\(breaks.count) of \(cases + requests) trails are broken")
        }
    }
}

enum Formatting {
    static func dateTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// A working-day deadline falls at midnight: shown as the end of its last day ("2026-12-02 24:00").
    static func deadline(_ date: Date) -> String {
        let text = dateTime(date)
        guard text.hasSuffix(" 00:00") else { return text }
        return dateTime(date.addingTimeInterval(-60)).prefix(10) + " 24:00"
    }

    /// "14:05", Beijing time.
    static func time(_ date: Date) -> String { String(dateTime(date).suffix(5)) }

    static func points(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// "剩余 2天3小时" / "超时 5小时".
    static func remaining(until due: Date, now: Date) -> String {
        let seconds = Int(due.timeIntervalSince(now))
        let abs = Swift.abs(seconds)
        let days = abs / 86_400, hours = (abs % 86_400) / 3600, minutes = (abs % 3600) / 60
        let span = days > 0 ? "\(days)天\(hours)小时" : hours > 0 ? "\(hours)小时\(minutes)分" : "\(minutes)分钟"
        return seconds >= 0 ? "剩余 \(span)" : "超时 \(span)"
    }
}
