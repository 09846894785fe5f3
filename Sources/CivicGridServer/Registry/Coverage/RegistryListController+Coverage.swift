import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// 覆盖检查: 区不漏地、地不漏房、房不漏户、户不漏人.
extension RegistryListController {
    // MARK: Coverage

    struct Section: Encodable { let key: String; let title: String; let rule: String; let count: Int; let lines: [Link]; let ok: Bool; let more: Bool }
    struct CoveragePage: Encodable { let layout: PageLayout; let areas: [Option]; let area: String; let sections: [Section]; let holes: Int }

    @Sendable static func coverage(req: Request) async throws -> View {
        let user = try RegistryController.reader(req)
        let areas = req.areas
        let area = try await areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let sections = try await req.coverage.report(for: area, today: LocalDate(req.state.clock.now()), visibility: SpecialGroupVisibility(user))
        return try await req.view.render("registry/coverage", CoveragePage(
            layout: PageLayout(req, title: "覆盖检查", section: "registry"), areas: try await areaOptions(req, user: user, selected: area.id),
            area: area.name,
            sections: sections.map { Section(key: $0.key, title: $0.title, rule: $0.rule, count: $0.count, lines: $0.lines.map { Link(label: $0.text, href: $0.href) },
                                             ok: $0.count == 0, more: $0.count > $0.lines.count) },
            holes: sections.reduce(0) { $0 + $1.count }))
    }
}
