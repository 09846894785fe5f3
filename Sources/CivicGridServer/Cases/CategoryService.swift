import Fluent
import Foundation
import GridCore
import Vapor

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

    static func groups(on db: any Database, selected: UUID? = nil) async throws -> [Group] {
        let all = try await CaseCategory.query(on: db).filter(\.$active == true).sort(\.$code).all()
        return all.filter { $0.$parent.id == nil }.map { group in
            Group(name: group.name, items: all.filter { $0.$parent.id == group.id }.map {
                Option(id: $0.id!.uuidString, name: $0.name, selected: $0.id == selected)
            })
        }.filter { !$0.items.isEmpty }
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
}
