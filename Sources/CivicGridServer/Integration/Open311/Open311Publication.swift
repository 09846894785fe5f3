import Fluent
import Foundation

/// A category listed on the public Open311 feed.
final class Open311PublicCategory: Model, @unchecked Sendable {
    static let schema = "open311_public_categories"
    @ID(custom: "category_id", generatedBy: .user) var id: UUID?
    init() {}
    init(categoryID: UUID) { id = categoryID }
}

/// What Open311 publishes of a resident's report, as a command-center operator wrote it.
final class CasePublication: Model, @unchecked Sendable {
    static let schema = "case_publications"
    @ID(custom: "case_id", generatedBy: .user) var id: UUID?
    @Field(key: "text") var text: String
    @Field(key: "by_id") var byID: UUID
    @Field(key: "at") var at: Date
    init() {}
}

/// Reads of what is public.
enum Open311Records {
    static func publicCategoryIDs(on db: any Database) async throws -> Set<UUID> {
        Set(try await Open311PublicCategory.query(on: db).all().compactMap(\.id))
    }

    static func isPublic(_ categoryID: UUID, on db: any Database) async throws -> Bool {
        try await Open311PublicCategory.find(categoryID, on: db) != nil
    }

    static func setPublic(_ categoryID: UUID, _ isPublic: Bool, on db: any Database) async throws {
        let existing = try await Open311PublicCategory.find(categoryID, on: db)
        if isPublic, existing == nil { try await Open311PublicCategory(categoryID: categoryID).create(on: db) }
        if !isPublic, let existing { try await existing.delete(on: db) }
    }

    /// The moderated texts of these cases.
    static func publications(_ caseIDs: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !caseIDs.isEmpty else { return [:] }
        return Dictionary(try await CasePublication.query(on: db).filter(\.$id ~~ caseIDs).all().map { ($0.id!, $0.text) },
                          uniquingKeysWith: { a, _ in a })
    }
}
