import Fluent
import SQLKit

struct CreateArea: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Area.schema)
            .field(.id, .int, .identifier(auto: true))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("parent_id", .int, .references(Area.schema, .id, onDelete: .restrict))
            .field("path", .string, .required)
            .field("boundary_geojson", .string)
            .field("responsible_user_id", .uuid, .references(User.schema, .id, onDelete: .setNull))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "code")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw(sql.dialectSQL.createPrefixIndex("areas_path_idx", table: Area.schema, column: "path")).run()
            try await sql.create(index: "areas_parent_idx").on(Area.schema).column("parent_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        // Dropping a table deletes its rows first in SQLite; unhook the self-references so the
        // RESTRICT on parent_id does not stop it.
        try await Area.query(on: database).set(\.$parent.$id, to: nil).update()
        try await database.schema(Area.schema).delete()
    }
}
