import Fluent
import Foundation

/// 扁平化派发: a task sent from a district, street or community straight to grids.
final class FieldTask: Model, @unchecked Sendable {
    static let schema = "field_tasks"

    @ID(key: .id) var id: UUID?
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    /// The checklist, one item per line.
    @Field(key: "items") var items: String
    @Field(key: "issuer_area_id") var issuerAreaID: Int
    @Field(key: "issuer_id") var issuerID: UUID
    @Field(key: "issuer_name") var issuerName: String
    /// The last day (Beijing time), `yyyy-MM-dd`.
    @Field(key: "due_on") var dueOn: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var itemList: [String] { items.split(separator: "\n").map(String.init) }
}

/// A grid that received a task.
final class TaskGrid: Model, @unchecked Sendable {
    static let schema = "task_grids"

    @ID(key: .id) var id: UUID?
    @Field(key: "task_id") var taskID: UUID
    @Field(key: "grid_id") var gridID: Int

    init() {}
}

/// One checklist item done in one grid, by whom and when.
final class TaskItemMark: Model, @unchecked Sendable {
    static let schema = "task_item_marks"

    @ID(key: .id) var id: UUID?
    @Field(key: "task_id") var taskID: UUID
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "item_index") var itemIndex: Int
    @Field(key: "done_by") var doneBy: UUID
    @Field(key: "done_by_name") var doneByName: String
    @Field(key: "done_at") var doneAt: Date
    @Field(key: "note") var note: String

    init() {}
}
