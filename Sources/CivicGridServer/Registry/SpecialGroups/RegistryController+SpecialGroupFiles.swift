import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Filing a person in a special group and ending the file.
extension RegistryController {
    @Sendable static func fileSpecialGroup(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.require(.create, .specialGroup, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        guard let kind = SpecialGroupKind(rawValue: try req.content.get(String.self, at: "kind")) else { throw Abort(.badRequest, reason: "未知的特殊人群类别") }
        var details: [String: String] = [:]
        for f in kind.fields { details[f.key] = try? req.content.get(String.self, at: "detail", f.key) }
        return try await req.submitForm({
            _ = try await registry.fileSpecialGroup(kind, person: p, details: details, responsibleID: nil, by: user)
        }, showAgain: { try await renderPerson(req, id: id, revealed: nil, error: $0) }, then: SiteURL.person(id).path(["notice": "saved"]))
    }

    @Sendable static func closeMembership(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.require(.close, .specialGroup, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        guard let m = try await SpecialGroupMember.query(on: req.db).filter(\.$id == (try req.parameters.require("member", as: UUID.self)))
            .filter(\.$person.$id == id).first() else { throw Abort(.notFound) }
        return try await req.submitForm({
            try await registry.closeMembership(m, reason: (try? req.content.get(String.self, at: "reason")) ?? "", by: user)
        }, refusing: [.unprocessableEntity], showAgain: { try await renderPerson(req, id: p.id!, revealed: nil, error: $0) },
           then: SiteURL.person(id).path(["notice": "saved"]))
    }
}
