import Fluent
import GridCore
import SQLKit

/// 025: categories residents do not choose on 随手拍 (staff file them): 待分类, 可疑人员, 社区矫正 and
/// 精神障碍 to begin with; administrators change the list on 分类清单.
struct AddResidentCategories: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(StaffOnlyCategory.schema)
            .field("category_id", .uuid, .identifier(auto: false), .references(CaseCategory.schema, .id, onDelete: .cascade))
            .create()
        for category in try await CaseCategory.query(on: database).filter(\.$code ~~ Array(CategoryCatalog.staffOnlyCodes)).all() {
            try await StaffOnlyCategory(categoryID: category.requireID()).create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(StaffOnlyCategory.schema).delete()
    }
}
