import Fluent
import SQLKit

/// 007: the field front line — tracking codes for residents, QR tokens on buildings, the grid
/// worker's public card (work phone, photo), offline-sync receipts, patrol check-ins, visit photos
/// and grid notices.
struct CreateFieldFrontLine: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite adds one column per ALTER TABLE.
        try await database.schema(Case.schema).field("tracking_code", .string).update()
        try await database.schema(Building.schema).field("qr_token", .string).update()
        try await database.schema(User.schema).field("work_phone", .string).update()
        try await database.schema(User.schema).field("photo_path", .string).update()
        try await database.schema(User.schema).field("photo_type", .string).update()

        try await database.schema(ClientReceipt.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id"))
            .field("client_key", .string, .required)
            .field("kind", .string, .required)
            .field("target_id", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "client_key")
            .create()
        try await database.schema(PatrolCheckIn.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .field("user_id", .uuid, .required, .references(User.schema, "id"))
            .field("user_name", .string, .required)
            .field("at", .datetime, .required)
            .field("day", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("inside_grid", .bool)
            .field("note", .string, .required)
            .create()
        try await database.schema(VisitPhoto.schema)
            .id()
            .field("visit_id", .uuid, .required, .references(Visit.schema, "id"))
            .field("stored_path", .string, .required)
            .field("content_type", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(GridNotice.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .field("author_id", .uuid, .required, .references(User.schema, "id"))
            .field("author_name", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .field("withdrawn_at", .datetime)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "cases_tracking_code_idx").unique().on(Case.schema).column("tracking_code").run()
        try await sql.create(index: "buildings_qr_token_idx").unique().on(Building.schema).column("qr_token").run()
        try await sql.create(index: "patrols_grid_day_idx").on(PatrolCheckIn.schema).column("grid_id").column("day").run()
        try await sql.create(index: "visit_photos_visit_idx").on(VisitPhoto.schema).column("visit_id").run()
        try await sql.create(index: "grid_notices_grid_idx").on(GridNotice.schema).column("grid_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            try await sql.drop(index: "cases_tracking_code_idx").run()
            try await sql.drop(index: "buildings_qr_token_idx").run()
        }
        try await database.schema(GridNotice.schema).delete()
        try await database.schema(VisitPhoto.schema).delete()
        try await database.schema(PatrolCheckIn.schema).delete()
        try await database.schema(ClientReceipt.schema).delete()
        try await database.schema(User.schema).deleteField("photo_type").update()
        try await database.schema(User.schema).deleteField("photo_path").update()
        try await database.schema(User.schema).deleteField("work_phone").update()
        try await database.schema(Building.schema).deleteField("qr_token").update()
        try await database.schema(Case.schema).deleteField("tracking_code").update()
    }
}
