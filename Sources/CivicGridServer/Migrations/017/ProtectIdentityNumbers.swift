import Fluent
import Foundation
import GridCore
import SQLKit

/// 017: an ID number is no longer recoverable from clear columns. `people.birth_date` (the full
/// date) and `people.id_tail` (the last four) with the district's two region prefixes were the
/// whole number. Kept in clear now: the birth year (ages, age bands). The last four are searched
/// through a keyed blind index like the phone's (`id_tail_index`, HMAC under the installation key).
struct ProtectIdentityNumbers: AsyncMigration {
    let cipher: PersonalDataCipher

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE people ADD COLUMN birth_year INTEGER").run()
        try await sql.raw("ALTER TABLE people ADD COLUMN id_tail_index TEXT").run()
        for row in try await sql.select().column("id").column("id_tail").column("birth_date").from("people").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let tail = try row.decode(column: "id_tail", as: String.self)
            let year = Int(try row.decode(column: "birth_date", as: String.self).prefix(4)) ?? 0
            try await sql.update("people").set("birth_year", to: SQLBind(year))
                .set("id_tail_index", to: SQLBind(cipher.index(IDTailIndex.text(lastFour: tail))))
                .where("id", .equal, SQLBind(id)).run()
        }
        try await sql.raw("DROP INDEX people_id_tail_idx").run()
        try await sql.raw("ALTER TABLE people DROP COLUMN id_tail").run()
        try await sql.raw("ALTER TABLE people DROP COLUMN birth_date").run()
        try await sql.raw("CREATE INDEX people_id_tail_index_idx ON people (id_tail_index)").run()
    }

    /// Back to the clear columns, recomputed from the sealed numbers.
    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE people ADD COLUMN id_tail TEXT NOT NULL DEFAULT ''").run()
        try await sql.raw("ALTER TABLE people ADD COLUMN birth_date TEXT NOT NULL DEFAULT ''").run()
        for row in try await sql.select().column("id").column("id_sealed").from("people").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let number = try cipher.open(try row.decode(column: "id_sealed", as: String.self))
            let birth = (try? IdentityNumber(number)).map { $0.birthDate.description } ?? ""
            try await sql.update("people").set("id_tail", to: SQLBind(String(number.suffix(4))))
                .set("birth_date", to: SQLBind(birth)).where("id", .equal, SQLBind(id)).run()
        }
        try await sql.raw("DROP INDEX people_id_tail_index_idx").run()
        try await sql.raw("ALTER TABLE people DROP COLUMN id_tail_index").run()
        try await sql.raw("ALTER TABLE people DROP COLUMN birth_year").run()
        try await sql.raw("CREATE INDEX people_id_tail_idx ON people (id_tail)").run()
    }
}
