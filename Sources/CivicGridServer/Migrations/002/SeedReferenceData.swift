import Fluent
import Foundation
import GridCore

/// The classification list and the official holiday calendar every installation starts with.
/// Departments are linked to categories when they exist (the demo links them after creating its own).
struct SeedReferenceData: AsyncMigration {
    let holidaysFile: String

    func prepare(on database: any Database) async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: holidaysFile))
        let years = try WorkCalendar.parseOfficialArrangements(data)
        var days: [CalendarDay] = []
        for (_, holidays) in years.sorted(by: { $0.key < $1.key }) {
            for holiday in holidays {
                days += holiday.off.map { CalendarDay(date: $0, kind: .off, name: holiday.name) }
                days += holiday.work.map { CalendarDay(date: $0, kind: .work, name: holiday.name + "调休") }
            }
        }
        try await days.create(on: database)
        try await CategoryService.seedCatalog(on: database)
    }

    /// Removes the seeded days and every category no case uses (those go with their table).
    func revert(on database: any Database) async throws {
        try await CalendarDay.query(on: database).delete()
        let used = try await Case.query(on: database).unique().all(\.$category.$id)
        try await CaseCategory.query(on: database).set(\.$parent.$id, to: nil).update()
        try await CaseCategory.query(on: database).filter(\.$id !~ used).delete()
    }
}
