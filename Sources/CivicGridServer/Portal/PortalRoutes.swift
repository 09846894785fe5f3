import Vapor

/// The resident portal (`/r`): report, track and rate, the grid's card; the building QR pages (`/b`) and
/// the printable QR sheet for a grid.
struct PortalRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.portal, use: PortalController.home)
        routes.get(.portalReport, use: PortalController.reportForm)
        routes.on(.POST, .portalReport, body: .collect(maxSize: "30mb"), use: PortalController.report)
        routes.get(.portalTrackLookup, use: PortalController.trackLookup)
        routes.get(.portalTrack(code: .placeholder), use: PortalController.track)
        routes.post(.portalRate(code: .placeholder), use: PortalController.rate)
        routes.post(.portalWithdraw(code: .placeholder), use: PortalController.withdraw)
        routes.get(.portalGrid(.placeholder), use: PortalController.grid)
        routes.get(.portalStaffPhoto(.placeholder), use: PortalController.staffPhoto)
        routes.get(.buildingCard(token: .placeholder), use: PortalController.building)
        routes.get(.buildingQR(token: .placeholder), use: PortalController.qr)
        routes.get(.registryGridQR(.placeholder), use: PortalController.sheet)
    }
}
