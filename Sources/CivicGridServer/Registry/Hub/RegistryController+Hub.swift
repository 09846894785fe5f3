import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 基础信息 hub: search, counts per grid; and a grid's overview (看房知人、看人知情).
extension RegistryController {
    // MARK: Hub

    struct GridRow: Encodable { let name: String; let code: String; let href: String; let people: Int; let households: Int; let buildings: Int; let special: Int; let updates: Int }
    struct PersonRow: Encodable { let name: String; let href: String; let id: String; let gender: String; let age: Int; let phone: String; let kind: String; let grid: String; let tags: String }
    struct BuildingRow: Encodable { let name: String; let address: String; let href: String; let grid: String }
    struct IndexPage: Encodable {
        let layout: PageLayout
        let q: String
        let how: String
        let searched: Bool
        let people: [PersonRow]
        let buildings: [BuildingRow]
        let households: [Link]
        let grids: [GridRow]
        let totals: GridRow
        let can: RegistryAbilities
        let canManage: Bool
    }

    @Sendable static func index(req: Request) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        var people: [PersonRow] = [], buildings: [BuildingRow] = [], households: [Link] = [], how = ""
        let gridNames = Dictionary(try await registry.grids(for: user).map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        if !q.isEmpty {
            let found = try await registry.search(q, for: user)
            how = found.how
            let today = LocalDate(req.state.clock.now())
            people = found.people.map { personRow($0, registry: registry, gridName: gridNames[$0.gridID] ?? "", today: today) }
            buildings = found.buildings.map { BuildingRow(name: $0.name, address: $0.address, href: SiteURL.building($0.id!).path, grid: gridNames[$0.$grid.id] ?? "未划入网格") }
            households = found.households.map { Link(label: "户号 \($0.number)（\(gridNames[$0.gridID] ?? "")）", href: SiteURL.household($0.id!).path) }
        }
        let grids = try await gridCounts(for: user, req: req)
        let totals = GridRow(name: "合计", code: "", href: "", people: grids.reduce(0) { $0 + $1.people }, households: grids.reduce(0) { $0 + $1.households },
                             buildings: grids.reduce(0) { $0 + $1.buildings }, special: grids.reduce(0) { $0 + $1.special },
                             updates: grids.reduce(0) { $0 + $1.updates })
        return try await req.view.render("registry/index", IndexPage(
            layout: PageLayout(req, title: "基础信息", section: "registry"), q: q, how: how, searched: !q.isEmpty,
            people: people, buildings: buildings, households: households, grids: grids, totals: totals,
            can: RegistryAbilities(user), canManage: RegistryRules.mayManageLists(user.roles)))
    }

    static func personRow(_ p: Person, registry: RegistryService, gridName: String, today: LocalDate) -> PersonRow {
        let age = p.birthYear.map { today.year - $0 } ?? 0
        return PersonRow(name: p.name, href: SiteURL.person(p.id!).path, id: registry.maskedID(p), gender: p.gender.displayName, age: age,
                         phone: registry.maskedPhone(p) ?? "—", kind: p.kind.displayName, grid: gridName, tags: p.tags)
    }

    /// People, households, buildings and special-group members per grid in scope (grouped in SQL).
    static func gridCounts(for user: CurrentUser, req: Request) async throws -> [GridRow] {
        let grids = try await service(req).grids(for: user)
        guard !grids.isEmpty, let sql = req.db as? any SQLDatabase else { return [] }
        struct N: Decodable { let grid_id: Int; let n: Int }
        func counts(_ table: String) async throws -> [Int: Int] {
            var q = SQLQueryString("SELECT t.grid_id, COUNT(*) AS n FROM \(ident: table) t JOIN areas a ON a.id = t.grid_id WHERE \(ScopeSQL.within(user.scope, table: "a"))")
            if table == SpecialGroupMember.schema { q += " AND t.active = \(bind: true)" }
            if table == RegistryRevision.schema { q += " AND t.at >= \(bind: req.state.clock.now().addingTimeInterval(-7 * 86_400))" }
            q += " GROUP BY t.grid_id"
            return Dictionary(try await sql.raw(q).all(decoding: N.self).map { ($0.grid_id, $0.n) }, uniquingKeysWith: +)
        }
        let people = try await counts(Person.schema), households = try await counts(Household.schema)
        let buildings = try await counts(Building.schema), special = try await counts(SpecialGroupMember.schema)
        let updates = try await counts(RegistryRevision.schema)
        return grids.map { g in
            GridRow(name: g.name, code: g.code, href: SiteURL.registryGrid(g.id!).path, people: people[g.id!] ?? 0, households: households[g.id!] ?? 0,
                    buildings: buildings[g.id!] ?? 0, special: special[g.id!] ?? 0, updates: updates[g.id!] ?? 0)
        }
    }
    // MARK: Grid overview

    struct BuildingSummary: Encodable { let name: String; let address: String; let href: String; let houses: Int; let households: Int; let people: Int; let floors: Int }
    struct SpecialCount: Encodable { let label: String; let count: Int; let href: String }
    struct ThingRow: Encodable { let kind: String; let name: String; let detail: String; let state: String; var id: String = ""; var stateKey: String = "" }
    struct GridPage: Encodable {
        let layout: PageLayout
        let grid: Link
        let code: String
        let crumbs: [Link]
        let facts: [Fact]
        let buildings: [BuildingSummary]
        let special: [SpecialCount]
        let organizations: [ThingRow]
        let components: [ThingRow]
        let can: RegistryAbilities
        let gridID: Int
        let exports: [Link]
        /// Lists with people's data: exported only with a stated purpose, and logged.
        let personalExports: [Link]
        let organizationKinds: [Option]
        let componentKinds: [Option]
        let componentStates: [Option]
    }

    @Sendable static func grid(req: Request) async throws -> View {
        let user = try reader(req)
        let grid = try await req.areas.require(try req.parameters.require("id", as: Int.self), in: user.scope)
        let gid = grid.id!
        let buildings = try await Building.query(on: req.db).filter(\.$grid.$id == gid).all()
            .sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
        let houses = try await House.query(on: req.db).filter(\.$gridID == gid).all()
        let households = try await Household.query(on: req.db).filter(\.$gridID == gid).all()
        struct PC: Decodable { let household_id: UUID?; let n: Int }
        let perHousehold = try await (req.db as! any SQLDatabase).raw("SELECT household_id, COUNT(*) AS n FROM people WHERE grid_id = \(bind: gid) GROUP BY household_id").all(decoding: PC.self)
        let peopleByHousehold = Dictionary(perHousehold.compactMap { r in r.household_id.map { ($0, r.n) } }, uniquingKeysWith: +)
        let housesByBuilding = Dictionary(grouping: houses, by: { $0.$building.id })
        let householdsByHouse = Dictionary(grouping: households.filter { $0.$house.id != nil }, by: { $0.$house.id! })
        let summaries = buildings.map { b -> BuildingSummary in
            let hs = housesByBuilding[b.id!] ?? []
            let hhs = hs.flatMap { householdsByHouse[$0.id!] ?? [] }
            return BuildingSummary(name: b.name, address: b.address, href: SiteURL.building(b.id!).path, houses: hs.count, households: hhs.count,
                                   people: hhs.reduce(0) { $0 + (peopleByHousehold[$1.id!] ?? 0) }, floors: b.floors)
        }
        let totalPeople = perHousehold.reduce(0) { $0 + $1.n }
        struct KC: Decodable { let kind: String; let n: Int }
        let kinds = try await (req.db as! any SQLDatabase).raw("SELECT kind, COUNT(*) AS n FROM special_group_members WHERE grid_id = \(bind: gid) AND active = \(bind: true) GROUP BY kind").all(decoding: KC.self)
        let kindCounts = Dictionary(kinds.map { ($0.kind, $0.n) }, uniquingKeysWith: +)
        let special = SpecialGroupKind.allCases.map { k in
            SpecialCount(label: k.displayName, count: kindCounts[k.rawValue] ?? 0,
                         href: RegistryRules.maySeeSpecialGroup(k, roles: user.roles) ? SiteURL.specialGroups.path(["grid": "\(gid)", "kind": "\(k.rawValue)"]) : "")
        }
        let orgs = try await Organization.query(on: req.db).filter(\.$gridID == gid).sort(\.$name).limit(200).all()
        let comps = try await CityComponent.query(on: req.db).filter(\.$gridID == gid).sort(\.$code).limit(300).all()
        let ancestors = try await req.areas.ancestors(of: grid)
        let worker = try await RoleAssignment.query(on: req.db).filter(\.$area.$id == gid).filter(\.$role == .gridWorker).with(\.$user).first()
        return try await req.view.render("registry/grid", GridPage(
            layout: PageLayout(req, title: grid.name + " · 网格概览", section: "registry"),
            grid: Link(label: grid.name, href: SiteURL.area(gid).path), code: grid.code,
            crumbs: ancestors.filter { user.scope.covers(AreaPath($0.path)!) }.map { Link(label: $0.name, href: SiteURL.area($0.id!).path) },
            facts: [Fact(label: "网格员", value: worker?.user.displayName ?? "未配置"), Fact(label: "楼栋", value: "\(buildings.count) 栋"),
                    Fact(label: "房屋", value: "\(houses.count) 间"), Fact(label: "户", value: "\(households.count) 户"),
                    Fact(label: "人口", value: "\(totalPeople) 人"), Fact(label: "单位组织", value: "\(orgs.count) 家"), Fact(label: "城市部件", value: "\(comps.count) 个")],
            buildings: summaries, special: special,
            organizations: orgs.map { ThingRow(kind: $0.kind.displayName, name: $0.name, detail: "\($0.address) · \($0.creditCode)", state: $0.employees.map { "\($0) 人" } ?? "") },
            components: comps.map { ThingRow(kind: $0.kind.displayName, name: $0.code, detail: String(format: "%.5f, %.5f", $0.longitude, $0.latitude) + ($0.note.map { " · " + $0 } ?? ""),
                                             state: $0.state.displayName, id: $0.id!.uuidString, stateKey: $0.state.rawValue) },
            can: RegistryAbilities(user), gridID: gid,
            exports: ImportKind.allCases.filter { !$0.holdsPersonalData }.map { Link(label: $0.displayName, href: SiteURL.registryExport(file: "\($0.rawValue).xlsx").path(["grid": "\(gid)"])) },
            personalExports: ImportKind.allCases.filter(\.holdsPersonalData).map { Link(label: $0.displayName, href: SiteURL.registryExport(file: "\($0.rawValue).xlsx").path) },
            organizationKinds: options(OrganizationKind.self), componentKinds: options(ComponentKind.self), componentStates: options(ComponentState.self)))
    }
}
