import Fluent
import Foundation
import GridCore
import SQLKit

/// 008: the service catalogue (办事指南), seeded with the 62 items in Resources/Data/service-catalog.csv
/// (民政、残联、人社、卫健、公安户政、医保).
struct CreateServiceCatalog: AsyncMigration {
    let seedFile: String

    func prepare(on database: any Database) async throws {
        try await database.schema(ServiceItem.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("department", .string, .required)
            .field("category", .string, .required)
            .field("conditions", .string, .required)
            .field("materials", .string, .required)
            .field("steps", .string, .required)
            .field("time_limit", .string, .required)
            .field("fees", .string, .required)
            .field("location", .string, .required)
            .field("agent_handled", .bool, .required)
            .field("keywords", .string, .required)
            .field("initials", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
        guard let bytes = FileManager.default.contents(atPath: seedFile) else { return }
        let table = try CSVTable(bytes: Array(bytes))
        let (items, problems) = CatalogImport.parse(table.rows)
        guard problems.isEmpty else { throw CatalogService.Failure(problems: problems) }
        let now = Date()
        try await items.map { record -> ServiceItem in
            let item = ServiceItem()
            item.apply(record, at: now)
            return item
        }.create(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ServiceItem.schema).delete()
    }
}
