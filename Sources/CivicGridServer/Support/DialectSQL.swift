import SQLKit

/// The only place where SQL differs between SQLite and PostgreSQL. Everything else goes through
/// Fluent or dialect-neutral SQLKit, so the embedded default stays first-class.
protocol DialectSQL: Sendable {
    /// An index usable by `LIKE 'prefix%'` on a path column.
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString
    /// Settings applied when the database opens.
    func startupStatements() -> [SQLQueryString]
}

struct SQLiteDialectSQL: DialectSQL {
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString {
        "CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column))"
    }

    func startupStatements() -> [SQLQueryString] {
        // WAL: readers never block the writer; the setting is stored in the file.
        // LIKE is case-insensitive by default in SQLite, which stops it using the index; paths
        // hold only digits and slashes, so case-sensitive LIKE changes no result.
        ["PRAGMA journal_mode=WAL", "PRAGMA case_sensitive_like=ON"]
    }
}

struct PostgresDialectSQL: DialectSQL {
    func createPrefixIndex(_ name: String, table: String, column: String) -> SQLQueryString {
        // text_pattern_ops lets a btree serve LIKE 'prefix%' under any collation.
        "CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(ident: column) text_pattern_ops)"
    }

    func startupStatements() -> [SQLQueryString] { [] }
}

extension SQLDatabase {
    var dialectSQL: any DialectSQL {
        dialect.name == "postgresql" ? PostgresDialectSQL() : SQLiteDialectSQL()
    }
}
