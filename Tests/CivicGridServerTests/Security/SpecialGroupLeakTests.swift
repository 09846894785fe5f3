import Fluent
import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Finding 1: restricted special groups (社区矫正 …) must not be named, linked or hinted at to roles
/// that may not see them, anywhere: coverage, assessment evidence, the person page, the phone app.
final class SpecialGroupLeakTests: XCTestCase {
    func testRestrictedMembershipIsInvisibleEverywhereToRolesThatMayNotSeeIt() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let today = LocalDate(testNow)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let pid = try await worker.addPerson("曾小燕", idNumber: IdentityNumber.make(region: "430204", birth: LocalDate(year: 1990, month: 3, day: 4), sequence: 7).value,
                                                 grid: city.gridA, household: "Z-1")
            let filed = try await worker.post("/registry/people/\(pid)/special", form: ["kind": "communityCorrection", "detail[correctionType]": "缓刑"])
            XCTAssertEqual(filed.status, .seeOther)
            let member = try await SpecialGroupMember.query(on: app.db).filter(\.$kind == .communityCorrection).first()!
            let visited = try await worker.post("/registry/people/\(pid)/visits", form: [
                "memberID": member.id!.uuidString, "note": "按时报到思想稳定", "visitedOn": today.adding(days: -1).description])
            XCTAssertEqual(visited.status, .seeOther)
            // Now overdue: listed on the coverage report of those who may see it.
            let m = try await SpecialGroupMember.find(member.id!, on: app.db)!
            m.nextVisitDue = today.adding(days: -4).description
            try await m.save(on: app.db)

            let coverage = "/registry/coverage?area=\(city.gridA.id!)"
            let evidence = "/assessment/grids/\(city.gridA.id!)/evidence?month=2026-11&measure=visits"
            let link = "/registry/people/\(pid)"
            // The grid worker may: the pages do show it (so the checks below can fail).
            expectTrue(try await worker.get(coverage).body.string.contains(link), "worker's coverage lists the overdue visit")
            expectTrue(try await worker.get(link).body.string.contains("按时报到思想稳定"))

            for name in ["op-c1", "ld-d"] {
                let other = app.browser()
                _ = try await other.login(name)
                let cov = try await other.get(coverage)
                XCTAssertEqual(cov.status, .ok, name)
                XCTAssertFalse(cov.body.string.contains(link), "\(name): coverage links the restricted member")
                XCTAssertFalse(cov.body.string.contains("社区矫正"), "\(name): coverage names the group")
                let ev = try await other.get(evidence)
                if ev.status == .ok {
                    XCTAssertFalse(ev.body.string.contains(link), "\(name): evidence lists the restricted member's visit")
                    XCTAssertFalse(ev.body.string.contains("曾*燕"), "\(name): evidence names the restricted member")
                }
                let person = try await other.get(link).body.string
                XCTAssertFalse(person.contains("另有"), "\(name): hint by elimination")
                XCTAssertFalse(person.contains("按时报到思想稳定"), "\(name): the visit under the restricted file")
                expectEqual(try await other.get("/registry/special").body.string.contains(link), false, "\(name): special list")
            }
            // Visiting "under" a restricted file is refused to those who may not see it.
            let visibility = SpecialGroupVisibility(roles: [.operator])
            XCTAssertFalse(visibility.allows(.communityCorrection))
            let hidden = try await visibility.member(member.id!, person: pid, on: app.db)
            XCTAssertNil(hidden)
        }
    }
}
