import Fluent
import Foundation
import Vapor
import Synchronization

/// Group commit for new cases: reports that arrive while a write is running wait for it and are then
/// written together — case numbers drawn, rows inserted several per statement, rollups summed, one
/// commit — instead of one transaction each. Alone, a report is written at once (a batch of one), so
/// a quiet server adds no delay; under load the commits, statements and (on SQLite) the single
/// writer's turns are shared. Each report still gets its own answer: a report whose rows cannot be
/// built fails alone, and a batch the database refuses is written again one report at a time.
final class IntakeQueue: Sendable {
    /// One waiting report: its case-number prefix (`{grid}-{yyyyMMdd}-`) and how to build its
    /// aggregate once its number is known.
    struct Job: Sendable {
        let prefix: String
        let build: @Sendable (_ code: String) throws -> CaseAggregateBox
        /// The live-view event of the written case.
        let event: @Sendable (Case) -> CaseEvent
        let answer: CheckedContinuation<Case, any Error>
    }

    /// Carries a freshly built aggregate out of a job's closure (it never leaves the drain task).
    struct CaseAggregateBox: @unchecked Sendable { let aggregate: CaseAggregate }

    static let maxBatch = 128

    private struct State {
        var running = false
        var waiting: [Job] = []
        /// The last case number this process gave per prefix, so a busy grid's day is not looked up
        /// again for every batch. Another instance may have numbered since: the unique index then
        /// refuses the batch, the numbers are forgotten and the retry looks again.
        var lastNumber: [String: Int] = [:]
        var largestBatch = 0
    }

    /// The most reports written in one transaction so far (tests, diagnostics).
    var largestBatch: Int { state.withLock { $0.largestBatch } }
    private let state = Mutex(State())

    /// Queues a report and waits until it is committed (or refused); its event is published with
    /// the batch (in the transaction on PostgreSQL, after the commit on SQLite).
    func submit(prefix: String, on db: any Database, app: Application, event: @escaping @Sendable (Case) -> CaseEvent,
                build: @escaping @Sendable (_ code: String) throws -> CaseAggregateBox) async throws -> Case {
        try await withCheckedThrowingContinuation { (answer: CheckedContinuation<Case, any Error>) in
            let job = Job(prefix: prefix, build: build, event: event, answer: answer)
            let start = state.withLock { s -> Bool in
                s.waiting.append(job)
                if s.running { return false }
                s.running = true
                return true
            }
            if start { Task { await self.drain(on: db, app: app) } }
        }
    }

    private func drain(on db: any Database, app: Application) async {
        while true {
            let jobs = state.withLock { s -> [Job] in
                let taken = Array(s.waiting.prefix(Self.maxBatch))
                s.waiting.removeFirst(taken.count)
                s.largestBatch = max(s.largestBatch, taken.count)
                if taken.isEmpty { s.running = false }
                return taken
            }
            if jobs.isEmpty { return }
            do {
                try await write(jobs, on: db, app: app)
            } catch where jobs.count > 1 {
                // One report's rows spoiled the batch: write each alone, so only that one fails.
                for job in jobs {
                    do { try await write([job], on: db, app: app) } catch { job.answer.resume(throwing: error) }
                }
            } catch {
                jobs[0].answer.resume(throwing: error)
            }
        }
    }

    /// One transaction for the batch: numbers drawn per grid and day, rows written together. Jobs
    /// whose aggregate cannot be built are answered with their error and left out.
    private func write(_ jobs: [Job], on db: any Database, app: Application) async throws {
        let hub = app.state.caseEvents
        let (outcome, notified): ([(Int, Result<Case, any Error>)], Bool) = try await db.writeTransaction { tx in
            var built: [(Int, CaseAggregate)] = []
            var failed: [(Int, Result<Case, any Error>)] = []
            for (i, job) in jobs.enumerated() {
                let n = try await self.nextNumber(job.prefix, on: tx)
                do {
                    built.append((i, try job.build(job.prefix + CaseService.sequence(n)).aggregate))
                } catch {
                    // Give the number back unless a later report has drawn one since.
                    self.state.withLock { s in if s.lastNumber[job.prefix] == n { s.lastNumber[job.prefix] = n - 1 } }
                    failed.append((i, .failure(error)))
                }
            }
            let aggregates = built.map(\.1)
            if !aggregates.isEmpty {
                do {
                    try await RowWriter.insert(aggregates.map(\.record), on: tx)
                } catch {
                    self.state.withLock { $0.lastNumber = [:] }
                    throw error
                }
                try await CaseService.persistRows(of: aggregates, on: tx)
            }
            let notified = try await hub.notify(built.map { jobs[$0.0].event($0.1.record) }, inTransaction: tx)
            return (failed + built.map { ($0.0, .success($0.1.record)) }, notified)
        }
        if !notified {
            let events = outcome.compactMap { i, result in (try? result.get()).map { jobs[i].event($0) } }
            await hub.publish(events, app: app)
        }
        for (i, result) in outcome { jobs[i].answer.resume(with: result) }
    }

    /// The next case number for `prefix`: from memory when this process has numbered the prefix
    /// before, else one more than the highest number stored.
    private func nextNumber(_ prefix: String, on tx: any Database) async throws -> Int {
        let known = state.withLock { s -> Int? in
            guard let last = s.lastNumber[prefix] else { return nil }
            s.lastNumber[prefix] = last + 1
            return last + 1
        }
        if let known { return known }
        let stored = try await CaseService.lastNumber(prefix: prefix, on: tx)
        return state.withLock { s in
            if s.lastNumber.count > 10_000 { s.lastNumber = [:] }  // yesterday's prefixes
            s.lastNumber[prefix] = stored + 1
            return stored + 1
        }
    }
}
