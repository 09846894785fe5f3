import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor
import XCTVapor
@testable import CivicGridServer

/// `civicgrid backup` / `restore`: a backup restored into an empty database has the same rows,
/// intact timelines and the photos; a restore never goes over a database that has data.
final class BackupTests: XCTestCase {
    /// On PostgreSQL the restore goes into a second, empty database (scripts/pg-start makes `civicgrid_restore`).
    var restoreURL: URL? {
        let env = ProcessInfo.processInfo.environment
        if let given = env["RESTORE_DATABASE_URL"], !given.isEmpty { return URL(string: given) }
        guard let test = (env["TEST_DATABASE_URL"] ?? env["DATABASE_URL"]).flatMap(URL.init(string:)) else { return nil }
        return URL(string: test.absoluteString.replacingOccurrences(of: test.path, with: "/civicgrid_restore"))
    }

    func testABackupRestoresIntoAnEmptyDatabaseWithItsRowsTrailsAndPhotos() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgrid-backup-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let archive = dir.appendingPathComponent("backups/civicgrid.zip")
        var manifest: BackupService.Manifest?
        var photoPath = ""
        try await withApp(adjust: {
            if !usingPostgres { $0.database = .sqliteFile(dir.appendingPathComponent("a.sqlite").path) }
            $0.uploadDirectory = dir.appendingPathComponent("uploads-a").path
        }) { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let (type, body) = multipart(["_csrf": "test-csrf-token", "category": try await app.category("SZ05").uuidString, "title": "屋檐破损",
                                          "description": "瓦片松动", "grid": String(city.gridA.id!), "mode": "up"],
                                         files: [("photos[]", "eave.png", PhotoTests.png)])
            let r = try await app.testable().sendRequest(.POST, "/cases/new", headers: ["Cookie": worker.cookieHeader, "Content-Type": type], body: body)
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let op = try await app.token("op-c1")
            let created = try await app.api(.POST, "/api/v1/cases", token: op, json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            let id = try created.content.decode(CaseAPIController.CaseDTO.self).id
            _ = try await app.api(.POST, "/api/v1/cases/\(id)/actions", token: op, json: #"{"action":"accept"}"#)
            photoPath = try await CasePhoto.query(on: app.db).first()!.storedPath

            manifest = try await BackupService(app: app).backup(to: archive)
            XCTAssertEqual(manifest?.counts["cases"], 2)
            XCTAssertEqual(manifest?.counts["timeline_entries"], 3)
            XCTAssertGreaterThanOrEqual(manifest?.uploads ?? 0, 1)
            // Never over an earlier backup.
            do { try await BackupService(app: app).backup(to: archive); XCTFail("overwrote a backup") } catch {}
        }
        let expected = try XCTUnwrap(manifest)

        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            var config = AppConfig.testing(clock: FixedClock(testNow))
            if usingPostgres { config.database = .postgres(try XCTUnwrap(restoreURL)) } else { config.database = .sqliteFile(dir.appendingPathComponent("b.sqlite").path) }
            config.uploadDirectory = dir.appendingPathComponent("uploads-b").path
            try await configure(app, config: config)
            if usingPostgres, let sql = app.db as? any SQLDatabase {
                try await sql.raw("DROP SCHEMA public CASCADE").run()
                try await sql.raw("CREATE SCHEMA public").run()
            }
            let restored = try await BackupService(app: app).restore(from: archive)
            XCTAssertEqual(restored.counts, expected.counts)
            XCTAssertEqual(restored.casesVerified, 2)
            XCTAssertTrue(FileManager.default.fileExists(atPath: app.state.uploadDirectory + photoPath), "photos come back")
            // The restored database serves: the same cases, through the API.
            let token = try await app.token("op-c1")
            let list = try await app.api(.GET, "/api/v1/cases", token: token)
            XCTAssertEqual(try list.content.decode(CaseAPIController.Page.self).total, 2)
            // A restore never goes over a database with data in it.
            do {
                _ = try await BackupService(app: app).restore(from: archive)
                XCTFail("restored over data")
            } catch let failure as BackupService.Failure {
                XCTAssertTrue(failure.description.contains("不为空") || failure.description.contains("不是空的"), failure.description)
            }
            // A file that is not a backup is refused clearly.
            let junk = dir.appendingPathComponent("junk.zip")
            try Data("not a zip".utf8).write(to: junk)
            do { _ = try await BackupService(app: app).restore(from: junk); XCTFail("accepted junk") } catch let failure as BackupService.Failure {
                XCTAssertTrue(failure.description.contains("不是有效的 ZIP"), failure.description)
            }
            if usingPostgres, let sql = app.db as? any SQLDatabase {
                try await sql.raw("DROP SCHEMA public CASCADE").run()
                try await sql.raw("CREATE SCHEMA public").run()
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// SQLite is in WAL mode with synchronous=FULL: an acknowledged write survives a crash of the process or the machine.
    func testSQLiteIsDurableWhenItAcknowledges() async throws {
        guard !usingPostgres else { throw XCTSkip("SQLite only") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgrid-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // As `serve` starts: a fresh pool, the start-up statements first.
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        var config = AppConfig.testing(clock: FixedClock(testNow))
        config.database = .sqliteFile(dir.appendingPathComponent("w.sqlite").path)
        try await configure(app, config: config)
        do {
            try await DatabaseStartup().didBootAsync(app)
            try await app.autoMigrate()
            struct Mode: Decodable { let journal_mode: String }
            struct Sync: Decodable { let synchronous: Int }
            let sql = try XCTUnwrap(app.db as? any SQLDatabase)
            let mode = try await sql.raw("PRAGMA journal_mode").first(decoding: Mode.self)
            let sync = try await sql.raw("PRAGMA synchronous").first(decoding: Sync.self)
            XCTAssertEqual(mode?.journal_mode, "wal")
            XCTAssertEqual(sync?.synchronous, 2, "FULL")
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Many reports at once in one grid: every one is accepted (SQLite busy snapshots and clashing
    /// case numbers are retried, not answered with 500) and every case number is different.
    func testConcurrentIntakeInOneGridIsNeverRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("civicgrid-concurrent-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withApp(adjust: { if !usingPostgres { $0.database = .sqliteFile(dir.appendingPathComponent("c.sqlite").path) } }) { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            let category = try await app.category("SZ01")
            let grid = city.gridA.id!
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<24 {
                    group.addTask {
                        try await app.api(.POST, "/api/v1/cases", token: token, json: """
                            {"categoryID":"\(category)","title":"并发上报 \(i)","channel":"wechatGroup","gridID":\(grid)}
                            """).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            XCTAssertEqual(statuses.filter { $0 == .created }.count, 24, "\(statuses)")
            let codes = try await Case.query(on: app.db).all().map(\.code)
            XCTAssertEqual(Set(codes).count, 24)
        }
    }
}
