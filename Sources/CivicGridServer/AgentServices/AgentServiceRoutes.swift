import Vapor

/// 代办服务: the public catalogue and applications, the worker's phone screens, the center's queue and
/// the catalogue's administration.
struct AgentServiceRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.catalog, use: CatalogController.index)
        routes.get(.catalogItem(code: .placeholder), use: CatalogController.show)
        routes.get(.catalogApply(code: .placeholder), use: AgentServiceController.applyForm)
        routes.post(.catalogApply(code: .placeholder), use: AgentServiceController.apply)
        // (POST portalWithdraw: `PortalController.withdraw`, for a case's code or an application's.)

        routes.get(.fieldServices, use: AgentServiceController.phoneList)
        routes.get(.fieldServiceNew, use: AgentServiceController.phoneNew)
        routes.post(.fieldServices, use: AgentServiceController.phoneCreate)
        routes.get(.fieldService(.placeholder), use: AgentServiceController.phoneShow)
        routes.on(.POST, .fieldServiceAct(.placeholder), body: .collect(maxSize: "50mb"), use: AgentServiceController.phoneAct)

        routes.get(.agentServices, use: AgentServiceController.index)
        routes.get(.agentService(.placeholder), use: AgentServiceController.show)
        routes.on(.POST, .agentServiceAct(.placeholder), body: .collect(maxSize: "50mb"), use: AgentServiceController.act)
        routes.get(.agentServiceDocument(.placeholder, doc: .placeholder), use: AgentServiceController.document)

        routes.get(.catalogAdmin, use: CatalogController.admin)
        routes.on(.POST, .catalogAdmin, body: .collect(maxSize: "10mb"), use: CatalogController.upload)
        routes.get(.catalogCSV, use: CatalogController.export)
    }
}
