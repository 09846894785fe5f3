import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

final class TaskFlowTests: XCTestCase {
    func testAStreetSendsATaskToGridsAndSeesEachGridsProgress() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let street = app.browser()
            _ = try await street.login("op-s1")
            let page = try await street.get("/tasks")
            XCTAssertTrue(page.body.string.contains("清水社区第2网格"), "the street's grids to pick from")
            XCTAssertFalse(page.body.string.contains("湘江社区第1网格"), "not another street's")
            // Refused: a grid of another street, a deadline in the past; nothing is written.
            var r = try await street.post("/tasks", form: ["title": "养老金调整告知", "items": "逐户发放告知书\n登记联系方式", "dueOn": "2026-11-30",
                                                       "grids[0]": String(city.gridA.id!), "grids[1]": String(city.gridB.id!)])
            XCTAssertEqual(r.status, .unprocessableEntity)
            XCTAssertTrue(r.body.string.contains("不在本级管辖范围内"))
            r = try await street.post("/tasks", form: ["title": "养老金调整告知", "items": "逐户发放告知书", "dueOn": "2026-11-01", "grids[0]": String(city.gridA.id!)])
            XCTAssertTrue(r.body.string.contains("完成期限不能早于今天"))
            expectEqual(try await FieldTask.query(on: app.db).count(), 0)

            r = try await street.post("/tasks", form: ["title": "养老金调整告知", "items": "逐户发放告知书\n登记联系方式", "dueOn": "2026-11-30",
                                                   "grids[0]": String(city.gridA.id!), "grids[1]": String(city.gridA2.id!)])
            XCTAssertEqual(r.status, .seeOther, r.body.string)
            let task = try await FieldTask.query(on: app.db).first()!
            expectEqual(try await TaskGrid.query(on: app.db).count(), 2)

            // The worker of grid A sees it on the phone and ticks the items off (a double tap counts once).
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            var phone = try await worker.get("/m/tasks")
            XCTAssertTrue(phone.body.string.contains("养老金调整告知") && phone.body.string.contains("逐户发放告知书"))
            let home = try await worker.get("/m/")
            XCTAssertTrue(home.body.string.contains("1 项未完成"))
            for _ in 0..<2 { _ = try await worker.post("/m/tasks/\(task.id!)/items", form: ["grid": String(city.gridA.id!), "item": "0", "note": "已发放 48 户"]) }
            expectEqual(try await TaskItemMark.query(on: app.db).count(), 1)
            // Not for a grid that is not theirs, nor an item that does not exist.
            r = try await worker.post("/m/tasks/\(task.id!)/items", form: ["grid": String(city.gridA2.id!), "item": "0"])
            XCTAssertEqual(r.status, .notFound)
            r = try await worker.post("/m/tasks/\(task.id!)/items", form: ["grid": String(city.gridA.id!), "item": "7"])
            XCTAssertEqual(r.status, .unprocessableEntity)
            _ = try await worker.post("/m/tasks/\(task.id!)/items", form: ["grid": String(city.gridA.id!), "item": "1"])
            expectEqual(try await TaskItemMark.query(on: app.db).count(), 2)
            phone = try await worker.get("/m/tasks")
            XCTAssertTrue(phone.body.string.contains("已完成 100%"), "\(phone.status) \(phone.headers) \(phone.body.string.prefix(300))")

            // The street sees grid A complete and grid A2 not started; after the deadline, A2 is overdue.
            let progress = try await street.get("/tasks/\(task.id!)/progress")
            let json = try JSONDecoder().decode(TaskController.ProgressJSON.self, from: Data(progress.body.readableBytesView))
            XCTAssertEqual(json.summary.complete, 1)
            XCTAssertEqual(json.summary.percent, 50)
            XCTAssertEqual(json.grids.map(\.label), ["已完成", "未开始"])
            clock.advance(by: 13 * 86_400)
            _ = try await street.login("op-s1")  // the session of 13 days ago has ended
            let later = try await street.get("/tasks/\(task.id!)")
            XCTAssertTrue(later.body.string.contains("已逾期"))
            // Another street's operator does not see it.
            let other = app.browser()
            _ = try await other.login("op-s2")
            expectEqual(try await other.get("/tasks/\(task.id!)").status, .notFound)
        }
    }
}
