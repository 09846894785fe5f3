import Fluent
import Foundation
import SQLKit
import Vapor

/// `GET /health`: the process is up and the database answers.
enum HealthController {
    struct Health: Content {
        let status: String
        let database: String
        /// Which app instance answered (host:pid), for load balancers and the scale-out check.
        var instance = HealthController.instance
    }
    static let instance = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    @Sendable static func check(req: Request) async throws -> Response {
        do {
            _ = try await Area.query(on: req.db).count()
            return try await Health(status: "ok", database: req.db.sqlDialectName).encodeResponse(for: req)
        } catch {
            req.logger.error("health check failed", metadata: ["error": .string(String(reflecting: error))])
            return try await Health(status: "unavailable", database: req.db.sqlDialectName).encodeResponse(status: .serviceUnavailable, for: req)
        }
    }
}

extension Database {
    var sqlDialectName: String { (self as? any SQLDatabase)?.dialect.name ?? "unknown" }
}
