import XCTest
@testable import GridCore

final class CaseFactsTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_794_963_600)

    func facts(_ status: CaseStatus, overdue: Bool = false, escalated: Bool = false, rating: Satisfaction? = nil, resolution: Resolution? = nil,
               level: AreaLevel? = nil, hours: Double = 10) -> CaseFacts {
        CaseFacts(status: status, overdue: overdue, escalated: escalated, satisfaction: rating, resolution: resolution, handlingLevel: level,
                  reportedAt: t0, closedAt: status == .closed ? t0.addingTimeInterval(hours * 3600) : nil)
    }

    func testEachCaseCountsOnceAndTheFourWaySplitFollowsWhoHandledIt() {
        XCTAssertEqual(facts(.reported).counters, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let onSite = facts(.closed, resolution: .resolvedOnSite, hours: 1)
        XCTAssertEqual([onSite.closed, onSite.closedOnTime, onSite.onSite, onSite.handlingSeconds], [1, 1, 1, 3600])
        XCTAssertEqual(facts(.closed, resolution: .handledLocally, level: .community).byCommunity, 1)
        XCTAssertEqual(facts(.closed, resolution: .handledLocally, level: .street).byStreet, 1)
        XCTAssertEqual(facts(.closed, resolution: .handledLocally, level: .district).byDistrict, 1)
        XCTAssertEqual(facts(.closed, resolution: .handledByDepartment).byDepartment, 1)
        XCTAssertEqual(facts(.closed, resolution: .explained).explained, 1)
        let late = facts(.closed, overdue: true, resolution: .handledByDepartment)
        XCTAssertEqual([late.closed, late.closedOnTime, late.overdue], [1, 0, 1], "closed late is not on time")
        let open = facts(.inProgress, overdue: true, escalated: true)
        XCTAssertEqual([open.closed, open.overdue, open.escalated, open.handlingSeconds], [0, 1, 1, 0])
        XCTAssertEqual(facts(.rejected).rejected, 1)
    }

    func testADeltaIsAfterMinusBeforeAndAStatusMoveIsSeparate() {
        let before = facts(.replied)
        let after = facts(.closed, rating: .unsatisfied, resolution: .handledByDepartment)
        let delta = CaseFacts.delta(from: before, to: after)
        XCTAssertEqual(delta[0], 0, "still one case")
        XCTAssertEqual(delta[1], 1)
        XCTAssertEqual(delta[5], 1, "rated")
        XCTAssertEqual(delta[6], 0, "not satisfied")
        XCTAssertEqual(CaseFacts.delta(from: nil, to: before)[0], 1, "a new case is received once")
        XCTAssertTrue(CaseFacts.statusMove(from: before, to: after) == (.replied, .closed))
        XCTAssertTrue(CaseFacts.statusMove(from: after, to: after) == (nil, nil))
        // Reopened by an unsatisfied rating: closed goes back down.
        XCTAssertEqual(CaseFacts.delta(from: after, to: facts(.inProgress, rating: .unsatisfied))[1], -1)
    }

    func testRatesFollowTheirWrittenDefinitions() {
        var all = CaseFacts()
        let cases = [
            facts(.closed, rating: .satisfied, resolution: .resolvedOnSite),
            facts(.closed, overdue: true, rating: .unsatisfied, resolution: .handledByDepartment),
            facts(.closed, rating: .mostlySatisfied, resolution: .handledLocally, level: .street, hours: 30),
            facts(.inProgress),
            facts(.rejected),
        ]
        for c in cases { all = all + c }
        let rates = CaseRates(all)
        XCTAssertEqual(rates.closure, 3.0 / 4.0, "rejected ones are not in the denominator")
        XCTAssertEqual(rates.onTime, 2.0 / 3.0)
        XCTAssertEqual(rates.satisfaction, 2.0 / 3.0, "基本满意 counts as satisfied")
        XCTAssertEqual(rates.onSite, 1.0 / 3.0)
        XCTAssertEqual(rates.averageHandlingHours!, (10 + 10 + 30) / 3.0, accuracy: 0.001)
        XCTAssertNil(CaseRates(CaseFacts()).closure, "no cases: no rate, not 0%")
        XCTAssertEqual(CaseRates.percent(2.0 / 3.0), "66.7%")
        XCTAssertEqual(CaseRates.percent(nil), "—")
    }
}
