import Fluent
import Foundation
import GridCore

/// 日常巡查清单: one thing a grid's patrol looks at (a component, a known hazard, a building site).
final class PatrolChecklistItem: Model, @unchecked Sendable {
    static let schema = "patrol_checklist_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "title") var title: String
    @Field(key: "kind") var kind: PatrolChecklist.Kind
    @Field(key: "place") var place: String
    /// The category a problem found here is reported under.
    @OptionalField(key: "category_id") var categoryID: UUID?
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @Field(key: "position") var position: Int
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// What a patrol found at one checklist item: fine, or a problem (and the case it became).
final class PatrolItemResult: Model, @unchecked Sendable {
    static let schema = "patrol_item_results"

    @ID(key: .id) var id: UUID?
    @Field(key: "checkin_id") var checkInID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "ok") var ok: Bool
    @Field(key: "note") var note: String
    @OptionalField(key: "case_id") var caseID: UUID?
    @Field(key: "at") var at: Date

    init() {}
}
