import Vapor

/// The 12345 hotline link, API keys, Open311 GeoReport v2 and the OpenAPI document.
struct IntegrationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.hotline, use: HotlineController.page)
        routes.post(.hotlineCategories, use: HotlineController.map)
        routes.post(.hotlineRetry(.placeholder), use: HotlineController.retry)
        routes.post(.apiHotlineOrders, use: HotlineController.receive)

        routes.get(.apiKeys, use: ApiKeyController.index)
        routes.post(.apiKeys, use: ApiKeyController.create)
        routes.post(.apiKeyRevoke(.placeholder), use: ApiKeyController.revoke)
        routes.post(.apiKeyLimit(.placeholder), use: ApiKeyController.setLimit)

        routes.get(.open311(file: .placeholder), use: Open311Controller.index)
        routes.post(.open311(file: .placeholder), use: Open311Controller.post)
        routes.get(.open311Service(file: .placeholder), use: Open311Controller.serviceDefinition)
        routes.get(.open311Request(file: .placeholder), use: Open311Controller.request)
        routes.get(.open311Token(file: .placeholder), use: Open311Controller.token)

        routes.get(.openAPI, use: OpenAPIDocument.serve)
        routes.get(.apiDocs, use: OpenAPIDocument.page)
    }
}
