import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Households and their members.
extension RegistryController {
    // MARK: Households

    struct HouseholdPage: Encodable {
        let layout: PageLayout
        let number: String
        let grid: Link
        let house: Link?
        let members: [PersonRow]
        let history: [Change]
        let addHref: String?
        let visits: [VisitRow]
    }

    @Sendable static func household(req: Request) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        guard let hh = try await registry.households(user).filter(\.$id == id).first() else { throw Abort(.notFound, reason: "户不存在或不在您的管辖范围内") }
        let grid = try await Area.find(hh.gridID, on: req.db)
        var house: Link?
        if let houseID = hh.$house.id, let h = try await House.query(on: req.db).filter(\.$id == houseID).with(\.$building).first() {
            house = Link(label: "\(h.building.name) \(h.number)（\(h.building.address)）", href: SiteURL.building(h.building.id!).path)
        }
        let today = LocalDate(req.state.clock.now())
        let members = try await Person.query(on: req.db).filter(\.$household.$id == id).sort(\.$relation).all()
        let visits = try await Visit.query(on: req.db).filter(\.$householdID == id).sort(\.$at, .descending).limit(20).all()
        return try await req.view.render("registry/household", HouseholdPage(
            layout: PageLayout(req, title: "户号 \(hh.number)", section: "registry"), number: hh.number,
            grid: Link(label: grid?.name ?? "", href: SiteURL.registryGrid(hh.gridID).path), house: house,
            members: members.map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) },
            history: try await registry.history(.household, id).map(change),
            addHref: RegistryService.may(.create, .person, user) ? SiteURL.personNew.path + "?grid=\(hh.gridID)&household=\(hh.number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" : nil,
            visits: try await visitRows(visits, on: req.db)))
    }
}
