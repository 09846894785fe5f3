import Fluent
import Foundation
import GridCore
import Vapor

/// A category residents do not choose on 随手拍: staff file it (`CategoryCatalog.staffOnlyCodes` to begin with).
final class StaffOnlyCategory: Model, @unchecked Sendable {
    static let schema = "staff_only_categories"
    @ID(custom: "category_id", generatedBy: .user) var id: UUID?
    init() {}
    init(categoryID: UUID) { id = categoryID }

    static func ids(on db: any Database) async throws -> Set<UUID> { Set(try await query(on: db).all().compactMap(\.id)) }
    static func isStaffOnly(_ id: UUID, on db: any Database) async throws -> Bool { try await find(id, on: db) != nil }
    static func set(_ id: UUID, staffOnly: Bool, on db: any Database) async throws {
        let existing = try await find(id, on: db)
        if staffOnly, existing == nil { try await StaffOnlyCategory(categoryID: id).create(on: db) }
        if !staffOnly, let existing { try await existing.delete(on: db) }
    }
}

enum CategoryService {
    /// Inserts the standard catalogue, linking departments by code where they exist.
    static func seedCatalog(on db: any Database) async throws {
        let departments = try await Department.query(on: db).all()
        var ids: [String: UUID] = [:]
        for item in CategoryCatalog.standard {
            let category = CaseCategory(code: item.code, name: item.name, parentID: item.parentCode.flatMap { ids[$0] }, policy: item.policy,
                                        departmentID: departments.first { $0.code == item.departmentCode }?.id, stabilityRisk: item.stabilityRisk)
            try await category.create(on: db)
            ids[item.code] = category.id
        }
    }

    /// Links categories without a department to the catalogue's default department, by code.
    static func linkDefaultDepartments(on db: any Database) async throws {
        let departments = try await Department.query(on: db).all()
        for item in CategoryCatalog.standard {
            guard let code = item.departmentCode, let department = departments.first(where: { $0.code == code }) else { continue }
            try await CaseCategory.query(on: db).filter(\.$code == item.code).filter(\.$department.$id == nil)
                .set(\.$department.$id, to: department.id).update()
        }
    }

    /// Second-level categories grouped under their first level, for pickers.
    struct Group: Encodable { let name: String; let items: [Option] }
    struct Option: Encodable { let id: String; let name: String; let selected: Bool }

    /// `describingLimits`: each name says its time limits (改分类 shows what the new category asks for).
    /// `residents`: only the short list residents choose from (`resident_choice`).
    static func groups(on db: any Database, selected: UUID? = nil, describingLimits: Bool = false, residents: Bool = false) async throws -> [Group] {
        let staffOnly = residents ? try await StaffOnlyCategory.ids(on: db) : []
        let all = try await CaseCategory.query(on: db).filter(\.$active == true).sort(\.$code).all()
            .filter { !staffOnly.contains($0.id!) }
        return all.filter { $0.$parent.id == nil }.map { group in
            Group(name: group.name, items: all.filter { $0.$parent.id == group.id }.map {
                Option(id: $0.id!.uuidString, name: describingLimits ? "\($0.name)（\(limits($0.policy))）" : $0.name, selected: $0.id == selected)
            })
        }.filter { !$0.items.isEmpty }
    }

    /// "办结 3 个工作日，到场 24 小时".
    static func limits(_ p: SLAPolicy) -> String {
        "办结 \(p.resolveWorkingDays) 个工作日" + (p.onSiteHours.map { "，到场 \($0) 小时" } ?? "")
    }
}

enum CalendarService {
    /// The working-day calendar as stored (administrators edit it per year).
    static func load(on db: any Database) async throws -> WorkCalendar {
        var calendar = WorkCalendar()
        for day in try await CalendarDay.query(on: db).all() {
            if let date = LocalDate(day.date) { calendar.setDay(date, kind: day.kind) }
        }
        return calendar
    }

    /// The warning to show while a year's holiday arrangement is missing (this year's, or next year's from
    /// 1 November): deadlines counted into it skip only weekends. Nil when nothing is missing.
    struct MissingYear: Encodable {
        let year: Int
        let text: String
        let href: String
    }

    static func missingYear(today: LocalDate, in calendar: WorkCalendar) -> MissingYear? {
        guard let year = calendar.yearToEnter(today: today) else { return nil }
        return MissingYear(year: year, text: "\(year) 年放假安排尚未录入：跨入 \(year) 年的办结时限现按平日推算（只跳过周末），请在国务院办公厅通知发布后录入。",
                           href: SiteURL.calendar.path(["year": String(year)]))
    }
}
