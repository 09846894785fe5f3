import AsyncHTTPClient
import Fluent
import GridCore
import NIOCore
import XCTVapor
@testable import CivicGridServer

/// Live case events over server-sent events. On PostgreSQL a second app instance on the same
/// database serves the stream, so the event has to travel through NOTIFY/LISTEN; on SQLite the
/// one instance hands it over in-process.
final class LiveEventsTests: XCTestCase {
    func testNewAndChangedCasesReachConnectedBrowsersOnEveryInstanceInScopeOnly() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            try await MapTests.draw(app, city)
            // The instance the browser is connected to.
            let other: Application
            if usingPostgres {
                other = try await Application.make(.testing)
                other.logger.logLevel = .warning
                try await configure(other, config: .testing(clock: FixedClock(testNow)))
            } else {
                other = app
            }
            try await other.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try XCTUnwrap(other.http.server.shared.localAddress?.port)
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            // A stream that never delivers must fail the test, not hang it: closing the client ends the read.
            let watchdog = Task { try? await Task.sleep(for: .seconds(30)); try? await client.shutdown() }
            defer { watchdog.cancel() }
            do {
                let token = try await app.token("op-c1")
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/events")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                let response = try await client.execute(request, timeout: .seconds(60))
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers.first(name: "Content-Type"), "text/event-stream; charset=utf-8")
                let body = response.body
                var iterator = body.makeAsyncIterator()
                let hello = try await iterator.next().map { String(buffer: $0) } ?? ""
                XCTAssertTrue(hello.contains(": connected"), hello)

                // A case outside community 1 first, then one inside: only the second is streamed.
                let district = try await app.token("op-d")
                let category = try await app.category("HJ03")
                func report(_ title: String, lon: Double) async throws -> CaseAPIController.CaseDTO {
                    let created = try await app.api(.POST, "/api/v1/cases", token: district, json: """
                        {"categoryID":"\(category)","title":"\(title)","channel":"hotline12345","latitude":27.81,"longitude":\(lon)}
                        """)
                    XCTAssertEqual(created.status, .created, created.body.string)
                    return try created.content.decode(CaseAPIController.CaseDTO.self)
                }
                let outside = try await report("湘江社区噪声", lon: 113.13)
                let inside = try await report("清水社区噪声", lon: 113.105)
                var text = ""
                while !text.contains(inside.code), let chunk = try await iterator.next() { text += String(buffer: chunk) }
                XCTAssertTrue(text.contains("event: created"), text)
                XCTAssertFalse(text.contains(outside.code), "a case outside the user's scope is not streamed")
                let data = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("data: ") && $0.contains(inside.code) })
                let event = try CaseEvent.decoder.decode(CaseEvent.self, from: Data(data.dropFirst(6).utf8))
                XCTAssertEqual(event.caseID, inside.id)
                XCTAssertEqual(event.statusName, "待受理")

                // An action on it is streamed as a change.
                let accepted = try await app.api(.POST, "/api/v1/cases/\(inside.id)/actions", token: district, json: #"{"action":"accept"}"#)
                XCTAssertEqual(accepted.status, .ok, accepted.body.string)
                text = ""
                while !text.contains("event: changed"), let chunk = try await iterator.next() { text += String(buffer: chunk) }
                XCTAssertTrue(text.contains(inside.code))
            } catch {
                try? await client.shutdown()
                await other.server.shutdown()
                if other !== app { try? await other.asyncShutdown() }
                throw error
            }
            try await client.shutdown()
            await other.server.shutdown()
            if other !== app { try await other.asyncShutdown() }
        }
    }

    func testOverdueSweepsAndAnonymousVisitors() async throws {
        let clock = FixedClock(testNow)
        try await withApp(clock: clock) { app in
            let city = try await TestCity.build(app)
            let (id, stream) = await app.state.caseEvents.subscribe(app)
            defer { app.state.caseEvents.unsubscribe(id) }
            let created = try await app.api(.POST, "/api/v1/cases", token: try await app.token("op-d"), json: """
                {"categoryID":"\(try await app.category("HJ03"))","title":"夜间施工","channel":"hotline12345","gridID":\(city.gridA.id!)}
                """)
            let c = try created.content.decode(CaseAPIController.CaseDTO.self)
            clock.advance(by: 25 * 3600)
            let result = try await SLASweeper(db: app.db).sweep(now: clock.now())
            XCTAssertEqual(result.events.map(\.caseID), [c.id])
            XCTAssertEqual(result.events.first?.kind, .overdue)
            XCTAssertEqual(result.events.first?.gridPath, city.gridA.path)
            await app.state.caseEvents.publish(result.events, app: app)
            var kinds: [CaseEvent.Kind] = []
            for await event in stream {
                kinds.append(event.kind)
                if event.kind == .overdue { break }
            }
            XCTAssertEqual(kinds, [.created, .overdue])
            // Scope: the event is for grid A's people, the district, the department it is with, and the reporter.
            let overdue = result.events[0]
            for (username, sees) in [("op-c1", true), ("wg-a", true), ("wg-b", false), ("op-s2", false), ("op-d", true), ("cg-1", false)] {
                let user = try await CurrentUser.load(city.users[username]!, via: .webSession, on: app.db)
                XCTAssertEqual(overdue.isVisible(to: user), sees, username)
            }
            let anonymous = try await app.testable().sendRequest(.GET, "/events", headers: ["Accept": "application/json"])
            XCTAssertTrue([.unauthorized, .seeOther].contains(anonymous.status), "\(anonymous.status)")
        }
    }
}
