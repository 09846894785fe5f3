import Fluent
import Foundation

extension Database {
    /// A write transaction, retried when SQLite refuses it as busy. In WAL mode a transaction that
    /// read first cannot be upgraded to a writer once another connection has committed (SQLite then
    /// answers SQLITE_BUSY at once, without waiting); the whole transaction is run again on a fresh
    /// snapshot, a few times with growing pauses. The same holds when two intakes in one grid drew the
    /// same case number (`{grid}-{day}-{n}` counts the day's cases): the second one counts again.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard !inTransaction else { return try await transaction(body) }
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
