import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 走访 recorded from the registry, visit histories and their photos (restricted files stay hidden).
extension RegistryController {
    struct VisitRow: Encodable { let on: String; let who: String; let note: String; let photos: [String] }

    /// Visits with the links to their photos (走访留痕).
    static func visitRows(_ visits: [Visit], on db: any Database) async throws -> [VisitRow] {
        let ids = visits.compactMap(\.id)
        let photos = ids.isEmpty ? [] : try await VisitPhoto.query(on: db).filter(\.$visitID ~~ ids).sort(\.$createdAt).all()
        return visits.map { v in
            VisitRow(on: v.visitedOn, who: v.workerName, note: v.note,
                     photos: photos.filter { $0.visitID == v.id }.map { SiteURL.visitPhoto($0.id!).path })
        }
    }

    /// A visit's photo, for those who may see the person visited.
    @Sendable static func visitPhoto(req: Request) async throws -> Response {
        let user = try reader(req)
        guard let photo = try await VisitPhoto.find(try req.parameters.require("id", as: UUID.self), on: req.db),
              let visit = try await Visit.find(photo.visitID, on: req.db) else { throw Abort(.notFound) }
        if let personID = visit.personID { _ = try await service(req).person(personID, for: user) }
        // A visit under a restricted special-group file is as hidden as the file (finding 1).
        if let memberID = visit.memberID, try await SpecialGroupVisibility(user).members(SpecialGroupMember.query(on: req.db)).filter(\.$id == memberID).first() == nil {
            throw Abort(.notFound)
        }
        else { guard try await req.areas.find(visit.gridID, in: user.scope) != nil else { throw Abort(.notFound) } }
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: photo.storedPath, contentType: photo.contentType, req: req)
    }

    struct VisitBody: Content { let note: String; let memberID: String?; let visitedOn: String? }

    @Sendable static func recordVisit(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.require(.create, .visit, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        let body = try req.content.decode(VisitBody.self)
        var member: SpecialGroupMember?
        if let mid = body.memberID.flatMap(nonEmpty).flatMap(UUID.init(uuidString:)) {
            member = try await SpecialGroupVisibility(user).member(mid, person: id, on: req.db)
            guard member != nil else { throw Abort(.notFound) }
        }
        var date: LocalDate?
        if let text = body.visitedOn.flatMap(nonEmpty) {
            guard let d = LocalDate(text) else { throw Abort(.unprocessableEntity, reason: "走访日期格式应为 年-月-日") }
            date = d
        }
        let back = req.query[String.self, at: "back"] == "special" ? SiteURL.specialGroups : SiteURL.person(id)
        return try await req.submitForm({
            try await registry.recordVisit(person: p, member: member, note: body.note, on: date, by: user)
        }, refusing: [.unprocessableEntity], showAgain: { try await renderPerson(req, id: id, revealed: nil, error: $0) },
           then: back.path(["notice": "saved"]))
    }
}
