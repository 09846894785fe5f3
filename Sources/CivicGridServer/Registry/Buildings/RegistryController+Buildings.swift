import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Buildings with their houses, photos and QR sheet.
extension RegistryController {
    // MARK: Buildings

    struct HouseRow: Encodable { let id: String; let number: String; let detail: String; let occupancy: String; let vacant: Bool; let households: [HouseholdRow] }
    struct HouseholdRow: Encodable { let number: String; let href: String; let members: [PersonRow] }
    struct BuildingPage: Encodable {
        let layout: PageLayout
        let id: String
        let name: String
        let grid: Link
        let facts: [Fact]
        let houses: [HouseRow]
        let history: [Change]
        let can: RegistryAbilities
        let form: BuildingForm
        let uses: [Option]
        let occupancies: [Option]
        let ownerships: [Option]
        let reportHref: String
        let error: String?
        let photo: String?
    }
    struct BuildingForm: Encodable { let name: String; let address: String; let latitude: String; let longitude: String; let floors: Int; let units: Int; let gridID: Int; let grids: [Option] }

    @Sendable static func building(req: Request) async throws -> View {
        try await renderBuilding(req, id: try req.parameters.require("id", as: UUID.self), error: nil)
    }

    static func renderBuilding(_ req: Request, id: UUID, error: String?) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let b = try await registry.building(id, for: user)
        let grid = try await Area.find(b.$grid.id, on: req.db)
        let houses = try await House.query(on: req.db).filter(\.$building.$id == id).all()
            .sorted { $0.number.localizedStandardCompare($1.number) == .orderedAscending }
        let households = houses.isEmpty ? [] : try await Household.query(on: req.db).filter(\.$house.$id ~~ houses.compactMap(\.id)).all()
        let members = households.isEmpty ? [] : try await Person.query(on: req.db).filter(\.$household.$id ~~ households.compactMap(\.id)).sort(\.$name).all()
        let today = LocalDate(req.state.clock.now())
        let byHousehold = Dictionary(grouping: members, by: { $0.$household.id! })
        let byHouse = Dictionary(grouping: households, by: { $0.$house.id! })
        let rows = houses.map { h in
            HouseRow(id: h.id!.uuidString, number: h.number,
                     detail: [h.use.displayName, h.areaSquareMetres.map { String(format: "%.1f ㎡", $0) }, h.ownership?.displayName].compactMap { $0 }.joined(separator: " · "),
                     occupancy: h.occupancy.displayName, vacant: h.occupancy == .vacant,
                     households: (byHouse[h.id!] ?? []).map { hh in
                         HouseholdRow(number: hh.number, href: SiteURL.household(hh.id!).path,
                                      members: (byHousehold[hh.id!] ?? []).map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) })
                     })
        }
        let history = try await registry.history(.building, id).map(change)
        let grids = try await registry.grids(for: user)
        return try await req.view.render("registry/building", BuildingPage(
            layout: PageLayout(req, title: b.name, section: "registry"), id: id.uuidString, name: b.name,
            grid: Link(label: grid?.name ?? "", href: grid.map { $0.level == .grid || $0.level == .microGrid ? SiteURL.registryGrid($0.id!).path : SiteURL.area($0.id!).path } ?? ""),
            facts: [Fact(label: "地址", value: b.address), Fact(label: "层数", value: "\(b.floors) 层"), Fact(label: "单元", value: "\(b.units) 个"),
                    Fact(label: "位置", value: b.location.map { String(format: "%.6f, %.6f", $0.lon, $0.lat) } ?? "未标注"),
                    Fact(label: "房屋", value: "\(houses.count) 间"), Fact(label: "住户", value: "\(households.count) 户 \(members.count) 人")],
            houses: rows, history: history, can: RegistryAbilities(user),
            form: BuildingForm(name: b.name, address: b.address, latitude: b.latitude.map { String($0) } ?? "", longitude: b.longitude.map { String($0) } ?? "",
                               floors: b.floors, units: b.units, gridID: b.$grid.id,
                               grids: grids.map { Option(value: String($0.id!), label: "\($0.name)（\($0.code)）", selected: $0.id == b.$grid.id) }),
            uses: options(HouseUse.self), occupancies: options(Occupancy.self), ownerships: options(Ownership.self),
            reportHref: SiteURL.caseNew.path(["building": "\(id)"]), error: error, photo: b.photoPath == nil ? nil : SiteURL.buildingPhoto(id).path))
    }

    static func options<T: RegistryTerm>(_ type: T.Type, selected: T? = nil) -> [Option] {
        T.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == selected) }
    }

    static func change(_ r: RegistryRevision) -> Change {
        Change(at: time(r.at), who: r.actorName, action: r.action.displayName, changes: r.fieldChanges)
    }

    @Sendable static func createBuilding(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.create, .building, by: user)
        let draft = try req.content.decode(RegistryService.BuildingDraft.self)
        let b = try await service(req).saveBuilding(draft, existing: nil, by: user)
        return req.redirect(to: SiteURL.building(b.id!).path(["notice": "created"]))
    }

    @Sendable static func updateBuilding(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.update, .building, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        return try await req.submitForm({
            try await registry.saveBuilding(try req.content.decode(RegistryService.BuildingDraft.self), existing: b, by: user)
        }, showAgain: { try await renderBuilding(req, id: id, error: $0) }, then: SiteURL.building(id).path(["notice": "saved"]))
    }

    @Sendable static func addHouse(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.create, .house, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        return try await req.submitForm({
            try await registry.saveHouse(try req.content.decode(RegistryService.HouseDraft.self), in: b, existing: nil, by: user)
        }, showAgain: { try await renderBuilding(req, id: id, error: $0) }, then: SiteURL.building(id).path(["notice": "created"]))
    }
}
