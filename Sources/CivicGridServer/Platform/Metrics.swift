import Fluent
import Foundation
import GridCore
import Prometheus
import SQLKit
import Vapor

/// Prometheus metrics at `/metrics`: request latency per route, cases by status, SLA sweeps.
/// Each application has its own registry (no global bootstrap), so tests can run many apps.
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]

    func requestFinished(method: String, route: String, status: UInt, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "http_request_duration_seconds", helpText: "HTTP request latency by route pattern"),
            labels: [("method", method), ("route", route), ("status", String(status))], buckets: Self.latencyBuckets
        ).record(duration)
    }

    func sweep(marked: Int) {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "civicgrid_sla_sweeps_total", helpText: "SLA sweeper runs")).increment()
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "civicgrid_deadlines_missed_total", helpText: "Deadlines marked overdue"))
            .increment(by: Int64(marked))
    }

    /// Figures read from the database at scrape time.
    func refresh(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        struct Row: Decodable { let status: String; let n: Int }
        let rows = try await sql.select().column("status").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Case.schema).groupBy("status").all(decoding: Row.self)
        for status in CaseStatus.allCases {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "civicgrid_cases", helpText: "Cases by status"), labels: [("status", status.rawValue)])
                .set(Double(rows.first { $0.status == status.rawValue }?.n ?? 0))
        }
        let overdue = try await Case.query(on: db).filter(\.$overdue == true).filter(\.$status !~ [.closed, .rejected]).count()
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "civicgrid_cases_open_overdue", helpText: "Open cases with a missed deadline"))
            .set(Double(overdue))
        let backlog = try await OutboxMessage.query(on: db).filter(\.$status == .pending).count()
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "civicgrid_outbox_backlog", helpText: "Hotline callbacks not yet delivered"))
            .set(Double(backlog))
    }
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = AppMetrics }

    var metrics: AppMetrics {
        if let existing = storage[MetricsKey.self] { return existing }
        let created = AppMetrics()
        storage[MetricsKey.self] = created
        return created
    }
}

/// Times every request under its route pattern (`/cases/:id`, never the concrete id).
struct MetricsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await next.respond(to: request)
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.application.metrics.requestFinished(method: request.method.rawValue, route: route, status: response.status.code,
                                                    duration: clock.now - start)
        return response
    }
}

enum MetricsController {
    /// With `Authorization: Bearer $METRICS_TOKEN` over TCP — from any address: a reverse proxy on
    /// the same host makes every visitor look like 127.0.0.1 — or over a private (Unix) socket,
    /// which has no peer address. Without METRICS_TOKEN, TCP scrapes are refused.
    @Sendable static func scrape(req: Request) async throws -> Response {
        let token = req.state.config.metricsToken
        let tokenOK = token.map { !$0.isEmpty && ConstantTime.equal(req.headers.bearerAuthorization?.token ?? "", $0) } ?? false
        guard tokenOK || req.remoteAddress == nil else { throw Abort(.notFound) }
        try await req.application.metrics.refresh(on: req.db)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: req.application.metrics.registry.emitToString()))
    }
}
