import Fluent
import Foundation
import SQLKit
import Synchronization

extension Database {
    /// A write transaction, retried when SQLite refuses it as busy. In WAL mode a transaction that
    /// read first cannot be upgraded to a writer once another connection has committed (SQLite then
    /// answers SQLITE_BUSY at once, without waiting); the whole transaction is run again on a fresh
    /// snapshot, a few times with growing pauses. The same holds when two intakes in one grid drew the
    /// same case number (`{grid}-{day}-{n}` follows the day's highest): the second one looks again.
    ///
    /// On SQLite, which has one writer at a time anyway, this process's write transactions also queue
    /// for `SQLiteWriteGate` first: they then run one after another instead of colliding, failing busy
    /// and being retried (under 32 concurrent intakes most of the work was thrown away that way).
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard !inTransaction else { return try await transaction(body) }
        if !SQLiteWriteGate.held, let sql = self as? any SQLDatabase, sql.dialect.name == "sqlite" {
            await SQLiteWriteGate.shared.acquire()
            defer { SQLiteWriteGate.shared.release() }
            return try await SQLiteWriteGate.$held.withValue(true) { try await retryingTransaction(body) }
        }
        return try await retryingTransaction(body)
    }

    private func retryingTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await transaction(body)
            } catch where attempt < 10 && (Self.isBusy(error) || Self.isCaseNumberClash(error)) {
                attempt += 1
                try await Task.sleep(nanoseconds: UInt64(attempt * 15 + Int.random(in: 0...20)) * 1_000_000)
            }
        }
    }

    static func isCaseNumberClash(_ error: any Error) -> Bool {
        let text = String(reflecting: error)
        return text.contains("cases.code") || text.contains("uq:cases.code")
    }

    static func isBusy(_ error: any Error) -> Bool {
        let text = String(reflecting: error)
        return text.contains("database is locked") || text.contains("SQLITE_BUSY") || text.contains("busy:")
    }
}

/// One writer at a time for this process's SQLite write transactions: a first-come, first-served
/// queue of suspended tasks (no thread is blocked). A task already inside a gated transaction passes
/// straight through, so a nested write on another connection cannot wait for itself.
final class SQLiteWriteGate: Sendable {
    static let shared = SQLiteWriteGate()
    @TaskLocal static var held = false

    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let enter = state.withLock { s -> Bool in
                if !s.busy { s.busy = true; return true }
                s.waiters.append(waiter)
                return false
            }
            if enter { waiter.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.busy = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
