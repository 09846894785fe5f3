import Fluent
import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Finding 12: what a session leaves behind. The CSRF token changes at sign-in; a live event stream
/// ends with its session (logout, deactivation) and a user holds only a few at once; revealing
/// full personal data is limited per hour.
final class SessionEndTests: XCTestCase {
    func testTheCSRFTokenIsRotatedAtSignIn() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            let planted = browser.cookies["cg_csrf"]!
            let response = try await browser.login("wg-a")
            let fresh = try XCTUnwrap(response.headers[.setCookie].first { $0.hasPrefix("cg_csrf=") }, "a new token with the session")
            XCTAssertFalse(fresh.contains(planted))
            // The planted one no longer passes once the browser follows the rotation.
            browser.followCSRFRotation = true
            browser.cookies["cg_csrf"] = String(fresh.split(separator: ";")[0].dropFirst("cg_csrf=".count))
            expectEqual(try await browser.post("/m/patrol", form: ["note": "x"], csrf: planted).status, .forbidden)
        }
    }

    /// Waits (briefly) for a stream to end.
    func ended(_ stream: AsyncStream<CaseEvent>) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await _ in stream {}; return true }
            group.addTask { try? await Task.sleep(for: .seconds(3)); return false }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }

    func testEventStreamsEndAtLogoutAndDeactivationAndAreCappedPerUser() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let hub = app.state.caseEvents
            // Logout: the stream opened with that session ends.
            let browser = app.browser()
            _ = try await browser.login("wg-a")
            let session = try XCTUnwrap(browser.cookies["cg_session"])
            let (_, a) = await hub.subscribe(app, userID: city.users["wg-a"]!.id, token: session)
            _ = try await browser.post("/logout", form: [:])
            let closedAtLogout = await ended(a)
            XCTAssertTrue(closedAtLogout)

            // Deactivation: every stream of that user ends.
            let (_, b) = await hub.subscribe(app, userID: city.users["wg-b"]!.id, token: "some-api-token")
            let admin = app.browser()
            _ = try await admin.login("admin")
            expectEqual(try await admin.post("/staff/\(city.users["wg-b"]!.id!)/active", form: ["active": "0"]).status, .seeOther)
            let closedAtDeactivation = await ended(b)
            XCTAssertTrue(closedAtDeactivation)

            // A cap per user: the oldest closes when one more opens.
            let user = UUID()
            var streams: [AsyncStream<CaseEvent>] = []
            for _ in 0...CaseEventHub.maxStreamsPerUser { streams.append(await hub.subscribe(app, userID: user, token: nil).1) }
            let oldestClosed = await ended(streams[0])
            XCTAssertTrue(oldestClosed)
            XCTAssertEqual(hub.subscriberCount, CaseEventHub.maxStreamsPerUser)
        }
    }

    func testRevealingIsLimitedPerHourAndTellsTheAdministrators() async throws {
        try await withApp(adjust: { $0.revealsPerHour = 3 }) { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let pid = try await worker.addPerson("张三", idNumber: IdentityNumber.make(region: "430204", birth: LocalDate(year: 1980, month: 1, day: 1), sequence: 5).value,
                                                 grid: city.gridA, phone: "13907310001")
            for _ in 0..<3 {
                expectEqual(try await worker.post("/registry/people/\(pid)/reveal", form: ["field": "idNumber", "reason": "核对身份"]).status, .ok)
            }
            let refused = try await worker.post("/registry/people/\(pid)/reveal", form: ["field": "phone", "reason": "联系本人"])
            XCTAssertEqual(refused.status, .tooManyRequests)
            XCTAssertTrue(refused.body.string.contains("已通知管理员"))
            _ = try await worker.post("/registry/people/\(pid)/reveal", form: ["field": "phone", "reason": "联系本人"])
            let notices = try await CivicGridServer.Notification.query(on: app.db).filter(\.$areaID == city.gridA.id!).all()
            XCTAssertEqual(notices.filter { $0.text.contains("隐私预警") }.count, 1, "told once, not at every refusal")
        }
    }
}
