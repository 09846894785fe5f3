import Vapor

/// Every feature registers its own routes, from its own folder, by `SiteURL` case.
func routes(_ app: Application) throws {
    let features: [any RouteCollection] = [
        PlatformRoutes(), StaffRoutes(), AreaRoutes(), CaseRoutes(), MapRoutes(), FieldRoutes(), TaskRoutes(),
        PortalRoutes(), AgentServiceRoutes(), RegistryRoutes(), AssessmentRoutes(), IntegrationRoutes(),
    ]
    for feature in features { try app.register(collection: feature) }
}
