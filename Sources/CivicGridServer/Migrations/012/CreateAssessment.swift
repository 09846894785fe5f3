import Fluent
import Foundation
import GridCore

/// 012: the monthly assessment — scheme versions (seeded with the standard one), the street's
/// hardware points, and frozen month results.
struct CreateAssessment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AssessmentSchemeRecord.schema)
            .id()
            .field("version", .int, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .unique(on: "version")
            .create()
        try await database.schema(AssessmentHardware.schema)
            .id()
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .field("month", .string, .required)
            .field("points", .double, .required)
            .field("reason", .string, .required)
            .field("entered_by", .uuid, .required, .references(User.schema, "id"))
            .field("entered_by_name", .string, .required)
            .field("entered_at", .datetime, .required)
            .unique(on: "grid_id", "month")
            .create()
        try await database.schema(AssessmentResult.schema)
            .id()
            .field("month", .string, .required)
            .field("grid_id", .int, .required, .references(Area.schema, "id"))
            .field("scheme_version", .int, .required)
            .field("total", .double, .required)
            .field("daily", .double, .required)
            .field("hardware", .double, .required)
            .field("work", .double, .required)
            .field("deducted", .double, .required)
            .field("detail", .string, .required)
            .field("frozen_at", .datetime, .required)
            .field("frozen_by", .string, .required)
            .unique(on: "month", "grid_id")
            .create()
        let standard = AssessmentSchemeRecord()
        standard.version = AssessmentScheme.standard.version
        standard.body = String(decoding: try JSONEncoder().encode(AssessmentScheme.standard), as: UTF8.self)
        standard.createdAt = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        standard.createdBy = "系统默认"
        try await standard.create(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AssessmentResult.schema).delete()
        try await database.schema(AssessmentHardware.schema).delete()
        try await database.schema(AssessmentSchemeRecord.schema).delete()
    }
}
