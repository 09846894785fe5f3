import Fluent
import Foundation
import GridCore

/// 问责: a sanction recorded against a person or a unit, usually for a case that went overdue or failed.
final class Sanction: Model, @unchecked Sendable {
    static let schema = "sanctions"

    enum Target: String, Codable, Sendable { case user, area, department }

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: SanctionKind
    @Field(key: "target_type") var targetType: Target
    @Field(key: "target_id") var targetID: String
    @Field(key: "target_name") var targetName: String
    @OptionalField(key: "case_id") var caseID: UUID?
    @OptionalField(key: "case_code") var caseCode: String?
    /// The area whose supervisors see it (the case's grid, or the issuer's area).
    @Field(key: "area_id") var areaID: Int
    @Field(key: "reason") var reason: String
    @Field(key: "issued_by") var issuedBy: UUID
    @Field(key: "issued_by_name") var issuedByName: String
    @Field(key: "issued_at") var issuedAt: Date

    init() {}
}
