import Fluent
import Foundation
import GridCore

/// 办事指南: a service item residents can apply for, with what it takes.
final class ServiceItem: Model, @unchecked Sendable {
    static let schema = "service_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "department") var department: String
    @Field(key: "category") var category: String
    @Field(key: "conditions") var conditions: String
    /// One per line.
    @Field(key: "materials") var materials: String
    @Field(key: "steps") var steps: String
    @Field(key: "time_limit") var timeLimit: String
    @Field(key: "fees") var fees: String
    @Field(key: "location") var location: String
    @Field(key: "agent_handled") var agentHandled: Bool
    @Field(key: "keywords") var keywords: String
    /// Pinyin initials of the name and keywords (GridCore `PinyinInitials`), kept for search.
    @Field(key: "initials") var initials: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    func apply(_ r: ServiceRecord, at: Date) {
        code = r.code; name = r.name; department = r.department; category = r.category; conditions = r.conditions
        materials = r.materials.joined(separator: "\n"); steps = r.steps.joined(separator: "\n"); timeLimit = r.timeLimit
        fees = r.fees; location = r.location; agentHandled = r.agentHandled; keywords = r.keywords
        initials = r.entry.initials; updatedAt = at
    }

    var entry: ServiceEntry { ServiceEntry(code: code, name: name, department: department, keywords: keywords + " " + category) }
}
