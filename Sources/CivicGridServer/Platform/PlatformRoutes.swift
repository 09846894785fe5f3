import Vapor

/// Health, metrics, the live event stream, and the two front doors (`/` and `/home`).
struct PlatformRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.health, use: HealthController.check)
        routes.get(.metrics, use: MetricsController.scrape)
        routes.get(.events, use: EventsController.stream)
        routes.get(.root, use: HomeController.root)
        routes.get(.home, use: HomeController.home)
    }
}
