import Fluent
import Foundation
import Synchronization
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

/// Large registry lists are read from disk a piece at a time, checked against the database a batch
/// at a time, and written all or nothing — with the same results as a small list.
final class RegistryImportStreamingTests: XCTestCase {
    static func id(_ n: Int) -> String {
        // Unique for n below 20 million: the sequence and the birth date together.
        IdentityNumber.make(region: "430204", birth: LocalDate(year: 1950 + n / 1_000 % 60, month: 1 + n / 60_000 % 12, day: 1 + n / 720_000 % 28),
                            sequence: n % 1_000).value
    }

    /// A people list longer than one 1 MB read: rows straddle the reads.
    func peopleCSV(grid: String, count: Int, extra: [String] = []) -> String {
        var lines = [ImportKind.people.templateHeader.joined(separator: ",")]
        for n in 0..<count {
            lines.append("\(grid),居民\(n % 97),\(Self.id(n)),1390731\(String(format: "%04d", n % 10_000)),户籍人口,H-\(n / 3),,,,\"工作单位, 第\(n)号\",")
        }
        return (lines + extra).joined(separator: "\r\n") + "\r\n"
    }

    func write(_ text: String, encoding: String.Encoding = .utf8) throws -> String {
        let path = NSTemporaryDirectory() + "import-\(UUID().uuidString).csv"
        try XCTUnwrap(text.data(using: encoding)).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testAFileLongerThanOneReadIsCheckedAndWrittenWhole() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let count = 16_000
            let csv = peopleCSV(grid: city.gridA.code, count: count)
            XCTAssertGreaterThan(csv.utf8.count, ImportSource.Reader.chunkSize)
            let importer = RegistryImporter(db: app.db, app: app)
            let checked = try await importer.validate(try ImportSource(path: try write(csv)), kind: .people, under: city.community1)
            XCTAssertTrue(checked.isValid, "\(checked.issues.prefix(3))")
            XCTAssertEqual(checked.rows, count)
            let reported = Mutex<[Int]>([])
            let written = try await importer.commit(checked, under: city.community1, actorID: nil, actorName: "测试") { n in reported.withLock { $0.append(n) } }
            XCTAssertEqual(written, count)
            XCTAssertEqual(reported.withLock { $0.last }, count)
            XCTAssertGreaterThan(reported.withLock { $0.count }, 1, "progress is reported a batch at a time")
            expectEqual(try await Person.query(on: app.db).count(), count)
            expectEqual(try await Household.query(on: app.db).count(), (count + 2) / 3)
            expectEqual(try await RegistryRevision.query(on: app.db).filter(\.$action == .import).count(), count + (count + 2) / 3)
            // A quoted comma inside a field survived the reads; the personal data is sealed, found by its index.
            let last = try await Person.query(on: app.db).filter(\.$idIndex == app.state.cipher.index(Self.id(count - 1))).first()
            XCTAssertEqual(last?.employment, "工作单位, 第\(count - 1)号")
            XCTAssertEqual(try app.state.cipher.open(try XCTUnwrap(last?.idSealed)), Self.id(count - 1))
            // Ids follow the order of creation: the index on them grows at its end.
            let sql = app.db as! any SQLDatabase
            struct Row: Decodable { let id: UUID; let name: String }
            let people = try await sql.raw("SELECT id, name FROM people ORDER BY id").all(decoding: Row.self)
            XCTAssertEqual(people.first?.name, "居民0")
            XCTAssertEqual(people.last?.name, "居民\((count - 1) % 97)")

            // The same file again: every number is already registered — found in every batch, reported
            // up to the 200-problem limit, nothing written.
            let again = try await importer.validate(try ImportSource(path: try write(csv)), kind: .people, under: city.community1)
            XCTAssertEqual(again.issues.count, 200)
            XCTAssertEqual(again.issues.first, ImportIssue(row: 2, column: "身份证号", reason: "该身份证号已登记，请勿重复导入（如需修改请在人员页面编辑）"))
        }
    }

    func testProblemsLateInALongFileAreFoundAndNothingIsWritten() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let duplicate = "\(city.gridA.code),重复者,\(Self.id(5)),,户籍人口,,,,,,"
            let badGrid = "999999999999999,外人,\(Self.id(20_001)),,户籍人口,,,,,,"
            let csv = peopleCSV(grid: city.gridA.code, count: 12_000, extra: [duplicate, "", ",,,,,,,,,,", badGrid])
            let checked = try await RegistryImporter(db: app.db, app: app).validate(try ImportSource(path: try write(csv)), kind: .people, under: city.community1)
            XCTAssertEqual(checked.issues.map { "\($0.row)|\($0.column)|\($0.reason.prefix(9))" },
                           ["12002|身份证号|与第 7 行重复", "12004|网格编码|网格编码 9999"])
            expectEqual(try await Person.query(on: app.db).count(), 0)
        }
    }

    /// Excel on a Chinese Windows saves CSV as GBK: the streamed read notices and reads it again as such.
    func testAGBKFileFromDiskIsRead() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let csv = peopleCSV(grid: city.gridA.code, count: 50)
            let gbk = try XCTUnwrap(LegacyText.encodeGB18030(csv))
            let path = try write("")
            try Data(gbk).write(to: URL(fileURLWithPath: path))
            let importer = RegistryImporter(db: app.db, app: app)
            let checked = try await importer.validate(try ImportSource(path: path), kind: .people, under: city.community1)
            XCTAssertTrue(checked.isValid, "\(checked.issues)")
            let written = try await importer.commit(checked, under: city.community1, actorID: nil, actorName: "测试")
            XCTAssertEqual(written, 50)
            expectEqual(try await Person.query(on: app.db).filter(\.$name == "居民1").count(), 1)
        }
    }

    func testSequentialIDsSortInCreationOrder() {
        var ids = SequentialUUIDs()
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        var made: [String] = []
        for n in 0..<10_000 { made.append(ids.next(now: at.addingTimeInterval(Double(n / 5_000))).uuidString) }
        XCTAssertEqual(made, made.sorted(), "as text, the way SQLite stores and indexes them")
        XCTAssertEqual(Set(made).count, made.count)
        XCTAssertTrue(made.allSatisfy { $0[$0.index($0.startIndex, offsetBy: 14)] == "7" }, "version 7")
        // A clock that steps back does not break the order.
        let before = ids.next(now: at.addingTimeInterval(10)).uuidString
        XCTAssertLessThan(before, ids.next(now: at).uuidString)
    }

    /// The lookup index is HMAC-SHA256 under an HKDF-derived key: known answers (computed with
    /// Python's hmac/hashlib), so that reusing the keyed state changed nothing already stored.
    func testTheIndexIsTheKeyedHMACAsBefore() {
        let cipher = PersonalDataCipher(secret: String(repeating: "k", count: 40))
        XCTAssertEqual(cipher.index(""), "c45fe7b047c8f64aa19f1e203dc9d4c57e7be4dd00d482707e77e7fc685c1b4d")
        XCTAssertEqual(cipher.index("430204198005170012"), "cf7c81c70bfa90d1534839136bf4e2e39d1cb904dee48694b2b0927959a3205e")
        XCTAssertEqual(cipher.index("张三"), "a19b8ff268ee594d053879ae6dbcde423cc0bbc52e67bdb35e1890ef17831269")
        XCTAssertEqual(cipher.index("张三"), cipher.index("张三"), "each index starts from a fresh copy of the keyed state")
    }

    func testValuesAreTypedTheWayFluentStoresThem() {
        let id = UUID()
        XCTAssertEqual(RowWriter.value(id), .uuid(id))
        XCTAssertEqual(RowWriter.value(PersonKind.migrant), .text("migrant"))
        XCTAssertEqual(RowWriter.value(true), .bool(true))
        XCTAssertEqual(RowWriter.value(nil), .null)
        XCTAssertEqual(RowWriter.Value.uuid(id).sqlite, .text(id.uuidString))
        XCTAssertEqual(RowWriter.Value.date(Date(timeIntervalSince1970: 5)).sqlite, .float(5))
    }
}
