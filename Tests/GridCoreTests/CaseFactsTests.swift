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
        XCTAssertEqual(facts(.reported).counters, [1] + Array(repeating: 0, count: CaseFacts.counterNames.count - 1))
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

    func workflow(_ change: (inout CaseFacts.Workflow) -> Void) -> CaseFacts.Workflow {
        var w = CaseFacts.Workflow()
        w.accepted = true
        change(&w)
        return w
    }

    func testTheStandardsIndicatorsCountTheWorkflowsOwnFacts() {
        let dispatchedTwice = CaseFacts(status: .closed, overdue: false, escalated: false, satisfaction: nil, resolution: .handledByDepartment,
                                        handlingLevel: nil, reportedAt: t0, closedAt: t0, workflow: workflow {
            $0.acceptedOnTime = true; $0.dispatchedOnTime = false; $0.signedOnTime = true; $0.dispatches = 2; $0.redispatches = 1
            $0.extensions = 1; $0.returnsRefused = 1; $0.reworks = 1
            $0.callback = .reached; $0.callbackResolved = true; $0.callbackSatisfaction = .mostlySatisfied
        })
        XCTAssertEqual([dispatchedTwice.accepted, dispatchedTwice.acceptedOnTime, dispatchedTwice.dispatched, dispatchedTwice.dispatchedOnTime,
                        dispatchedTwice.dispatches, dispatchedTwice.redispatches, dispatchedTwice.signed, dispatchedTwice.signedOnTime,
                        dispatchedTwice.extended, dispatchedTwice.returnsRefused, dispatchedTwice.reworks],
                       [1, 1, 1, 0, 2, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual([dispatchedTwice.callbackDue, dispatchedTwice.callbackReached, dispatchedTwice.callbackResolved, dispatchedTwice.callbackSatisfied],
                       [1, 1, 1, 1])
        let unreachable = CaseFacts(status: .closed, overdue: false, escalated: false, satisfaction: nil, resolution: .handledLocally,
                                    handlingLevel: .community, reportedAt: t0, closedAt: t0, workflow: workflow {
            $0.callback = .unreachable; $0.callbackSatisfaction = .satisfied
        })
        XCTAssertEqual([unreachable.callbackDue, unreachable.callbackReached, unreachable.callbackSatisfied], [1, 0, 0], "an unanswered callback is due, not reached")
        let suspended = CaseFacts(status: .suspended, overdue: false, escalated: false, satisfaction: nil, resolution: nil, handlingLevel: nil,
                                  reportedAt: t0, closedAt: nil, workflow: workflow { _ in })
        let withdrawn = CaseFacts(status: .withdrawn, overdue: false, escalated: false, satisfaction: nil, resolution: nil, handlingLevel: nil,
                                  reportedAt: t0, closedAt: nil)
        let voided = CaseFacts(status: .voided, overdue: false, escalated: false, satisfaction: nil, resolution: nil, handlingLevel: nil,
                               reportedAt: t0, closedAt: nil)
        XCTAssertEqual([suspended.suspended, withdrawn.withdrawn, voided.voided], [1, 1, 1])
        var back = CaseFacts(counters: dispatchedTwice.counters)
        back.status = dispatchedTwice.status  // (the status is kept apart, in the status counts)
        XCTAssertEqual(back, dispatchedTwice, "the counters round-trip in their stored order")

        let all = [dispatchedTwice, unreachable, suspended, withdrawn, voided, facts(.inProgress)].reduce(CaseFacts(), +)
        let rates = CaseRates(all)
        // 6 received, 1 withdrawn and 1 voided: 4 due to close, 1 suspended; 2 closed.
        XCTAssertEqual(rates.dueToClose, 4)
        XCTAssertEqual(rates.closure, 2.0 / 3.0, "结案率 = 结案数 ÷ (应结案数 − 缓办数)")
        XCTAssertEqual(rates.dispatchAccuracy, 0.5, "1 − 改派 ÷ 派遣")
        XCTAssertEqual(rates.returnRate, 0.5)
        XCTAssertEqual(rates.rework, 0.5)
        XCTAssertEqual(rates.callback, 0.5, "one of two due callbacks reached")
        XCTAssertEqual(rates.callbackSatisfaction, 1)
        XCTAssertEqual(rates.acceptedOnTime, 1.0 / 3.0, "three accepted, one on time")
        XCTAssertEqual(rates.dispatchedOnTime, 0)
        XCTAssertEqual(rates.response, 1)
        XCTAssertEqual(rates.indicators.first { $0.name == "结案率" }?.fraction, "2 ÷ 3")
        XCTAssertEqual(rates.indicators.first { $0.name == "派遣准确率" }?.fraction, "1 − 1 ÷ 2")
        XCTAssertNil(CaseRates(CaseFacts()).dispatchAccuracy, "no dispatch: no accuracy, not 100 %")
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
