import Fluent
import Foundation
import SQLKit
import Vapor
import ZIPFoundation

/// `civicgrid backup` and `civicgrid restore`: one ZIP holding the database (SQLite: an online
/// `VACUUM INTO` copy; PostgreSQL: `pg_dump --format=custom`), every uploaded photo, and a manifest
/// with row counts. A restore goes into an empty database only, then checks the counts against the
/// manifest and every case's hash chain.
struct BackupService {
    let app: Application

    struct Manifest: Codable, Equatable {
        var createdAt: Date
        var database: String
        var counts: [String: Int]
        var uploads: Int
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The tables whose row counts are compared after a restore.
    static let countedTables = ["areas", "users", "role_assignments", "departments", "cases", "case_deadlines", "timeline_entries", "case_photos",
                                "people", "households", "buildings", "houses", "special_group_members", "visits", "registry_revisions",
                                "access_logs", "grid_notices", "patrol_checkins", "patrol_item_results", "agent_service_requests",
                                "agent_service_steps", "agent_service_documents"]

    var sql: any SQLDatabase {
        get throws {
            guard let sql = app.db as? any SQLDatabase else { throw Failure(description: "数据库不支持 SQL") }
            return sql
        }
    }

    func counts() async throws -> [String: Int] {
        struct Row: Decodable { let n: Int }
        var result: [String: Int] = [:]
        for table in Self.countedTables {
            result[table] = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decoding: Row.self)?.n ?? 0
        }
        return result
    }

    // MARK: Backup

    @discardableResult
    func backup(to archive: URL) async throws -> Manifest {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("civicgrid-backup-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let kind: String
        switch app.state.config.database {
        case .sqliteFile, .sqliteMemory:
            // A consistent copy while the server keeps serving (readers and the writer are not blocked for long).
            try await sql.raw("VACUUM INTO \(bind: work.appendingPathComponent("database.sqlite").path)").run()
            kind = "sqlite"
        case .postgres(let url):
            try Self.run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", work.appendingPathComponent("database.pgdump").path,
                                     "--dbname", Self.libpqURL(url)])
            kind = "postgresql"
        }
        let uploads = try copyTree(from: URL(fileURLWithPath: app.state.uploadDirectory), to: work.appendingPathComponent("uploads"))
        let manifest = Manifest(createdAt: app.state.clock.now(), database: kind, counts: try await counts(), uploads: uploads)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(manifest).write(to: work.appendingPathComponent("manifest.json"))
        try fm.createDirectory(at: archive.deletingLastPathComponent(), withIntermediateDirectories: true)
        if fm.fileExists(atPath: archive.path) { throw Failure(description: "备份文件已存在：\(archive.path)") }
        try fm.zipItem(at: work, to: archive, shouldKeepParent: false)
        return manifest
    }

    // MARK: Restore

    struct Restored {
        let manifest: Manifest
        let counts: [String: Int]
        let casesVerified: Int
    }

    /// Restores into an empty database (SQLite: a file that does not exist yet; PostgreSQL: a database
    /// without tables), adds the photos, then checks counts and every timeline.
    func restore(from archive: URL) async throws -> Restored {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("civicgrid-restore-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: work) }
        do { try fm.unzipItem(at: archive, to: work) } catch { throw Failure(description: "无法读取备份文件（不是有效的 ZIP）：\(archive.path)") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = fm.contents(atPath: work.appendingPathComponent("manifest.json").path),
              let manifest = try? decoder.decode(Manifest.self, from: data) else { throw Failure(description: "备份文件缺少 manifest.json，不是网格通的备份") }
        switch app.state.config.database {
        case .sqliteFile(let path):
            guard manifest.database == "sqlite" else { throw Failure(description: "这是 \(manifest.database) 的备份，当前配置的是 SQLite") }
            let target = URL(fileURLWithPath: path.hasPrefix("/") ? path : app.directory.workingDirectory + path)  // as configure opens it
            // Never over an existing database: the connection pool must not have it open.
            if let size = (try? fm.attributesOfItem(atPath: target.path))?[.size] as? Int, size > 0 {
                throw Failure(description: "目标数据库文件已存在且不为空：\(target.path)。请把 DATABASE_PATH 指向新文件，或先移走旧文件")
            }
            for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: target.path + suffix) }
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: work.appendingPathComponent("database.sqlite"), to: target)
        case .sqliteMemory:
            throw Failure(description: "内存数据库无法恢复：请设置 DATABASE_PATH")
        case .postgres(let url):
            guard manifest.database == "postgresql" else { throw Failure(description: "这是 \(manifest.database) 的备份，当前配置的是 PostgreSQL") }
            struct Row: Decodable { let n: Int }
            let tables = try await sql.raw("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'").first(decoding: Row.self)?.n ?? 0
            guard tables == 0 else { throw Failure(description: "目标数据库不是空的（已有 \(tables) 张表）：请恢复到新建的空数据库") }
            try Self.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                        "--dbname", Self.libpqURL(url), work.appendingPathComponent("database.pgdump").path])
        }
        _ = try copyTree(from: work.appendingPathComponent("uploads"), to: URL(fileURLWithPath: app.state.uploadDirectory))
        let counts = try await counts()
        let mismatched = manifest.counts.filter { counts[$0.key] != $0.value }.keys.sorted()
        guard mismatched.isEmpty else {
            throw Failure(description: "恢复后行数与备份不一致：" + mismatched.map { "\($0) 备份 \(manifest.counts[$0]!)、恢复 \(counts[$0] ?? 0)" }.joined(separator: "；"))
        }
        let (cases, breaks) = try await TrailVerifier.verify(on: app.db)
        guard breaks.isEmpty else { throw Failure(description: "恢复后有 \(breaks.count) 个事件的流转记录校验失败：\(breaks.first!.description)") }
        return Restored(manifest: manifest, counts: counts, casesVerified: cases)
    }

    // MARK: Helpers

    /// Copies every file below `from` that `to` does not have yet; returns how many files there are.
    func copyTree(from: URL, to: URL) throws -> Int {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: from, includingPropertiesForKeys: [.isRegularFileKey]) else { return 0 }
        var files = 0
        let base = from.standardizedFileURL.path
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !relative.isEmpty, !relative.split(separator: "/").contains("..") else { continue }
            let destination = to.appendingPathComponent(relative)
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !fm.fileExists(atPath: destination.path) { try fm.copyItem(at: url, to: destination) }
            files += 1
        }
        return files
    }

    /// Our `postgres://…?tlsmode=disable` as libpq understands it (`sslmode`).
    static func libpqURL(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        let tls = parts.queryItems?.first { $0.name == "tlsmode" }?.value
        parts.queryItems = tls.map { [URLQueryItem(name: "sslmode", value: $0 == "disable" ? "disable" : "prefer")] }
        if parts.queryItems?.isEmpty ?? true { parts.queryItems = nil }
        return parts.string ?? url.absoluteString
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let candidates = ["/usr/bin/\(tool)", "/usr/local/bin/\(tool)"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/\(tool)" }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "找不到 \(tool)：请安装 PostgreSQL 客户端（apt-get install postgresql-client）")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "\(tool) 失败（退出码 \(process.terminationStatus)）：\(message.prefix(500))") }
    }
}

/// `civicgrid backup [--output FILE]`
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "output", help: "The ZIP to write (default data/backups/civicgrid-<time>.zip)")
        var output: String?
    }
    var help: String { "Backs up the database (SQLite online copy or pg_dump) and the uploaded photos into one ZIP with a manifest of row counts." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let output = URL(fileURLWithPath: signature.output ?? "data/backups/civicgrid-\(stamp).zip",
                         relativeTo: URL(fileURLWithPath: app.directory.workingDirectory)).standardizedFileURL
        let manifest = try await BackupService(app: app).backup(to: output)
        context.console.info("Backup written: \(output.path)")
        context.console.info("  \(manifest.database), \(manifest.counts["cases"] ?? 0) cases, \(manifest.counts["people"] ?? 0) people, \(manifest.uploads) photos")
    }
}

/// `civicgrid restore --input FILE`
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "input", help: "The backup ZIP")
        var input: String?
    }
    var help: String { "Restores a backup into an empty database (a new DATABASE_PATH, or an empty PostgreSQL database), then checks row counts and every case's hash chain." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let input = signature.input else { throw BackupService.Failure(description: "请用 --input 指定备份文件") }
        let app = context.application
        let file = URL(fileURLWithPath: input, relativeTo: URL(fileURLWithPath: app.directory.workingDirectory)).standardizedFileURL
        let restored = try await BackupService(app: app).restore(from: file)
        context.console.info("Restored \(file.lastPathComponent) (made \(restored.manifest.createdAt)): counts match the manifest,")
        context.console.info("  \(restored.counts["cases"] ?? 0) cases, \(restored.counts["people"] ?? 0) people; \(restored.casesVerified) timelines verified intact.")
    }
}
