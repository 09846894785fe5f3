import Vapor

/// The map page, hotspots and the map's layer API.
struct MapRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.map, use: MapController.page)
        routes.get(.mapHotspots, use: MapController.hotspots)
        routes.get(.apiMapLayer(.placeholder), use: MapController.apiLayer)
        routes.get(.apiMapLocate, use: MapController.apiLocate)
    }
}
