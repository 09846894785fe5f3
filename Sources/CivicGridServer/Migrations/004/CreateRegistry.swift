import Fluent
import SQLKit

/// 004: the base-data registry — buildings, houses, households, people, organisations, components,
/// special groups, visits, the change history, imports and cross-checks; the access log learns why.
struct CreateRegistry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Building.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("floors", .int, .required)
            .field("units", .int, .required)
            .field("photo_path", .string)
            .field("photo_type", .string)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "grid_id", "name")
            .create()
        try await database.schema(House.schema)
            .id()
            .field("building_id", .uuid, .required, .references(Building.schema, .id, onDelete: .restrict))
            .field("grid_id", .int, .required)
            .field("number", .string, .required)
            .field("area_sqm", .double)
            .field("use", .string, .required)
            .field("ownership", .string)
            .field("occupancy", .string, .required)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "building_id", "number")
            .create()
        try await database.schema(Household.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("house_id", .uuid, .references(House.schema, .id, onDelete: .setNull))
            .field("number", .string, .required)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "grid_id", "number")
            .create()
        try await database.schema(Person.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("household_id", .uuid, .references(Household.schema, .id, onDelete: .setNull))
            .field("name", .string, .required)
            .field("id_sealed", .string, .required)
            .field("id_index", .string, .required)
            .field("id_tail", .string, .required)
            .field("birth_date", .string, .required)
            .field("gender", .string, .required)
            .field("phone_sealed", .string)
            .field("phone_index", .string)
            .field("phone_tail", .string)
            .field("kind", .string, .required)
            .field("relation", .string)
            .field("employment", .string)
            .field("health_sealed", .string)
            .field("registered_address", .string)
            .field("tags", .string, .required)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "id_index")
            .create()
        try await database.schema(Organization.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("credit_code", .string, .required)
            .field("address", .string, .required)
            .field("contact_name", .string)
            .field("contact_phone_sealed", .string)
            .field("employees", .int)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "credit_code")
            .create()
        try await database.schema(CityComponent.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, .id, onDelete: .restrict))
            .field("kind", .string, .required)
            .field("code", .string, .required)
            .field("latitude", .double, .required)
            .field("longitude", .double, .required)
            .field("state", .string, .required)
            .field("note", .string)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
        try await database.schema(SpecialGroupMember.schema)
            .id()
            .field("person_id", .uuid, .required, .references(Person.schema, .id, onDelete: .cascade))
            .field("grid_id", .int, .required)
            .field("kind", .string, .required)
            .field("details", .string, .required)
            .field("responsible_id", .uuid, .references(User.schema, .id, onDelete: .setNull))
            .field("filed_on", .string, .required)
            .field("last_visit_on", .string)
            .field("next_visit_due", .string, .required)
            .field("active", .bool, .required)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "person_id", "kind")
            .create()
        try await database.schema(Visit.schema)
            .id()
            .field("grid_id", .int, .required)
            .field("person_id", .uuid)
            .field("household_id", .uuid)
            .field("member_id", .uuid)
            .field("worker_id", .uuid, .required)
            .field("worker_name", .string, .required)
            .field("visited_on", .string, .required)
            .field("at", .datetime, .required)
            .field("note", .string, .required)
            .create()
        try await database.schema(RegistryRevision.schema)
            .id()
            .field("entity", .string, .required)
            .field("entity_id", .uuid, .required)
            .field("grid_id", .int, .required)
            .field("version", .int, .required)
            .field("action", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .field("changes", .string, .required)
            .create()
        try await database.schema(ImportJob.schema)
            .id()
            .field("kind", .string, .required)
            .field("file_name", .string, .required)
            .field("area_id", .int, .required)
            .field("uploaded_by", .uuid, .required)
            .field("uploaded_at", .datetime, .required)
            .field("status", .string, .required)
            .field("row_count", .int, .required)
            .field("issues", .string, .required)
            .field("sealed_path", .string, .required)
            .field("finished_at", .datetime)
            .field("message", .string)
            .create()
        try await database.schema(CrossCheckRun.schema)
            .id()
            .field("source", .string, .required)
            .field("area_id", .int, .required)
            .field("uploaded_by", .uuid, .required)
            .field("at", .datetime, .required)
            .field("their_count", .int, .required)
            .field("our_count", .int, .required)
            .create()
        try await database.schema(CrossCheckItem.schema)
            .id()
            .field("check_id", .uuid, .required, .references(CrossCheckRun.schema, .id, onDelete: .cascade))
            .field("kind", .string, .required)
            .field("field", .string)
            .field("id_sealed", .string, .required)
            .field("id_tail", .string, .required)
            .field("person_id", .uuid)
            .field("name", .string, .required)
            .field("ours", .string)
            .field("theirs", .string)
            .field("decision", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .create()
        // One column per ALTER: SQLite adds a single column at a time.
        try await database.schema(AccessLog.schema).field("reason", .string).update()
        try await database.schema(AccessLog.schema).field("subject_label", .string).update()
        try await database.schema(Case.schema)
            .field("building_id", .uuid)
            .update()

        guard let sql = database as? any SQLDatabase else { return }
        let indexes: [(String, String, [String])] = [
            ("buildings_grid_idx", Building.schema, ["grid_id"]),
            ("houses_grid_idx", House.schema, ["grid_id"]),
            ("households_house_idx", Household.schema, ["house_id"]),
            ("people_grid_idx", Person.schema, ["grid_id"]),
            ("people_household_idx", Person.schema, ["household_id"]),
            ("people_id_tail_idx", Person.schema, ["id_tail"]),
            ("people_phone_index_idx", Person.schema, ["phone_index"]),
            ("people_phone_tail_idx", Person.schema, ["phone_tail"]),
            ("organizations_grid_idx", Organization.schema, ["grid_id"]),
            ("components_grid_idx", CityComponent.schema, ["grid_id"]),
            ("special_grid_kind_idx", SpecialGroupMember.schema, ["grid_id", "kind"]),
            ("special_due_idx", SpecialGroupMember.schema, ["next_visit_due"]),
            ("visits_person_idx", Visit.schema, ["person_id", "at"]),
            ("visits_member_idx", Visit.schema, ["member_id"]),
            ("revisions_entity_idx", RegistryRevision.schema, ["entity_id", "version"]),
            ("revisions_grid_at_idx", RegistryRevision.schema, ["grid_id", "at"]),
            ("cross_check_items_check_idx", CrossCheckItem.schema, ["check_id", "kind"]),
            ("access_logs_at_idx", AccessLog.schema, ["at"]),
        ]
        // Name search is `LIKE '张%'`: a prefix index (text_pattern_ops on PostgreSQL).
        try await sql.raw(sql.dialectSQL.createPrefixIndex("people_name_idx", table: Person.schema, column: "name")).run()
        for (name, table, columns) in indexes {
            var index = sql.create(index: SQLIdentifier(name)).on(table)
            for column in columns { index = index.column(column) }
            try await index.run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Case.schema).deleteField("building_id").update()
        try await database.schema(AccessLog.schema).deleteField("reason").update()
        try await database.schema(AccessLog.schema).deleteField("subject_label").update()
        for schema in [CrossCheckItem.schema, CrossCheckRun.schema, ImportJob.schema, RegistryRevision.schema, Visit.schema,
                       SpecialGroupMember.schema, CityComponent.schema, Organization.schema, Person.schema, Household.schema,
                       House.schema, Building.schema] {
            try await database.schema(schema).delete()
        }
    }
}
