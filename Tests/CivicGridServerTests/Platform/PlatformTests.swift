import AsyncHTTPClient
import Fluent
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

final class PlatformTests: XCTestCase {
    func testMigrationsRunUpAndDownAndUpAgain() async throws {
        try await withApp { app in
            let sql = app.db as! any SQLDatabase
            _ = try await Area.query(on: app.db).count()
            try await app.autoRevert()
            do {
                _ = try await sql.raw("SELECT COUNT(*) AS n FROM areas").all()
                XCTFail("areas should be gone after revert")
            } catch {}
            try await app.autoMigrate()
            let count = try await Area.query(on: app.db).count()
            XCTAssertEqual(count, 0)
        }
    }

    func testHealthReportsTheDatabase() async throws {
        try await withApp { app in
            let response = try await app.testable().sendRequest(.GET, "/health")
            XCTAssertEqual(response.status, .ok)
            let health = try response.content.decode(HealthController.Health.self)
            XCTAssertEqual(health.status, "ok")
            XCTAssertEqual(health.database, usingPostgres ? "postgresql" : "sqlite")
        }
    }

    /// On shutdown the server stops taking requests before the databases close: a request arriving
    /// late must be refused at the door, never reach a database that is gone (that crashed the process).
    func testShutdownStopsServingBeforeTheDatabasesClose() async throws {
        final class Probe: LifecycleHandler, @unchecked Sendable {
            var serverAnswered: Bool?
            var databaseAnswered: Bool?
            var port = 0
            func shutdownAsync(_ app: Application) async {
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(5))
                serverAnswered = response != nil
                try? await client.shutdown()
                databaseAnswered = (try? await (app.db as! any SQLDatabase).raw("SELECT 1 AS one").first()) != nil
            }
        }
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        // Fluent closes the databases in its own lifecycle handler, added with the first use of
        // `app.databases`; the probe comes after it and before configure's: on shutdown it runs
        // after StopServingFirst and before the databases close.
        _ = app.databases
        let probe = Probe()
        app.lifecycle.use(probe)
        try await configure(app, config: .testing(clock: FixedClock(testNow)))
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try XCTUnwrap(app.http.server.shared.localAddress?.port)
        // Served while running (the database is not migrated here, so /health says 503; it answers).
        var first = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        first.headers.add(name: "Connection", value: "close")
        _ = try await HTTPClient.shared.execute(first, timeout: .seconds(5))
        probe.port = port
        let server = app.http.server.shared
        try await app.asyncShutdown()
        await server.shutdown()  // a no-op once stopped; without the fix, lets the test fail instead of crash
        XCTAssertEqual(probe.serverAnswered, false, "the server still took requests while the app shut down")
        XCTAssertEqual(probe.databaseAnswered, true, "the databases closed before the server stopped")
    }

    func testThePostgreSQLPoolSizeIsReadAndChecked() throws {
        let url = ["DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db", "CIVICGRID_SECRET": String(repeating: "s", count: 40), "PUBLIC_URL": "https://grid.example.cn"]
        XCTAssertEqual(try AppConfig.fromEnvironment(url).postgresConnectionsPerLoop, 4, "more than Fluent's one per loop")
        XCTAssertEqual(try AppConfig.fromEnvironment(url.merging(["DATABASE_POOL_PER_LOOP": "8"]) { $1 }).postgresConnectionsPerLoop, 8)
        for bad in ["0", "65", "four"] {
            XCTAssertThrowsError(try AppConfig.fromEnvironment(url.merging(["DATABASE_POOL_PER_LOOP": bad]) { $1 })) { error in
                XCTAssertTrue("\(error)".contains("DATABASE_POOL_PER_LOOP"))
            }
        }
    }

    func testErrorsArePagesForBrowsersAndJSONForTheAPI() async throws {
        try await withApp { app in
            _ = try await TestCity.build(app)
            let browser = app.browser()
            _ = try await browser.login("admin")
            let page = try await browser.get("/areas/999999")
            XCTAssertEqual(page.status, .notFound)
            XCTAssertTrue(page.body.string.contains("页面不存在"))
            XCTAssertTrue(page.headers.contentType?.description.contains("text/html") ?? false)
            let token = try await app.token("admin")
            let api = try await app.api(.GET, "/api/v1/areas/999999", token: token)
            XCTAssertEqual(api.status, .notFound)
            let body = try api.content.decode(ErrorPageMiddleware.ErrorBody.self)
            XCTAssertTrue(body.error)
            let unknownPage = try await app.testable().sendRequest(.GET, "/no-such-page", headers: ["Accept": "*/*"])
            XCTAssertEqual(unknownPage.status, .notFound)
            XCTAssertTrue(unknownPage.body.string.contains("页面或资源不存在"), "Chinese, and a page rather than JSON")
            let unknownAPI = try await app.api(.GET, "/api/v1/no-such-thing", token: token)
            XCTAssertEqual(try unknownAPI.content.decode(ErrorPageMiddleware.ErrorBody.self).reason, "页面或资源不存在")
            let malformed = try await app.api(.POST, "/api/v1/areas", token: token, json: "{not json")
            XCTAssertEqual(malformed.status, .badRequest)
            XCTAssertFalse(malformed.body.string.contains("Swift"), "no internals: \(malformed.body.string)")
        }
    }

    func testSecurityHeadersAreOnEveryResponse() async throws {
        try await withApp { app in
            let response = try await app.testable().sendRequest(.GET, "/login")
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") ?? false)
            XCTAssertEqual(response.headers.first(name: "X-Content-Type-Options"), "nosniff")
        }
    }

    func testDemoCitySeedsOnceAndEveryRoleHasAWorkingHome() async throws {
        try await withApp { app in
            // setup / act
            let first = try await DemoSeeder(app: app).seedIfEmpty(cases: 150, days: 40)
            let second = try await DemoSeeder(app: app).seedIfEmpty(cases: 150, days: 40)
            // validate
            XCTAssertTrue(first)
            XCTAssertFalse(second, "seeding is idempotent")
            let grids = try await Area.query(on: app.db).filter(\.$level == .grid).count()
            let streets = try await Area.query(on: app.db).filter(\.$level == .street).count()
            XCTAssertEqual(grids, 232)
            XCTAssertEqual(streets, 5)
            let plan = DemoCity.generate()
            let staff = try await User.query(on: app.db).filter(\.$kind == .staff).count()
            XCTAssertEqual(staff, plan.staff.count)
            // The case history went through the engine: every trace verifies, most cases are closed.
            let cases = try await Case.query(on: app.db).count()
            let closed = try await Case.query(on: app.db).filter(\.$status == .closed).count()
            XCTAssertGreaterThan(cases, 100)
            XCTAssertGreaterThan(Double(closed) / Double(cases), 0.7)
            let trail = try await TrailVerifier.verify(on: app.db)
            XCTAssertEqual(trail.breaks, [])
            XCTAssertEqual(trail.cases, cases)
            for login in DemoSeeder.logins() {
                let browser = app.browser()
                let signIn = try await browser.login(login.username, password: DemoCity.password)
                XCTAssertEqual(signIn.status, .seeOther, login.username)
                let home = try await browser.get("/home")
                XCTAssertEqual(home.status, .ok, login.username)
                XCTAssertFalse(home.body.string.contains("还没有分配岗位"), login.username)
                if login.username != "bm-cg1" {
                    let areas = try await browser.get("/areas")
                    XCTAssertEqual(areas.status, .seeOther, login.username)
                    let area = try await browser.get(areas.headers.first(name: .location)!)
                    XCTAssertEqual(area.status, .ok, login.username)
                    XCTAssertTrue(area.body.string.contains("<svg"), "\(login.username) sees a map")
                }
            }
            let admin = app.browser()
            _ = try await admin.login("admin", password: DemoCity.password)
            let anyCase = try await Case.query(on: app.db).first()!
            for path in ["/staff", "/staff?role=gridWorker&q=wg0", "/departments", "/staff/new", "/cases", "/cases?tab=overdue",
                         "/cases/\(anyCase.id!)", "/negative-list", "/categories", "/calendar", "/calendar?year=2027"] {
                let status = try await admin.get(path).status
                XCTAssertEqual(status, .ok, path)
            }
        }
    }
}

final class MetricsTests: XCTestCase {
    func testMetricsShowLatencyByRoutePatternAndCasesByStatus() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let token = try await app.token("op-c1")
            _ = try await app.api(.POST, "/api/v1/cases", token: token, json: """
                {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","channel":"wechatGroup","gridID":\(city.gridA.id!)}
                """)
            _ = try await app.api(.GET, "/api/v1/areas/\(city.gridA.id!)", token: token)
            let response = try await app.testable().sendRequest(.GET, "/metrics")
            XCTAssertEqual(response.status, .ok)
            let text = response.body.string
            XCTAssertTrue(text.contains(#"http_request_duration_seconds_count{method="GET",route="/api/v1/areas/:id",status="200"} 1"#), text)
            XCTAssertFalse(text.contains("/api/v1/areas/\(city.gridA.id!)"), "patterns, not ids")
            XCTAssertTrue(text.contains(#"civicgrid_cases{status="reported"} 1"#))
            XCTAssertTrue(text.contains("civicgrid_cases_open_overdue 0"))
        }
    }

    /// Finding 12: behind a same-host proxy everyone is 127.0.0.1, so an address proves nothing.
    func testMetricsOverTCPNeedTheTokenEvenFromLoopback() async throws {
        try await withApp(adjust: { $0.metricsToken = "scrape-token-0123456789" }) { app in
            let client = try app.testable(method: .running(hostname: "127.0.0.1", port: 0))
            let bare = try await client.sendRequest(.GET, "/metrics")
            XCTAssertEqual(bare.status, .notFound, "127.0.0.1 without the token")
            var wrong = HTTPHeaders(); wrong.bearerAuthorization = BearerAuthorization(token: "scrape-token-wrong-000")
            expectEqual(try await client.sendRequest(.GET, "/metrics", headers: wrong).status, .notFound)
            var right = HTTPHeaders(); right.bearerAuthorization = BearerAuthorization(token: "scrape-token-0123456789")
            expectEqual(try await client.sendRequest(.GET, "/metrics", headers: right).status, .ok)
        }
        try await withApp { app in
            let client = try app.testable(method: .running(hostname: "127.0.0.1", port: 0))
            expectEqual(try await client.sendRequest(.GET, "/metrics").status, .notFound, "no token configured: no TCP scrape")
        }
    }
}
