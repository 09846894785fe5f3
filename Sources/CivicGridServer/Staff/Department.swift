import Fluent
import Foundation
import Vapor

/// 职能部门, with its responsibility list (部门职责清单).
final class Department: Model, @unchecked Sendable {
    static let schema = "departments"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "responsibilities") var responsibilities: String
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(code: String, name: String, responsibilities: String, active: Bool = true) {
        self.code = code
        self.name = name
        self.responsibilities = responsibilities
        self.active = active
    }
}
