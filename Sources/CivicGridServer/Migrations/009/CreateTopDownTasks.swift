import Fluent
import SQLKit

/// 009: top-down tasks (扁平化派发): the task, the grids it went to, the items each grid has done.
struct CreateTopDownTasks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(FieldTask.schema)
            .id()
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("items", .string, .required)
            .field("issuer_area_id", .int, .required, .references(Area.schema, "id"))
            .field("issuer_id", .uuid, .required, .references(User.schema, "id"))
            .field("issuer_name", .string, .required)
            .field("due_on", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(TaskGrid.schema)
            .id()
            .field("task_id", .uuid, .required, .references(FieldTask.schema, "id"))
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .unique(on: "task_id", "grid_id")
            .create()
        try await database.schema(TaskItemMark.schema)
            .id()
            .field("task_id", .uuid, .required, .references(FieldTask.schema, "id"))
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .field("item_index", .int, .required)
            .field("done_by", .uuid, .required, .references(User.schema, "id"))
            .field("done_by_name", .string, .required)
            .field("done_at", .datetime, .required)
            .field("note", .string, .required)
            .unique(on: "task_id", "grid_id", "item_index")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "task_grids_grid_idx").on(TaskGrid.schema).column("grid_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TaskItemMark.schema).delete()
        try await database.schema(TaskGrid.schema).delete()
        try await database.schema(FieldTask.schema).delete()
    }
}
