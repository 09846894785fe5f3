import XCTest
@testable import GridCore

final class TopDownTaskTests: XCTestCase {
    let today = LocalDate(year: 2026, month: 11, day: 18)

    func testItemsAndValidation() throws {
        XCTAssertEqual(try TopDownTask.items(from: " 发放告知书 \n\n登记联系方式\r\n上传照片 "), ["发放告知书", "登记联系方式", "上传照片"])
        XCTAssertThrowsError(try TopDownTask.items(from: " \n ")) { XCTAssertEqual($0 as? TopDownTask.Problem, .noItems) }
        XCTAssertThrowsError(try TopDownTask.items(from: Array(repeating: "x", count: 51).joined(separator: "\n"))) { XCTAssertEqual($0 as? TopDownTask.Problem, .tooManyItems) }
        XCTAssertThrowsError(try TopDownTask.items(from: "好\n" + String(repeating: "长", count: 101))) { XCTAssertEqual($0 as? TopDownTask.Problem, .itemTooLong(2)) }
        XCTAssertNoThrow(try TopDownTask.validate(title: "消防排查", items: ["a"], grids: 3, due: today, today: today), "due today is fine")
        XCTAssertThrowsError(try TopDownTask.validate(title: "消防排查", items: ["a"], grids: 3, due: today.adding(days: -1), today: today)) {
            XCTAssertEqual($0 as? TopDownTask.Problem, .deadlineInPast)
        }
        XCTAssertThrowsError(try TopDownTask.validate(title: "消防排查", items: ["a"], grids: 0, due: today, today: today)) { XCTAssertEqual($0 as? TopDownTask.Problem, .noGrids) }
        XCTAssertThrowsError(try TopDownTask.validate(title: "x", items: ["a"], grids: 1, due: today, today: today)) { XCTAssertEqual($0 as? TopDownTask.Problem, .title) }
    }

    func testProgressAndTheWholeTask() {
        let due = today
        let grids = [
            TopDownTask.Progress(done: 3, total: 3, due: due, today: today),
            TopDownTask.Progress(done: 1, total: 3, due: due, today: today),
            TopDownTask.Progress(done: 0, total: 3, due: due, today: today),
        ]
        XCTAssertEqual(grids.map(\.label), ["已完成", "进行中", "未开始"])
        XCTAssertEqual(grids.map(\.percent), [100, 33, 0])
        XCTAssertFalse(grids[1].overdue, "the deadline day itself is not late")
        let summary = TopDownTask.summary(grids)
        XCTAssertEqual(summary.complete, 1)
        XCTAssertEqual(summary.overdue, 0)
        XCTAssertEqual(summary.percent, 44)
        let tomorrow = grids.map { TopDownTask.Progress(done: $0.done, total: $0.total, due: due, today: today.adding(days: 1)) }
        XCTAssertEqual(tomorrow.map(\.overdue), [false, true, true], "a complete grid is never overdue")
        XCTAssertEqual(TopDownTask.summary(tomorrow).overdue, 2)
        XCTAssertEqual(tomorrow[2].label, "已逾期")
        XCTAssertEqual(TopDownTask.Progress(done: 9, total: 3, due: due, today: today).done, 3, "a count above the items is capped")
    }
}
