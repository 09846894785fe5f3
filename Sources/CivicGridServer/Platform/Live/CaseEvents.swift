import FluentPostgresDriver
import Foundation
import GridCore
import Synchronization
import Vapor

/// What the live views hear about: a case created, changed, or gone overdue.
struct CaseEvent: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case created, changed, overdue }
    let kind: Kind
    let caseID: UUID
    let code: String
    let title: String
    let status: String
    let statusName: String
    let overdue: Bool
    let gridPath: String
    let holderDepartmentID: UUID?
    let reporterID: UUID?
    let at: Date

    init(_ kind: Kind, _ c: Case, gridPath: String, at: Date) {
        self.kind = kind
        caseID = c.id!
        code = c.code
        title = c.title
        status = c.status.rawValue
        statusName = c.status.displayName
        overdue = c.overdue
        self.gridPath = gridPath
        holderDepartmentID = c.$holderDepartment.id
        reporterID = c.$reporter.id
        self.at = at
    }

    /// The same rule as `CaseService.visible`: the user's areas, their department's cases, their own reports.
    func isVisible(to user: CurrentUser) -> Bool {
        if let path = AreaPath(gridPath), user.scope.covers(path) { return true }
        if let d = holderDepartmentID, user.assignments.contains(where: { $0.departmentID == d }) { return true }
        return reporterID == user.id
    }

    /// One server-sent event.
    var sse: String {
        let data = (try? Self.encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(kind.rawValue)\ndata: \(data)\n\n"
    }

    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; e.outputFormatting = .sortedKeys; return e }()
    static let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }()
}

/// Fans case events out to every connected browser. On SQLite (one process) events are handed to
/// the local subscribers directly. On PostgreSQL they go through `NOTIFY`, and every instance
/// `LISTEN`s on one dedicated connection, so a case created on one app server reaches the
/// dashboards connected to any other.
final class CaseEventHub: Sendable {
    static let channel = "civicgrid_case_events"
    /// A connected stream: whose, on which sign-in, in which order.
    struct Subscriber: Sendable {
        let continuation: AsyncStream<CaseEvent>.Continuation
        let userID: UUID?
        let tokenHash: String?
        let sequence: Int
    }
    /// Streams one user may hold open at once; a new one closes their oldest.
    static let maxStreamsPerUser = 4
    private let subscribers = Mutex<[UUID: Subscriber]>([:])
    private let sequence = Mutex<Int>(0)
    private let listener = Mutex<Task<Void, Never>?>(nil)
    private let ready = Mutex<Bool>(false)

    var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A stream of every event from now on; call `unsubscribe` with the id when done.
    func subscribe(_ app: Application, userID: UUID? = nil, token: String? = nil) async -> (UUID, AsyncStream<CaseEvent>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<CaseEvent>.makeStream(bufferingPolicy: .bufferingNewest(200))
        let n = sequence.withLock { $0 += 1; return $0 }
        let evicted: [Subscriber] = subscribers.withLock { s in
            s[id] = Subscriber(continuation: continuation, userID: userID, tokenHash: token.map(TokenMaker.hash), sequence: n)
            guard let userID else { return [] }
            let mine = s.filter { $0.value.userID == userID }.sorted { $0.value.sequence < $1.value.sequence }
            let extra = mine.prefix(max(0, mine.count - Self.maxStreamsPerUser))
            return extra.compactMap { s.removeValue(forKey: $0.key) }
        }
        evicted.forEach { $0.continuation.finish() }
        await startListening(app)
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        let c = subscribers.withLock { $0.removeValue(forKey: id) }
        c?.continuation.finish()
    }

    /// Closes the streams opened with this sign-in (logout) or by this user (deactivation).
    func disconnect(sessionToken token: String) { disconnect { $0.tokenHash == TokenMaker.hash(token) } }
    func disconnect(userID: UUID) { disconnect { $0.userID == userID } }

    private func disconnect(where match: (Subscriber) -> Bool) {
        let closed: [Subscriber] = subscribers.withLock { s in
            let ids = s.filter { match($0.value) }.map(\.key)
            return ids.compactMap { s.removeValue(forKey: $0) }
        }
        closed.forEach { $0.continuation.finish() }
    }

    /// Hands an event to this instance's subscribers.
    func deliver(_ event: CaseEvent) {
        for c in subscribers.withLock({ Array($0.values) }) { c.continuation.yield(event) }
    }

    /// On PostgreSQL, queues the events in the writing transaction itself (`NOTIFY` is delivered at
    /// commit, never for a rolled-back change), all in one statement; returns false elsewhere, where
    /// the caller publishes after the commit.
    func notify(_ events: [CaseEvent], inTransaction tx: any Database) async throws -> Bool {
        guard let sql = tx as? any SQLDatabase, sql.dialect.name == "postgresql" else { return false }
        guard !events.isEmpty else { return true }
        let payloads = events.map { String(decoding: (try? CaseEvent.encoder.encode($0)) ?? Data(), as: UTF8.self) }
        try await sql.raw("SELECT pg_notify(\(bind: Self.channel), p) FROM unnest(\(bind: payloads)::text[]) AS p").run()
        return true
    }

    /// Publishes after the change committed: through PostgreSQL to every instance, or locally.
    func publish(_ events: [CaseEvent], app: Application) async {
        guard !events.isEmpty else { return }
        guard case .postgres = app.state.config.database, let sql = app.db as? any SQLDatabase else {
            events.forEach(deliver)
            return
        }
        for event in events {
            let payload = String(decoding: (try? CaseEvent.encoder.encode(event)) ?? Data(), as: UTF8.self)
            do { try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: payload))").run() }
            catch { app.logger.warning("case event not sent", metadata: ["error": .string(String(reflecting: error))]); deliver(event) }
        }
    }

    /// On PostgreSQL: one listening connection per instance, started with the first subscriber and
    /// kept (reconnecting after a failure) until shutdown. Returns once LISTEN is in place.
    private func startListening(_ app: Application) async {
        guard case .postgres(let url) = app.state.config.database else { return }
        listener.withLock { task in
            if task == nil { task = Task { await self.listen(url: url, app: app) } }
        }
        for _ in 0..<100 where !ready.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(50)) }
    }

    private func listen(url: URL, app: Application) async {
        while !Task.isCancelled {
            do {
                let config = try SQLPostgresConfiguration(url: url).coreConfiguration
                let connection = try await PostgresConnection.connect(on: app.eventLoopGroup.any(), configuration: config, id: 1, logger: app.logger)
                defer { Task { try? await connection.close() } }
                let notifications = try await connection.listen(Self.channel)
                ready.withLock { $0 = true }
                for try await notification in notifications {
                    if let event = try? CaseEvent.decoder.decode(CaseEvent.self, from: Data(notification.payload.utf8)) { deliver(event) }
                }
            } catch {
                ready.withLock { $0 = false }
                if Task.isCancelled { break }
                app.logger.warning("case event listener reconnecting", metadata: ["error": .string(String(reflecting: error))])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func shutdown() {
        listener.withLock { $0?.cancel(); $0 = nil }
        for c in subscribers.withLock({ s in defer { s = [:] }; return Array(s.values) }) { c.continuation.finish() }
    }
}

struct CaseEventsLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async { application.state.caseEvents.shutdown() }
}

/// `GET /events`: server-sent events of the cases this user may see, with a comment every 15 s
/// so proxies keep the connection open.
enum EventsController {
    @Sendable static func stream(req: Request) async throws -> Response {
        let user = try req.currentUser
        let app = req.application
        let hub = req.state.caseEvents
        let token = req.headers.bearerAuthorization?.token ?? req.cookies[Cookies.session]?.string
        let (id, events) = await hub.subscribe(app, userID: user.id, token: token)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let body = Response.Body(managedAsyncStream: { writer in
            defer { hub.unsubscribe(id) }
            try await writer.writeBuffer(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events where event.isVisible(to: user) {
                        try await writer.writeBuffer(ByteBuffer(string: event.sse))
                    }
                }
                group.addTask {
                    // Every 15 s: still signed in and active (logout or deactivation on another instance)?
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(15))
                        if let token, try await AuthService(db: app.db, app: app).session(forToken: token) == nil { return }
                        try await writer.writeBuffer(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        })
        return Response(status: .ok, headers: headers, body: body)
    }
}
