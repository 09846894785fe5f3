import SQLKit

/// The only place where SQL differs between SQLite and PostgreSQL. Everything else goes through
/// Fluent or dialect-neutral SQLKit, so the embedded default stays first-class.
protocol DialectSQL: Sendable {
    /// An index usable by `LIKE 'prefix%'` on a path column.
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString
    /// Settings applied when the database opens.
    func startupStatements() -> [SQLQueryString]
    /// A lock held until the transaction ends, answering one row `locked`; nil where a single
    /// process owns the database anyway (SQLite).
    func tryTransactionLock(key: Int64) -> SQLQueryString?
}

struct SQLiteDialectSQL: DialectSQL {
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString {
        "CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column))"
    }

    func startupStatements() -> [SQLQueryString] {
        // WAL: readers never block the writer; the setting is stored in the file. synchronous=FULL
        // (SQLite's default, said out loud): a commit is on disk before it is acknowledged.
        ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"]
    }

    func tryTransactionLock(key: Int64) -> SQLQueryString? { nil }
}

struct PostgresDialectSQL: DialectSQL {
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString {
        // text_pattern_ops lets a btree serve LIKE 'prefix%' under any collation.
        "CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column) text_pattern_ops)"
    }

    func startupStatements() -> [SQLQueryString] { [] }

    func tryTransactionLock(key: Int64) -> SQLQueryString? {
        "SELECT pg_try_advisory_xact_lock(\(unsafeRaw: String(key))) AS locked"
    }
}

extension SQLDatabase {
    var dialectSQL: any DialectSQL {
        dialect.name == "postgresql" ? PostgresDialectSQL() : SQLiteDialectSQL()
    }
}
