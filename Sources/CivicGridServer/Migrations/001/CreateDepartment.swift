import Fluent

struct CreateDepartment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Department.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("responsibilities", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .unique(on: "code")
            .unique(on: "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Department.schema).delete()
    }
}
