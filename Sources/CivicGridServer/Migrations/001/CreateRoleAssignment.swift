import Fluent
import SQLKit

struct CreateRoleAssignment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RoleAssignment.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("role", .string, .required)
            .field("area_id", .int, .references(Area.schema, .id, onDelete: .restrict))
            .field("department_id", .uuid, .references(Department.schema, .id, onDelete: .restrict))
            .field("employment", .string)
            .field("created_at", .datetime)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "role_assignments_user_idx").on(RoleAssignment.schema).column("user_id").run()
            try await sql.create(index: "role_assignments_area_idx").on(RoleAssignment.schema).column("area_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RoleAssignment.schema).delete()
    }
}
