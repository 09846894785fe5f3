import Fluent
import Foundation
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

/// Findings 2 and 3: no clear column rebuilds an ID number; the secret is per installation, and
/// rotating it re-seals everything in one transaction.
final class IdentityAtRestTests: XCTestCase {
    let number = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1980, month: 5, day: 17), sequence: 11).value

    func addPerson(_ app: Application, _ city: TestCity) async throws -> UUID {
        let a = app.browser()
        _ = try await a.login("wg-a")
        return try await a.addPerson("张三丰", idNumber: number, grid: city.gridA, phone: "13907310001", household: "A-1", health: "老年高血压")
    }

    func testNoClearColumnOfPeopleHoldsTheBirthDateOrTheLastFourDigits() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            _ = try await addPerson(app, city)
            let sql = app.db as! any SQLDatabase
            let row = try await sql.raw("SELECT * FROM people").first()!
            for column in row.allColumns {
                guard let text = try? row.decode(column: column, as: String.self) else { continue }
                XCTAssertFalse(text.contains("0517"), "\(column) holds the birth date")
                XCTAssertFalse(text.contains("1980-05-17"), "\(column) holds the birth date")
                if column != "phone_tail" { XCTAssertFalse(text == String(number.suffix(4)), "\(column) holds the last four in clear") }
            }
            // The registry still finds the person by the last four, through the blind index.
            let a = app.browser()
            _ = try await a.login("wg-a")
            expectTrue(try await a.get("/registry?q=\(number.suffix(4))").body.string.contains("张三丰"))
            expectTrue(try await a.get("/registry/people/\(try await Person.query(on: app.db).first()!.requireID())").body.string.contains("1980 年"))
        }
    }

    func testMigration017RevertsToTheClearColumnsAndForwardAgain() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            _ = try await addPerson(app, city)
            let migration = ProtectIdentityNumbers(cipher: app.state.cipher)
            try await migration.revert(on: app.db)
            let sql = app.db as! any SQLDatabase
            struct Old: Decodable { let id_tail: String; let birth_date: String }
            let old = try await sql.raw("SELECT id_tail, birth_date FROM people").first(decoding: Old.self)!
            XCTAssertEqual(old.id_tail, String(number.suffix(4)))
            XCTAssertEqual(old.birth_date, "1980-05-17")
            try await migration.prepare(on: app.db)
            struct New: Decodable { let id_tail_index: String; let birth_year: Int }
            let new = try await sql.raw("SELECT id_tail_index, birth_year FROM people").first(decoding: New.self)!
            XCTAssertEqual(new.birth_year, 1980)
            XCTAssertEqual(new.id_tail_index, app.state.cipher.index(IDTailIndex.text(lastFour: String(number.suffix(4)))))
        }
    }

    func testRotatingTheSecretResealsEverythingAndKeepsSearchAndResidentLogins() async throws {
        let sms = RecordingSMSSender()
        try await withApp(adjust: { $0.smsSender = sms }) { app in
            let city = try await TestCity.build(app)
            let pid = try await addPerson(app, city)
            // A resident account (login name derived from the phone's keyed hash).
            expectEqual(try await register(app, sms, name: "居民甲", phone: "13907312468", password: "home-by-the-river").1.status, .seeOther)

            let old = app.state.cipher
            let newSecret = "a-brand-new-installation-secret-for-this-test-0001"
            let new = PersonalDataCipher(secret: newSecret)
            let summary = try await SecretRotation(db: app.db, old: old, new: new, uploadDirectory: app.state.uploadDirectory).run()
            XCTAssertGreaterThanOrEqual(summary.values, 3)
            XCTAssertEqual(summary.residents, 1)
            let p = try await Person.find(pid, on: app.db)!
            XCTAssertEqual(try new.open(p.idSealed), number)
            XCTAssertThrowsError(try old.open(p.idSealed), "the old key no longer opens it")
            XCTAssertEqual(p.idIndex, new.index(number))
            XCTAssertEqual(p.idTailIndex, new.index(IDTailIndex.text(lastFour: String(number.suffix(4)))))
            XCTAssertEqual(try new.open(p.healthSealed!), "老年高血压")

            // The server on the new secret: search by number and the resident's phone login still work.
            var config = app.state.config
            config.secret = newSecret
            app.state = AppState(config: config, cipher: new, uploadDirectory: app.state.uploadDirectory, dummyPasswordHash: app.state.dummyPasswordHash)
            let a = app.browser()
            _ = try await a.login("wg-a")
            expectTrue(try await a.get("/registry?q=\(number)").body.string.contains("张三丰"))
            expectEqual(try await app.browser().login("13907312468", password: "home-by-the-river").status, .seeOther)
            // Back again, so that tearing down (migration 017's revert, keyed at start-up) can read the data.
            _ = try await SecretRotation(db: app.db, old: new, new: old, uploadDirectory: app.state.uploadDirectory).run()
        }
    }

    func testServeRefusesTheDevelopmentSecretAndTheDemoMakesItsOwn() throws {
        XCTAssertThrowsError(try SecretSource.choose(environment: nil, command: "serve", demo: false, file: "/tmp/x")) { error in
            XCTAssertTrue(String(describing: error).contains("openssl rand"))
        }
        XCTAssertThrowsError(try SecretSource.choose(environment: AppConfig.developmentSecret, command: "serve", demo: false, file: "/tmp/x"))
        XCTAssertEqual(try SecretSource.choose(environment: nil, command: "demo", demo: false, file: "/tmp/x").source, .installationFile("/tmp/x"))
        XCTAssertEqual(try SecretSource.choose(environment: nil, command: "serve", demo: true, file: "/tmp/x").source, .installationFile("/tmp/x"))
        XCTAssertEqual(try SecretSource.choose(environment: String(repeating: "k", count: 40), command: "serve", demo: false, file: "/tmp/x").value,
                       String(repeating: "k", count: 40))

        let folder = NSTemporaryDirectory() + "civicgrid-secret-\(UUID().uuidString)"
        let path = folder + "/secret"
        let logger = Logger(label: "test")
        let first = try InstallationSecret.loadOrCreate(at: path, logger: logger)
        XCTAssertGreaterThanOrEqual(first.utf8.count, 32)
        XCTAssertNotEqual(first, AppConfig.developmentSecret)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! Int
        XCTAssertEqual(mode & 0o777, 0o600)
        XCTAssertEqual(try InstallationSecret.loadOrCreate(at: path, logger: logger), first, "reused on the next start")
        let other = try InstallationSecret.loadOrCreate(at: NSTemporaryDirectory() + "civicgrid-secret-\(UUID().uuidString)/secret", logger: logger)
        XCTAssertNotEqual(other, first, "per installation")
        try? FileManager.default.removeItem(atPath: folder)
    }
}
