import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 单位组织 and 城市部件.
extension RegistryController {
    @Sendable static func createOrganization(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.create, .organization, by: user)
        let o = try await service(req).createOrganization(try req.content.decode(RegistryService.OrganizationDraft.self), by: user)
        return req.redirect(to: SiteURL.registryGrid(o.gridID).path(["notice": "created"]))
    }

    @Sendable static func createComponent(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.create, .component, by: user)
        let c = try await service(req).createComponent(try req.content.decode(RegistryService.ComponentDraft.self), by: user)
        return req.redirect(to: SiteURL.registryGrid(c.gridID).path(["notice": "created"]))
    }

    @Sendable static func componentState(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.update, .component, by: user)
        let registry = service(req)
        guard let c = try await registry.components(user).filter(\.$id == (try req.parameters.require("id", as: UUID.self))).first() else {
            throw Abort(.notFound, reason: "部件不存在或不在您的管辖范围内")
        }
        guard let state = ComponentState(text: try req.content.get(String.self, at: "state")) else { throw Abort(.unprocessableEntity, reason: "状态应为：\(ComponentState.choices)") }
        try await registry.setState(state, of: c, by: user)
        return req.redirect(to: SiteURL.registryGrid(c.gridID).path(["notice": "saved"]))
    }
}
