import Fluent
import Foundation
import SQLKit
import Vapor

/// `civicgrid rotate-secret`: re-seals every sealed value and rebuilds every keyed index under a new
/// installation secret, in one database transaction (all or nothing). Sealed files under the upload
/// folder (agent documents, sealed photos, imports waiting for confirmation) are written re-sealed
/// beside the originals first and put in place only after the commit.
struct SecretRotation {
    let db: any Database
    let old: PersonalDataCipher
    let new: PersonalDataCipher
    let uploadDirectory: String

    /// A table's sealed columns, and the keyed indexes computed from what they hold.
    struct Sealed {
        let table: String
        let columns: [String]
        /// index column ← (sealed column, how the indexed text is made from the plaintext)
        var indexes: [(column: String, from: String, text: @Sendable (String) -> String?)] = []
    }

    static let tables: [Sealed] = [
        Sealed(table: "people", columns: ["id_sealed", "phone_sealed", "health_sealed"],
               indexes: [("id_index", "id_sealed", { $0 }), ("phone_index", "phone_sealed", { $0 }),
                         ("id_tail_index", "id_sealed", { IDTailIndex.text(forIDNumber: $0) })]),
        Sealed(table: "organizations", columns: ["contact_phone_sealed"]),
        Sealed(table: "cross_check_items", columns: ["id_sealed"]),
        Sealed(table: "users", columns: ["phone_sealed"], indexes: [("phone_index", "phone_sealed", { $0 })]),
        Sealed(table: "cases", columns: ["reporter_phone_sealed"]),
        Sealed(table: "agent_service_requests", columns: ["applicant_phone_sealed"]),
    ]

    struct Summary: Sendable { var values = 0; var indexes = 0; var residents = 0; var files = 0 }

    func run() async throws -> Summary {
        let files = try sealedFiles()
        var staged: [(original: String, staged: String)] = []
        do {
            for path in files {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let target = path + ".rotating"
                try new.sealData(try old.openData(data)).write(to: URL(fileURLWithPath: target), options: .atomic)
                staged.append((path, target))
            }
            var summary = try await db.transaction { tx in try await rotateRows(on: tx as! any SQLDatabase) }
            for (original, target) in staged { _ = rename(target, original) }
            summary.files = staged.count
            return summary
        } catch {
            for (_, target) in staged { try? FileManager.default.removeItem(atPath: target) }
            throw error
        }
    }

    private func rotateRows(on sql: any SQLDatabase) async throws -> Summary {
        var summary = Summary()
        let existing = try await sql.existingColumns()
        for spec in Self.tables {
            let columns = spec.columns.filter { existing.contains(spec.table + "." + $0) }
            let indexes = spec.indexes.filter { existing.contains(spec.table + "." + $0.column) }
            guard !columns.isEmpty else { continue }
            let rows = try await sql.select().column("id").columns(columns.map { SQLIdentifier($0) }).from(spec.table).all()
            for row in rows {
                let id = try row.decode(column: "id", as: UUID.self)
                var plain: [String: String] = [:]
                var update = sql.update(spec.table).where("id", .equal, SQLBind(id))
                var changed = false
                for column in columns {
                    guard let sealed = try row.decodeNil(column: column) ? nil : row.decode(column: column, as: String.self) else { continue }
                    let text = try old.open(sealed)
                    plain[column] = text
                    update = update.set(SQLIdentifier(column), to: SQLBind(try new.seal(text)))
                    summary.values += 1
                    changed = true
                }
                for index in indexes {
                    let value = plain[index.from].flatMap(index.text).map(new.index)
                    update = update.set(SQLIdentifier(index.column), to: value.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
                    if value != nil { summary.indexes += 1 }
                }
                if changed { try await update.run() }
            }
        }
        // A resident's login name is derived from the phone's keyed hash (phones are re-sealed by now).
        for row in try await sql.select().column("id").column("phone_sealed").from("users")
            .where("kind", .equal, SQLBind(User.Kind.resident.rawValue)).where("phone_sealed", .isNot, SQLLiteral.null).all() {
            let phone = try new.open(try row.decode(column: "phone_sealed", as: String.self))
            try await sql.update("users").set("username", to: SQLBind(AuthController.residentUsername(phone: phone, cipher: new)))
                .where("id", .equal, SQLBind(try row.decode(column: "id", as: UUID.self))).run()
            summary.residents += 1
        }
        return summary
    }

    /// Every sealed file under the upload folder.
    private func sealedFiles() throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: uploadDirectory) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".enc") || relative.hasSuffix(".sealed") { found.append(uploadDirectory + relative) }
        }
        return found.sorted()
    }
}

struct SchemaColumn: Decodable { let table_name: String; let column_name: String }

extension SQLDatabase {
    /// "table.column" of every column (SQLite and PostgreSQL), so the rotation adapts to the schema version.
    func existingColumns() async throws -> Set<String> {
        let rows: [SchemaColumn]
        if dialect.name == "sqlite" {
            rows = try await raw("""
                SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
                """).all(decoding: SchemaColumn.self)
        } else {
            rows = try await raw("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()").all(decoding: SchemaColumn.self)
        }
        return Set(rows.map { $0.table_name + "." + $0.column_name })
    }
}

struct RotateSecretCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "generate", help: "Make a new random secret (and, for a demo installation, write it to its secret file)")
        var generate: Bool
    }
    var help: String {
        "Re-seals all personal data and rebuilds the keyed indexes under a new secret (CIVICGRID_NEW_SECRET, or --generate), in one transaction."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let env = ProcessInfo.processInfo.environment
        let newSecret: String
        if let given = env["CIVICGRID_NEW_SECRET"], !given.isEmpty {
            newSecret = given
        } else if signature.generate {
            newSecret = TokenMaker.random() + TokenMaker.random().prefix(22)
        } else {
            context.console.error("请用 CIVICGRID_NEW_SECRET 给出新密钥，或加 --generate 生成一个")
            throw Abort(.badRequest)
        }
        guard newSecret.utf8.count >= 32, newSecret != app.state.config.secret, newSecret != AppConfig.developmentSecret else {
            context.console.error("新密钥至少 32 个字节，且不能与当前密钥或开发密钥相同")
            throw Abort(.badRequest)
        }
        try await app.autoMigrate()
        let summary = try await SecretRotation(db: app.db, old: app.state.cipher, new: PersonalDataCipher(secret: newSecret),
                                               uploadDirectory: app.state.uploadDirectory).run()
        if case .installationFile(let path) = app.state.config.secretSource {
            let absolute = path.hasPrefix("/") ? path : app.directory.workingDirectory + path
            try InstallationSecret.write(newSecret, to: absolute)
            context.console.info("新密钥已写入 \(absolute)（0600）。")
        } else if signature.generate {
            context.console.warning("新密钥（只显示这一次，请立即保存并设为 CIVICGRID_SECRET 后重启）：\(newSecret)")
        } else {
            context.console.info("请把 CIVICGRID_SECRET 改为新密钥后重启所有实例。")
        }
        context.console.info("已重新加密 \(summary.values) 个值、\(summary.indexes) 个索引、\(summary.residents) 个居民账号名、\(summary.files) 个文件。")
    }
}
