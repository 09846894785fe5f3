import Vapor

/// Registering a route by its `SiteURL` case: `routes.get(.caseDetail(.placeholder), use: CaseController.show)`.
extension RoutesBuilder {
    @discardableResult
    func get<R: AsyncResponseEncodable>(_ url: SiteURL, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.GET, url, use: handler)
    }

    @discardableResult
    func post<R: AsyncResponseEncodable>(_ url: SiteURL, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.POST, url, use: handler)
    }

    @discardableResult
    func patch<R: AsyncResponseEncodable>(_ url: SiteURL, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.PATCH, url, use: handler)
    }

    @discardableResult
    func delete<R: AsyncResponseEncodable>(_ url: SiteURL, use handler: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.DELETE, url, use: handler)
    }

    /// A route with its own body limit (uploads), e.g. `body: .collect(maxSize: "50mb")`.
    @discardableResult
    func on<R: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ url: SiteURL, body: HTTPBodyStreamStrategy = .collect,
        use handler: @Sendable @escaping (Request) async throws -> R
    ) -> Route {
        on(method, url.pathComponents, body: body, use: handler)
    }
}
