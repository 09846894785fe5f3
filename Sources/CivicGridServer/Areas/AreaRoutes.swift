import Vapor

/// The area tree (district → grid) and its boundaries — web pages and their API.
struct AreaRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.areas, use: AreaController.index)
        routes.get(.area(.placeholder), use: AreaController.show)
        routes.get(.areaNew(parent: .placeholder), use: AreaController.newForm)
        routes.post(.areaNew(parent: .placeholder), use: AreaController.create)
        routes.get(.areaEdit(.placeholder), use: AreaController.editForm)
        routes.post(.areaEdit(.placeholder), use: AreaController.update)
        routes.post(.areaMove(.placeholder), use: AreaController.move)
        routes.post(.areaDelete(.placeholder), use: AreaController.delete)

        routes.get(.boundaries, use: BoundaryController.page)
        routes.on(.POST, .boundaries, body: .collect(maxSize: "50mb"), use: BoundaryController.upload)
        routes.get(.boundariesGeoJSON, use: BoundaryController.export)

        routes.get(.apiAreas, use: AreaController.apiList)
        routes.post(.apiAreas, use: AreaController.apiCreate)
        routes.get(.apiArea(.placeholder), use: AreaController.apiShow)
        routes.patch(.apiArea(.placeholder), use: AreaController.apiUpdate)
        routes.delete(.apiArea(.placeholder), use: AreaController.apiDelete)
        routes.post(.apiAreaMove(.placeholder), use: AreaController.apiMove)
        routes.get(.apiAreaGeoJSON(.placeholder), use: AreaController.apiGeoJSON)
        routes.get(.apiBoundaries, use: BoundaryController.export)
    }
}
