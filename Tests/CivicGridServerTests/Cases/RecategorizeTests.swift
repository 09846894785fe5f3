import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// 改分类 through the API and the case page: a 待分类 hotline order gets its real 小类, its clocks follow the
/// new category with the time already used, the statistics move with it, and duplicates are looked for again.
final class RecategorizeTests: XCTestCase {
    typealias Detail = CaseAPIController.DetailDTO

    func testAnUnmappedHotlineOrderIsRecategorizedWithItsClocksStatisticsAndDuplicates() async throws {
        let clock = FixedClock(testNow)  // Wed 2026-11-18 09:00
        try await withApp(clock: clock) { app in
            // setup: the grid worker's report of a missing manhole cover, then the same problem through 12345,
            // whose category text is not mapped (待分类), with coordinates
            let city = try await TestCity.build(app)
            try await MapTests.draw(app, city)
            let worker = try await app.api(.POST, "/api/v1/cases", token: try await app.token("wg-a"), json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"清水路排水井盖缺失","channel":"gridWorker","latitude":27.81,"longitude":113.105}
                """)
            XCTAssertEqual(worker.status, .created, worker.body.string)
            let report = try worker.content.decode(CaseAPIController.CaseDTO.self)
            let key = try await app.issueApiKey(name: "12345热线", scopes: [.hotline])
            var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Api-Key": key]
            headers.add(name: "Accept", value: "application/json")
            let order = try await app.testable().sendRequest(.POST, "/api/v1/hotline/orders", headers: headers, body: ByteBuffer(string: """
                {"source":"12345","orderNo":"ZZ-2026-0901","caller":"王女士","phone":"13807310009","content":"清水路有个井没盖子，晚上很危险","categoryText":"道路设施","latitude":27.8101,"longitude":113.1051}
                """))
            XCTAssertEqual(order.status, .created, order.body.string)
            let id = try order.content.decode(HotlineService.Receipt.self).caseID
            let district = try await app.token("op-d")
            let op = app.browser()
            _ = try await op.login("op-d")
            var page = try await op.get("/cases/\(id)").body.string
            XCTAssertFalse(page.contains("清水路排水井盖缺失"), "another category: not a duplicate candidate yet")
            XCTAssertTrue(page.contains("value=\"recategorize\"") && page.contains("新的事件类别"), "改分类 is on the case page")
            XCTAssertTrue(page.contains("井盖破损丢失（办结 3 个工作日）"), "each choice says its time limits")
            var d = try await act(app, id, district, #"{"action":"accept"}"#)!
            XCTAssertEqual(d.deadlines.first { $0.kind == .resolve && $0.endedAt == nil }?.dueAt, bjDate("2026-11-28"), "待分类: the general 7 working days")
            XCTAssertTrue(d.allowedActions.contains(.recategorize))

            // Refused: nobody else, no reason, not a 小类, the same category — and nothing is written.
            let before = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == id).count()
            let sz01 = try await app.category("SZ01"), group = try await CaseCategory.find(sz01, on: app.db)!.$parent.id!
            _ = try await act(app, id, try await app.token("op-c1"), #"{"action":"recategorize","category":"\#(sz01)","comment":"x"}"#, expect: .forbidden)
            _ = try await act(app, id, try await app.token("cg-1"), #"{"action":"recategorize","category":"\#(sz01)","comment":"x"}"#, expect: .notFound)
            _ = try await act(app, id, district, #"{"action":"recategorize","category":"\#(sz01)","comment":" "}"#, expect: .unprocessableEntity)
            _ = try await act(app, id, district, #"{"action":"recategorize","category":"\#(group)","comment":"大类"}"#, expect: .unprocessableEntity)
            _ = try await act(app, id, district, #"{"action":"recategorize","comment":"没选"}"#, expect: .unprocessableEntity)
            let unmapped = try await Case.find(id, on: app.db)!.$category.id
            _ = try await act(app, id, district, #"{"action":"recategorize","category":"\#(unmapped)","comment":"同类"}"#, expect: .unprocessableEntity)
            let after = try await TimelineEntry.query(on: app.db).filter(\.$case.$id == id).count()
            XCTAssertEqual(after, before)

            // act: on Thursday morning the district operator files it under 井盖破损丢失 through the case page
            clock.advance(by: 86_400)  // Thu 19 Nov 09:00
            _ = try await op.login("op-d")  // a new day's sign-in
            let response = try await op.post("/cases/\(id)/act", form: ["action": "recategorize", "category": sz01.uuidString,
                                                                              "comment": "热线类别有误，实为井盖缺失"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            XCTAssertEqual(response.headers.first(name: .location), "/cases/\(id)?notice=recategorized")

            // validate: the category, the trail, the clocks
            let c = try await Case.find(id, on: app.db)!
            XCTAssertEqual(c.$category.id, sz01)
            XCTAssertEqual(c.status, .accepted, "nothing else moves")
            d = try await app.api(.GET, "/api/v1/cases/\(id)", token: district).content.decode(Detail.self)
            let entry = try XCTUnwrap(d.timeline.last)
            XCTAssertEqual(entry.action, "recategorize")
            XCTAssertEqual(entry.comment, "类别由“待分类（热线类别未对照）”改为“井盖破损丢失”：热线类别有误，实为井盖缺失")
            let resolves = d.deadlines.filter { $0.kind == .resolve }
            XCTAssertEqual(resolves.filter { $0.endReason == .recategorized }.count, 1, "the old clock ends as 改分类, neither met nor missed")
            // 井盖: three working days from Wednesday's acceptance (Thu 19, Fri 20, Mon 23), not three from today (to Tue 24).
            XCTAssertEqual(resolves.first { $0.endedAt == nil }?.dueAt, bjDate("2026-11-24"))
            // The statistics moved it out of 待分类 in the same transaction.
            let totals = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db)
            XCTAssertEqual(totals.byCategory[unmapped]?.received ?? 0, 0)
            XCTAssertEqual(totals.byCategory[sz01]?.received, 2)
            _ = try await CaseRollup.rebuild(on: app.db)
            let recounted = try await CaseRollup.totals(area: city.district.id!, from: "2026-11-01", to: "2026-11-30", on: app.db)
            XCTAssertEqual(recounted.byCategory.mapValues(\.received).filter { $0.value != 0 }, totals.byCategory.mapValues(\.received).filter { $0.value != 0 },
                           "the rollups equal a recount")
            // The duplicate check runs again against the new category: the grid worker's report is now a candidate.
            page = try await op.get("/cases/\(id)?notice=recategorized").body.string
            XCTAssertTrue(page.contains("类别已更改") && page.contains("改分类重算"))
            XCTAssertTrue(page.contains("疑似重复事件") && page.contains(report.code), "the same problem from the grid worker, found now")
            let candidates = try await app.api(.GET, "/api/v1/cases/\(id)/duplicates", token: district)
            XCTAssertTrue(candidates.body.string.contains(report.id.uuidString), candidates.body.string)
        }
    }
}
