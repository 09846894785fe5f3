import Fluent
import Foundation
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

/// The hand-written INSERTs write every field of their models, and intake written in batches gives
/// every report its own, consecutive case number and a complete case.
final class RowWriterTests: XCTestCase {
    func testColumnListsCoverEveryField() {
        XCTAssertEqual(Set(RowWriter.caseColumns), Set(Case.keys.map(\.description)))
        XCTAssertEqual(RowWriter.caseColumns.count, Set(RowWriter.caseColumns).count)
        XCTAssertEqual(Set(RowWriter.deadlineColumns), Set(CaseDeadline.keys.map(\.description)))
        XCTAssertEqual(Set(RowWriter.entryColumns), Set(TimelineEntry.keys.map(\.description)))
        XCTAssertEqual(Set(RowWriter.notificationColumns), Set(Notification.keys.map(\.description)))
        XCTAssertEqual(Set(RowWriter.negativeColumns), Set(NegativeListEntry.keys.map(\.description)))
        // The bulk loads' lists (registry import, demo registry), each complete and without repeats.
        // Fields left out must be named in `leftNullByBulkLoads`, with its reason.
        let bulk: [(String, [String], [FieldKey])] = [
            (Person.schema, RowWriter.personColumns, Person.keys), (House.schema, RowWriter.houseColumns, House.keys),
            (Household.schema, RowWriter.householdColumns, Household.keys),
            (RegistryRevision.schema, RowWriter.revisionColumns, RegistryRevision.keys), (Building.schema, RowWriter.buildingColumns, Building.keys),
            (SpecialGroupMember.schema, RowWriter.specialGroupMemberColumns, SpecialGroupMember.keys),
            (Organization.schema, RowWriter.organizationColumns, Organization.keys), (CityComponent.schema, RowWriter.componentColumns, CityComponent.keys),
        ]
        for (table, columns, keys) in bulk {
            let leftNull = RowWriter.leftNullByBulkLoads[table] ?? []
            XCTAssertEqual(Set(columns).union(leftNull), Set(keys.map(\.description)), table)
            XCTAssertTrue(Set(columns).isDisjoint(with: leftNull), "\(table): written and left out")
            XCTAssertEqual(columns.count, Set(columns).count, "\(table): a column twice")
        }
        XCTAssertEqual(Set(RowWriter.leftNullByBulkLoads.keys).subtracting(bulk.map(\.0)), [], "a table no bulk load writes")
        let c = Case()
        c.id = UUID(); c.code = "x"; c.title = "t"; c.description = ""; c.$category.id = UUID(); c.channel = .resident; c.urgency = .normal
        c.status = .reported; c.$grid.id = 1; c.reporterName = "r"; c.coHandlers = ""; c.overdue = false; c.inquiryOpen = false
        c.supervised = false; c.reportedAt = testNow; c.updatedAt = testNow
        XCTAssertEqual(RowWriter.values(c).count, RowWriter.caseColumns.count)
    }

    func testConcurrentReportsAreWrittenTogetherWithTheirOwnNumbers() async throws {
        try await withApp { app in
            let (token, category, grid) = try await Self.reporter(in: app)
            // 40 reports at once: they queue behind each other's writes and go in as batches.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await app.api(.POST, "/api/v1/cases", token: token, json: """
                            {"categoryID":"\(category)","title":"批量上报 \(i)","description":"第 \(i) 件","gridID":\(grid.id!),"channel":"wechatGroup"}
                            """).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(statuses, Array(repeating: .created, count: 40))
            XCTAssertGreaterThan(app.state.intakeQueue.largestBatch, 1, "reports waiting behind a write go in together")
            let cases = try await Case.query(on: app.db).filter(\.$title =~ "批量上报").all()
            XCTAssertEqual(cases.count, 40)
            let numbers = cases.map { Int($0.code.split(separator: "-").last!)! }.sorted()
            XCTAssertEqual(numbers, Array(1...40), "consecutive, none twice")
            // Each case is whole: its first trace entry (a chain of its own), its deadline, its notification.
            for c in cases {
                let entries = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == c.id!).all()
                XCTAssertEqual(entries.map(\.seq), [1])
                XCTAssertEqual(entries.first?.prevHash, TimelineChain.genesis)
                let deadlines = try await CaseDeadline.query(on: app.db).filter(\.$case.$id == c.id!).count()
                XCTAssertGreaterThan(deadlines, 0)
                let notes = try await Notification.query(on: app.db).filter(\.$case.$id == c.id!).count()
                XCTAssertEqual(notes, 1)
            }
            // The rollups counted all 40 once.
            struct Row: Decodable { let n: Int }
            let received = try await (app.db as! any SQLDatabase)
                .raw("SELECT CAST(SUM(received) AS BIGINT) AS n FROM case_day_totals WHERE area_id = \(bind: grid.id!)").first(decoding: Row.self)?.n
            XCTAssertEqual(received, 40)
        }
    }

    func testACaseNumberTakenElsewhereIsDrawnAgain() async throws {
        try await withApp { app in
            let (token, category, grid) = try await Self.reporter(in: app)
            // A case number already taken by a row the queue does not know about: the batch is refused
            // by the unique index, the numbers are forgotten, and the report is written with the next one.
            let first = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(category)","title":"第一件","gridID":\(grid.id!),"channel":"wechatGroup"}
                """)
            XCTAssertEqual(first.status, .created)
            let taken = try await Case.query(on: app.db).first()!
            try await Self.caseOutsideTheQueue(code: String(taken.code.dropLast(3)) + "002", like: taken, on: app.db)
            let second = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(category)","title":"第二件","gridID":\(grid.id!),"channel":"wechatGroup"}
                """)
            XCTAssertEqual(second.status, .created, second.body.string)
            let code = try await Case.query(on: app.db).filter(\.$title == "第二件").first()?.code
            XCTAssertEqual(code.map { String($0.suffix(3)) }, "003")
        }
    }

    func testTheNextNumberFollowsTheHighestTakenNotTheCount() async throws {
        try await withApp { app in
            let (token, category, grid) = try await Self.reporter(in: app)
            let prefix = CaseService.codePrefix(grid: grid, at: testNow)
            expectEqual(try await CaseService.lastNumber(prefix: prefix, on: app.db), 0)
            // Numbers 001–006 were never written (a batch refused while another committed): counting
            // would give 003 next; the highest gives 008.
            let template = Case()
            template.$category.id = category; template.$grid.id = grid.id!
            try await Self.caseOutsideTheQueue(code: prefix + "007", like: template, on: app.db)
            try await Self.caseOutsideTheQueue(code: prefix.dropLast() + ".001", like: template, on: app.db)  // another day's range
            let report = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(category)","title":"跳号之后","gridID":\(grid.id!),"channel":"wechatGroup"}
                """)
            XCTAssertEqual(report.status, .created, report.body.string)
            expectEqual(try await Case.query(on: app.db).filter(\.$title == "跳号之后").first()?.code, prefix + "008")
            // The sequence is compared as a number: 1000 follows 999.
            try await Self.caseOutsideTheQueue(code: prefix + "999", like: template, on: app.db)
            try await Self.caseOutsideTheQueue(code: prefix + "1000", like: template, on: app.db)
            expectEqual(try await CaseService.lastNumber(prefix: prefix, on: app.db), 1000)
        }
    }

    /// The test city, a community operator's API token, a category and the first grid.
    static func reporter(in app: Application) async throws -> (token: String, category: UUID, grid: Area) {
        _ = try await TestCity.build(app)
        let token = try await app.token("op-c1", password: testPassword)
        let category = try await app.category("HJ01")
        let grid = try await Area.query(on: app.db).filter(\.$level == .grid).sort(\.$id).first()!
        return (token, category, grid)
    }

    /// A case row written around the intake queue (as another instance would), copying `like`'s
    /// category and grid.
    static func caseOutsideTheQueue(code: String, like taken: Case, on db: any Database) async throws {
        let squatter = Case()
        squatter.id = UUID(); squatter.code = code; squatter.title = "别处写入"; squatter.description = ""
        squatter.$category.id = taken.$category.id; squatter.channel = .wechatGroup; squatter.urgency = .normal; squatter.status = .reported
        squatter.$grid.id = taken.$grid.id; squatter.reporterName = "x"; squatter.coHandlers = ""; squatter.overdue = false
        squatter.inquiryOpen = false; squatter.supervised = false; squatter.reportedAt = testNow; squatter.updatedAt = testNow
        try await squatter.create(on: db)
    }
}
