import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `GET /api/v1/people` and friends.
extension RegistryListController {
    // MARK: API

    struct APIPerson: Content { let id: UUID; let name: String; let idNumberMasked: String; let phoneMasked: String?; let gender: String; let birthYear: Int?; let kind: String; let gridID: Int; let householdID: UUID? }

    @Sendable static func apiPeople(req: Request) async throws -> [APIPerson] {
        let user = try RegistryController.reader(req)
        let q = req.query[String.self, at: "q"] ?? ""
        guard !q.trimmingCharacters(in: .whitespaces).isEmpty else { throw Abort(.badRequest, reason: "请提供查询条件 q（姓名、身份证号或其后四位、手机号或其后四位）") }
        let registry = req.registry
        return try await registry.search(q, for: user).people.map { p in
            APIPerson(id: p.id!, name: p.name, idNumberMasked: registry.maskedID(p), phoneMasked: registry.maskedPhone(p), gender: p.gender.rawValue,
                      birthYear: p.birthYear, kind: p.kind.rawValue, gridID: p.gridID, householdID: p.$household.id)
        }
    }
}
