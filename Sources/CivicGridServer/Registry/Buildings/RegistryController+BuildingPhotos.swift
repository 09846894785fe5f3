import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// A building's photo (sealed at rest).
extension RegistryController {
    @Sendable static func uploadBuildingPhoto(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.update, .building, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        guard let file = try? req.content.get(File.self, at: "photo"), file.data.readableBytes > 0 else {
            return try await renderBuilding(req, id: id, error: "请选择照片").encodeResponse(status: .unprocessableEntity, for: req)
        }
        let store = PhotoStore(root: req.state.uploadDirectory)
        let stored: [PhotoStore.Stored]
        do { stored = try store.store([file], now: req.state.clock.now(), sealedWith: req.state.cipher) } catch let error as AbortError {
            return try await renderBuilding(req, id: id, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        PhotoStore.makeDerivatives(stored, root: req.state.uploadDirectory, cipher: req.state.cipher)
        b.photoPath = stored[0].relativePath; b.photoType = stored[0].contentType; b.version += 1; b.updatedAt = req.state.clock.now()
        try await req.db.transaction { tx in
            try await b.save(on: tx)
            try await RegistryRevision.record(.building, id, grid: b.$grid.id, version: b.version, .update, by: user, at: req.state.clock.now(),
                                           changes: [FieldChange(field: "照片", old: nil, new: "已更新")], on: tx)
        }
        return req.redirect(to: SiteURL.building(id).path(["notice": "saved"]))
    }

    @Sendable static func buildingPhoto(req: Request) async throws -> Response {
        let user = try reader(req)
        let b = try await service(req).building(try req.parameters.require("id", as: UUID.self), for: user)
        guard let path = b.photoPath else { throw Abort(.notFound) }
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: path, contentType: b.photoType ?? "application/octet-stream", req: req)
    }
}
