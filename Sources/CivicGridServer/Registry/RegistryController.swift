import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// The registry pages: the hub with search, a grid's overview (看房知人、看人知情), buildings with their
/// houses and households, people with masked personal data and a logged "show", special groups and visits.
enum RegistryController {
    struct Option: Encodable { let value: String; let label: String; let selected: Bool }
    struct Link: Encodable { let label: String; let href: String }
    struct Fact: Encodable { let label: String; let value: String }
    struct Change: Encodable { let at: String; let who: String; let action: String; let changes: [FieldChange] }

    static func reader(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        try RegistryService.requireReader(user)
        return user
    }

    static func service(_ req: Request) -> RegistryService { RegistryService(db: req.db, app: req.application) }

    static func time(_ date: Date) -> String { Formatting.dateTime(date) }

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
        let canEdit: Bool
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
            buildings = found.buildings.map { BuildingRow(name: $0.name, address: $0.address, href: "/registry/buildings/\($0.id!)", grid: gridNames[$0.$grid.id] ?? "未划入网格") }
            households = found.households.map { Link(label: "户号 \($0.number)（\(gridNames[$0.gridID] ?? "")）", href: "/registry/households/\($0.id!)") }
        }
        let grids = try await gridCounts(for: user, req: req)
        let totals = GridRow(name: "合计", code: "", href: "", people: grids.reduce(0) { $0 + $1.people }, households: grids.reduce(0) { $0 + $1.households },
                             buildings: grids.reduce(0) { $0 + $1.buildings }, special: grids.reduce(0) { $0 + $1.special },
                             updates: grids.reduce(0) { $0 + $1.updates })
        return try await req.view.render("registry/index", IndexPage(
            layout: PageLayout(req, title: "基础信息", section: "registry"), q: q, how: how, searched: !q.isEmpty,
            people: people, buildings: buildings, households: households, grids: grids, totals: totals,
            canEdit: RegistryRules.mayEdit(user.roles), canManage: RegistryRules.mayManageLists(user.roles)))
    }

    static func personRow(_ p: Person, registry: RegistryService, gridName: String, today: LocalDate) -> PersonRow {
        let age = p.birthYear.map { today.year - $0 } ?? 0
        return PersonRow(name: p.name, href: "/registry/people/\(p.id!)", id: registry.maskedID(p), gender: p.gender.displayName, age: age,
                         phone: registry.maskedPhone(p) ?? "—", kind: p.kind.displayName, grid: gridName, tags: p.tags)
    }

    /// People, households, buildings and special-group members per grid in scope (grouped in SQL).
    static func gridCounts(for user: CurrentUser, req: Request) async throws -> [GridRow] {
        let grids = try await service(req).grids(for: user)
        guard !grids.isEmpty, let sql = req.db as? any SQLDatabase else { return [] }
        struct N: Decodable { let grid_id: Int; let n: Int }
        func counts(_ table: String) async throws -> [Int: Int] {
            var q = SQLQueryString("SELECT t.grid_id, COUNT(*) AS n FROM \(ident: table) t JOIN areas a ON a.id = t.grid_id WHERE (")
            for (i, root) in user.scope.areaPaths.enumerated() { q += (i == 0 ? "" : " OR ") + "a.path LIKE \(bind: root.description + "%")" }
            q += ")"
            if table == SpecialGroupMember.schema { q += " AND t.active = \(bind: true)" }
            if table == RegistryRevision.schema { q += " AND t.at >= \(bind: req.state.clock.now().addingTimeInterval(-7 * 86_400))" }
            q += " GROUP BY t.grid_id"
            return Dictionary(try await sql.raw(q).all(decoding: N.self).map { ($0.grid_id, $0.n) }, uniquingKeysWith: +)
        }
        let people = try await counts(Person.schema), households = try await counts(Household.schema)
        let buildings = try await counts(Building.schema), special = try await counts(SpecialGroupMember.schema)
        let updates = try await counts(RegistryRevision.schema)
        return grids.map { g in
            GridRow(name: g.name, code: g.code, href: "/registry/grids/\(g.id!)", people: people[g.id!] ?? 0, households: households[g.id!] ?? 0,
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
        let canEdit: Bool
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
        let grid = try await AreaService(db: req.db, levels: req.state.levels).require(try req.parameters.require("id", as: Int.self), in: user.scope)
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
            return BuildingSummary(name: b.name, address: b.address, href: "/registry/buildings/\(b.id!)", houses: hs.count, households: hhs.count,
                                   people: hhs.reduce(0) { $0 + (peopleByHousehold[$1.id!] ?? 0) }, floors: b.floors)
        }
        let totalPeople = perHousehold.reduce(0) { $0 + $1.n }
        struct KC: Decodable { let kind: String; let n: Int }
        let kinds = try await (req.db as! any SQLDatabase).raw("SELECT kind, COUNT(*) AS n FROM special_group_members WHERE grid_id = \(bind: gid) AND active = \(bind: true) GROUP BY kind").all(decoding: KC.self)
        let kindCounts = Dictionary(kinds.map { ($0.kind, $0.n) }, uniquingKeysWith: +)
        let special = SpecialGroupKind.allCases.map { k in
            SpecialCount(label: k.displayName, count: kindCounts[k.rawValue] ?? 0,
                         href: RegistryRules.maySeeSpecialGroup(k, roles: user.roles) ? "/registry/special?grid=\(gid)&kind=\(k.rawValue)" : "")
        }
        let orgs = try await Organization.query(on: req.db).filter(\.$gridID == gid).sort(\.$name).limit(200).all()
        let comps = try await CityComponent.query(on: req.db).filter(\.$gridID == gid).sort(\.$code).limit(300).all()
        let ancestors = try await AreaService(db: req.db, levels: req.state.levels).ancestors(of: grid)
        let worker = try await RoleAssignment.query(on: req.db).filter(\.$area.$id == gid).filter(\.$role == .gridWorker).with(\.$user).first()
        return try await req.view.render("registry/grid", GridPage(
            layout: PageLayout(req, title: grid.name + " · 网格概览", section: "registry"),
            grid: Link(label: grid.name, href: "/areas/\(gid)"), code: grid.code,
            crumbs: ancestors.filter { user.scope.covers(AreaPath($0.path)!) }.map { Link(label: $0.name, href: "/areas/\($0.id!)") },
            facts: [Fact(label: "网格员", value: worker?.user.displayName ?? "未配置"), Fact(label: "楼栋", value: "\(buildings.count) 栋"),
                    Fact(label: "房屋", value: "\(houses.count) 间"), Fact(label: "户", value: "\(households.count) 户"),
                    Fact(label: "人口", value: "\(totalPeople) 人"), Fact(label: "单位组织", value: "\(orgs.count) 家"), Fact(label: "城市部件", value: "\(comps.count) 个")],
            buildings: summaries, special: special,
            organizations: orgs.map { ThingRow(kind: $0.kind.displayName, name: $0.name, detail: "\($0.address) · \($0.creditCode)", state: $0.employees.map { "\($0) 人" } ?? "") },
            components: comps.map { ThingRow(kind: $0.kind.displayName, name: $0.code, detail: String(format: "%.5f, %.5f", $0.longitude, $0.latitude) + ($0.note.map { " · " + $0 } ?? ""),
                                             state: $0.state.displayName, id: $0.id!.uuidString, stateKey: $0.state.rawValue) },
            canEdit: RegistryRules.mayEdit(user.roles), gridID: gid,
            exports: ImportKind.allCases.filter { !$0.holdsPersonalData }.map { Link(label: $0.displayName, href: "/registry/export/\($0.rawValue).xlsx?grid=\(gid)") },
            personalExports: ImportKind.allCases.filter(\.holdsPersonalData).map { Link(label: $0.displayName, href: "/registry/export/\($0.rawValue).xlsx") },
            organizationKinds: options(OrganizationKind.self), componentKinds: options(ComponentKind.self), componentStates: options(ComponentState.self)))
    }

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
        let canEdit: Bool
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
                         HouseholdRow(number: hh.number, href: "/registry/households/\(hh.id!)",
                                      members: (byHousehold[hh.id!] ?? []).map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) })
                     })
        }
        let history = try await registry.history(.building, id).map(change)
        let grids = try await registry.grids(for: user)
        return try await req.view.render("registry/building", BuildingPage(
            layout: PageLayout(req, title: b.name, section: "registry"), id: id.uuidString, name: b.name,
            grid: Link(label: grid?.name ?? "", href: grid.map { $0.level == .grid || $0.level == .microGrid ? "/registry/grids/\($0.id!)" : "/areas/\($0.id!)" } ?? ""),
            facts: [Fact(label: "地址", value: b.address), Fact(label: "层数", value: "\(b.floors) 层"), Fact(label: "单元", value: "\(b.units) 个"),
                    Fact(label: "位置", value: b.location.map { String(format: "%.6f, %.6f", $0.lon, $0.lat) } ?? "未标注"),
                    Fact(label: "房屋", value: "\(houses.count) 间"), Fact(label: "住户", value: "\(households.count) 户 \(members.count) 人")],
            houses: rows, history: history, canEdit: RegistryRules.mayEdit(user.roles),
            form: BuildingForm(name: b.name, address: b.address, latitude: b.latitude.map { String($0) } ?? "", longitude: b.longitude.map { String($0) } ?? "",
                               floors: b.floors, units: b.units, gridID: b.$grid.id,
                               grids: grids.map { Option(value: String($0.id!), label: "\($0.name)（\($0.code)）", selected: $0.id == b.$grid.id) }),
            uses: options(HouseUse.self), occupancies: options(Occupancy.self), ownerships: options(Ownership.self),
            reportHref: "/cases/new?building=\(id)", error: error, photo: b.photoPath == nil ? nil : "/registry/buildings/\(id)/photo"))
    }

    static func options<T: RegistryTerm>(_ type: T.Type, selected: T? = nil) -> [Option] {
        T.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == selected) }
    }

    static func change(_ r: RegistryRevision) -> Change {
        Change(at: time(r.at), who: r.actorName, action: r.action.displayName, changes: r.fieldChanges)
    }

    @Sendable static func createBuilding(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let draft = try req.content.decode(RegistryService.BuildingDraft.self)
        let b = try await service(req).saveBuilding(draft, existing: nil, by: user)
        return req.redirect(to: "/registry/buildings/\(b.id!)?notice=created")
    }

    @Sendable static func updateBuilding(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        do {
            try await registry.saveBuilding(try req.content.decode(RegistryService.BuildingDraft.self), existing: b, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderBuilding(req, id: id, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: "/registry/buildings/\(id)?notice=saved")
    }

    @Sendable static func addHouse(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        do {
            try await registry.saveHouse(try req.content.decode(RegistryService.HouseDraft.self), in: b, existing: nil, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderBuilding(req, id: id, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: "/registry/buildings/\(id)?notice=created")
    }

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
            house = Link(label: "\(h.building.name) \(h.number)（\(h.building.address)）", href: "/registry/buildings/\(h.building.id!)")
        }
        let today = LocalDate(req.state.clock.now())
        let members = try await Person.query(on: req.db).filter(\.$household.$id == id).sort(\.$relation).all()
        let visits = try await Visit.query(on: req.db).filter(\.$householdID == id).sort(\.$at, .descending).limit(20).all()
        return try await req.view.render("registry/household", HouseholdPage(
            layout: PageLayout(req, title: "户号 \(hh.number)", section: "registry"), number: hh.number,
            grid: Link(label: grid?.name ?? "", href: "/registry/grids/\(hh.gridID)"), house: house,
            members: members.map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) },
            history: try await registry.history(.household, id).map(change),
            addHref: RegistryRules.mayEdit(user.roles) ? "/registry/people/new?grid=\(hh.gridID)&household=\(hh.number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" : nil,
            visits: try await visitRows(visits, on: req.db)))
    }

    // MARK: People

    struct VisitRow: Encodable { let on: String; let who: String; let note: String; let photos: [String] }

    /// Visits with the links to their photos (走访留痕).
    static func visitRows(_ visits: [Visit], on db: any Database) async throws -> [VisitRow] {
        let ids = visits.compactMap(\.id)
        let photos = ids.isEmpty ? [] : try await VisitPhoto.query(on: db).filter(\.$visitID ~~ ids).sort(\.$createdAt).all()
        return visits.map { v in
            VisitRow(on: v.visitedOn, who: v.workerName, note: v.note,
                     photos: photos.filter { $0.visitID == v.id }.map { "/visit-photos/\($0.id!)" })
        }
    }

    /// A visit's photo, for those who may see the person visited.
    @Sendable static func visitPhoto(req: Request) async throws -> Response {
        let user = try reader(req)
        guard let photo = try await VisitPhoto.find(try req.parameters.require("id", as: UUID.self), on: req.db),
              let visit = try await Visit.find(photo.visitID, on: req.db) else { throw Abort(.notFound) }
        if let personID = visit.personID { _ = try await service(req).person(personID, for: user) }
        // A visit under a restricted special-group file is as hidden as the file (finding 1).
        if let memberID = visit.memberID, try await SpecialGroupVisibility(user).members(SpecialGroupMember.query(on: req.db)).filter(\.$id == memberID).first() == nil {
            throw Abort(.notFound)
        }
        else { guard try await AreaService(db: req.db, levels: req.state.levels).find(visit.gridID, in: user.scope) != nil else { throw Abort(.notFound) } }
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: photo.storedPath, contentType: photo.contentType, req: req)
    }

    struct Membership: Encodable {
        let id: String
        let kind: String
        let facts: [Fact]
        let frequency: String
        let lastVisit: String
        let nextDue: String
        let status: String
        let overdue: Bool
        let responsible: String
    }
    struct PersonPage: Encodable {
        let layout: PageLayout
        let id: String
        let name: String
        let facts: [Fact]
        let idNumber: String
        let phone: String
        let health: String?
        let revealed: String?
        let canReveal: Bool
        let household: Link?
        let housemates: [PersonRow]
        let memberships: [Membership]
        let fileKinds: [KindForm]
        let visits: [VisitRow]
        let history: [Change]
        let canEdit: Bool
        let form: PersonForm
        let error: String?
        let today: String
    }
    struct KindForm: Encodable { let value: String; let label: String; let fields: [FieldForm] }
    struct FieldForm: Encodable { let key: String; let label: String; let options: [String]; let hasOptions: Bool }
    struct PersonForm: Encodable {
        let action: String
        let name: String
        let phone: String
        let kinds: [Option]
        let relations: [Option]
        let grids: [Option]
        let householdNumber: String
        let employment: String
        let tags: String
        let registeredAddress: String
        let isNew: Bool
    }

    @Sendable static func person(req: Request) async throws -> View {
        try await renderPerson(req, id: try req.parameters.require("id", as: UUID.self), revealed: nil, error: nil)
    }

    static func renderPerson(_ req: Request, id: UUID, revealed: (RegistryService.RevealField, String)?, error: String?, status: HTTPStatus = .ok) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let p = try await registry.person(id, for: user)
        let grid = try await Area.find(p.gridID, on: req.db)
        let today = LocalDate(req.state.clock.now())
        let hh = try await p.$household.get(on: req.db)
        var housemates: [Person] = []
        if let h = hh { housemates = try await Person.query(on: req.db).filter(\.$household.$id == h.id!).filter(\.$id != id).all() }
        let visibility = SpecialGroupVisibility(user)
        let visible = try await visibility.members(SpecialGroupMember.query(on: req.db)).filter(\.$person.$id == id).filter(\.$active == true).all()
        let responsibleIDs = Array(Set(visible.compactMap(\.responsibleID)))
        var responsibleNames: [UUID: String] = [:]
        for u in try await User.query(on: req.db).filter(\.$id ~~ responsibleIDs).all() { responsibleNames[u.id!] = u.displayName }
        let memberships = visible.map { m -> Membership in
            let due = LocalDate(m.nextVisitDue) ?? today
            let status = VisitSchedule.status(nextDue: due, today: today)
            let values = m.detailValues
            return Membership(id: m.id!.uuidString, kind: m.kind.displayName, facts: m.kind.fields.map { Fact(label: $0.label, value: values[$0.key] ?? "—") },
                              frequency: m.kind.visitFrequencyText, lastVisit: m.lastVisitOn ?? "尚未走访", nextDue: m.nextVisitDue,
                              status: status.displayName, overdue: status.isOverdue,
                              responsible: m.responsibleID.flatMap { responsibleNames[$0] } ?? "未指定")
        }
        let age = p.birthYear.map { today.year - $0 } ?? 0
        let grids = try await registry.grids(for: user)
        let canEdit = RegistryRules.mayEdit(user.roles)
        let filed = Set(visible.map(\.kind))
        let visits = try await visibility.visits(Visit.query(on: req.db).filter(\.$personID == id).sort(\.$at, .descending).limit(30).all(), on: req.db)
        return try await req.view.render("registry/person", PersonPage(
            layout: PageLayout(req, title: p.name, section: "registry"), id: id.uuidString, name: p.name,
            facts: [Fact(label: "性别", value: p.gender.displayName), Fact(label: "出生年份", value: p.birthYear.map { "\($0) 年（约 \(age) 岁）" } ?? "—"),
                    Fact(label: "人口类型", value: p.kind.displayName), Fact(label: "所属网格", value: grid?.name ?? ""),
                    Fact(label: "与户主关系", value: p.relation?.displayName ?? "—"), Fact(label: "就业情况", value: p.employment ?? "—"),
                    Fact(label: "户籍地址", value: p.registeredAddress ?? "—"), Fact(label: "标签", value: p.tags.isEmpty ? "—" : p.tags)],
            idNumber: revealed?.0 == .idNumber ? revealed!.1 : registry.maskedID(p),
            phone: revealed?.0 == .phone ? revealed!.1 : (registry.maskedPhone(p) ?? "未登记"),
            health: p.healthSealed == nil ? nil : (revealed?.0 == .health ? revealed!.1 : "已记录（需说明事由后查看）"),
            revealed: revealed.map { "已显示完整\($0.0.displayName)，本次查看已记入访问日志" },
            canReveal: RegistryRules.mayReveal(user.roles),
            household: hh.map { Link(label: "户号 \($0.number)", href: "/registry/households/\($0.id!)") },
            housemates: housemates.map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) },
            memberships: memberships,
            fileKinds: canEdit ? visibility.visible.filter { !filed.contains($0) }.map { k in
                KindForm(value: k.rawValue, label: "\(k.displayName)（\(k.visitFrequencyText)走访）",
                         fields: k.fields.map { FieldForm(key: $0.key, label: $0.label, options: $0.options, hasOptions: !$0.options.isEmpty) })
            } : [],
            visits: try await visitRows(visits, on: req.db),
            history: try await registry.history(.person, id).map(change), canEdit: canEdit,
            form: personForm(action: "/registry/people/\(id)", p: p, householdNumber: hh?.number ?? "", grids: grids, gridID: p.gridID),
            error: error, today: today.description))
    }

    static func personForm(action: String, p: Person?, householdNumber: String, grids: [Area], gridID: Int?) -> PersonForm {
        PersonForm(action: action, name: p?.name ?? "", phone: "",
                   kinds: PersonKind.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == (p?.kind ?? .registered)) },
                   relations: HouseholdRelation.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == p?.relation) },
                   grids: grids.map { Option(value: String($0.id!), label: "\($0.name)（\($0.code)）", selected: $0.id == gridID) },
                   householdNumber: householdNumber, employment: p?.employment ?? "", tags: p?.tags ?? "",
                   registeredAddress: p?.registeredAddress ?? "", isNew: p == nil)
    }

    struct NewPersonPage: Encodable { let layout: PageLayout; let form: PersonForm; let error: String? }

    @Sendable static func newPerson(req: Request) async throws -> View {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let grids = try await service(req).grids(for: user)
        return try await req.view.render("registry/person_new", NewPersonPage(
            layout: PageLayout(req, title: "登记人口", section: "registry"),
            form: personForm(action: "/registry/people", p: nil, householdNumber: req.query[String.self, at: "household"] ?? "", grids: grids,
                             gridID: req.query[Int.self, at: "grid"] ?? grids.first?.id), error: nil))
    }

    @Sendable static func createPerson(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let draft = try req.content.decode(RegistryService.PersonDraft.self)
        do {
            let p = try await service(req).savePerson(draft, existing: nil, by: user)
            return req.redirect(to: "/registry/people/\(p.id!)?notice=created")
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            let grids = try await service(req).grids(for: user)
            var form = personForm(action: "/registry/people", p: nil, householdNumber: draft.householdNumber ?? "", grids: grids, gridID: draft.gridID)
            form = PersonForm(action: form.action, name: draft.name, phone: draft.phone ?? "", kinds: form.kinds, relations: form.relations, grids: form.grids,
                              householdNumber: form.householdNumber, employment: draft.employment ?? "", tags: draft.tags ?? "",
                              registeredAddress: draft.registeredAddress ?? "", isNew: true)
            return try await req.view.render("registry/person_new", NewPersonPage(layout: PageLayout(req, title: "登记人口", section: "registry"), form: form, error: error.reason))
                .encodeResponse(status: error.status, for: req)
        }
    }

    @Sendable static func updatePerson(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        do {
            try await registry.savePerson(try req.content.decode(RegistryService.PersonDraft.self), existing: p, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderPerson(req, id: id, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: "/registry/people/\(id)?notice=saved")
    }

    struct RevealBody: Content { let field: String; let reason: String }

    @Sendable static func reveal(req: Request) async throws -> Response {
        let user = try reader(req)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let body = try req.content.decode(RevealBody.self)
        guard let field = RegistryService.RevealField(rawValue: body.field) else { throw Abort(.badRequest, reason: "未知字段") }
        let p = try await registry.person(id, for: user)
        do {
            let value = try await registry.reveal(field, of: p, by: user, reason: body.reason)
            return try await renderPerson(req, id: id, revealed: value.map { (field, $0) }, error: value == nil ? "未登记\(field.displayName)" : nil)
                .encodeResponse(for: req)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .tooManyRequests {
            return try await renderPerson(req, id: id, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
    }

    @Sendable static func fileSpecialGroup(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        guard let kind = SpecialGroupKind(rawValue: try req.content.get(String.self, at: "kind")) else { throw Abort(.badRequest, reason: "未知的特殊人群类别") }
        var details: [String: String] = [:]
        for f in kind.fields { details[f.key] = try? req.content.get(String.self, at: "detail", f.key) }
        do {
            _ = try await registry.fileSpecialGroup(kind, person: p, details: details, responsibleID: nil, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderPerson(req, id: id, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: "/registry/people/\(id)?notice=saved")
    }

    struct VisitBody: Content { let note: String; let memberID: String?; let visitedOn: String? }

    @Sendable static func recordVisit(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        let body = try req.content.decode(VisitBody.self)
        var member: SpecialGroupMember?
        if let mid = body.memberID.flatMap(nonEmpty).flatMap(UUID.init(uuidString:)) {
            member = try await SpecialGroupVisibility(user).member(mid, person: id, on: req.db)
            guard member != nil else { throw Abort(.notFound) }
        }
        var date: LocalDate?
        if let text = body.visitedOn.flatMap(nonEmpty) {
            guard let d = LocalDate(text) else { throw Abort(.unprocessableEntity, reason: "走访日期格式应为 年-月-日") }
            date = d
        }
        do {
            try await registry.recordVisit(person: p, member: member, note: body.note, on: date, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity {
            return try await renderPerson(req, id: id, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: (req.query[String.self, at: "back"] == "special" ? "/registry/special" : "/registry/people/\(id)") + "?notice=saved")
    }

    @Sendable static func createOrganization(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let o = try await service(req).createOrganization(try req.content.decode(RegistryService.OrganizationDraft.self), by: user)
        return req.redirect(to: "/registry/grids/\(o.gridID)?notice=created")
    }

    @Sendable static func createComponent(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let c = try await service(req).createComponent(try req.content.decode(RegistryService.ComponentDraft.self), by: user)
        return req.redirect(to: "/registry/grids/\(c.gridID)?notice=created")
    }

    @Sendable static func componentState(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let registry = service(req)
        guard let c = try await registry.components(user).filter(\.$id == (try req.parameters.require("id", as: UUID.self))).first() else {
            throw Abort(.notFound, reason: "部件不存在或不在您的管辖范围内")
        }
        guard let state = ComponentState(text: try req.content.get(String.self, at: "state")) else { throw Abort(.unprocessableEntity, reason: "状态应为：\(ComponentState.choices)") }
        try await registry.setState(state, of: c, by: user)
        return req.redirect(to: "/registry/grids/\(c.gridID)?notice=saved")
    }

    @Sendable static func closeMembership(req: Request) async throws -> Response {
        let user = try reader(req)
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        guard let m = try await SpecialGroupMember.query(on: req.db).filter(\.$id == (try req.parameters.require("member", as: UUID.self)))
            .filter(\.$person.$id == id).first() else { throw Abort(.notFound) }
        do {
            try await registry.closeMembership(m, reason: (try? req.content.get(String.self, at: "reason")) ?? "", by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity {
            return try await renderPerson(req, id: p.id!, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: "/registry/people/\(id)?notice=saved")
    }

    @Sendable static func uploadBuildingPhoto(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.requireEditor(user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let b = try await registry.building(id, for: user)
        guard let file = try? req.content.get(File.self, at: "photo"), file.data.readableBytes > 0 else {
            return try await renderBuilding(req, id: id, error: "请选择照片").encodeResponse(status: .unprocessableEntity, for: req)
        }
        let store = PhotoStore(root: req.state.uploadDirectory)
        let stored: [PhotoStore.Stored]
        do { stored = try store.store([file], now: req.state.clock.now(), sealedWith: req.state.cipher) } catch let error as AbortError {
            return try await renderBuilding(req, id: id, error: error.reason).encodeResponse(status: error.status, for: req)
        }
        PhotoStore.makeDerivatives(stored, root: req.state.uploadDirectory, cipher: req.state.cipher)
        b.photoPath = stored[0].relativePath; b.photoType = stored[0].contentType; b.version += 1; b.updatedAt = req.state.clock.now()
        try await req.db.transaction { tx in
            try await b.save(on: tx)
            try await RegistryRevision(entity: .building, entityID: id, gridID: b.$grid.id, version: b.version, action: .update, actorID: user.id,
                                       actorName: user.displayName, at: req.state.clock.now(), changes: [FieldChange(field: "照片", old: nil, new: "已更新")]).create(on: tx)
        }
        return req.redirect(to: "/registry/buildings/\(id)?notice=saved")
    }

    @Sendable static func buildingPhoto(req: Request) async throws -> Response {
        let user = try reader(req)
        let b = try await service(req).building(try req.parameters.require("id", as: UUID.self), for: user)
        guard let path = b.photoPath else { throw Abort(.notFound) }
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: path, contentType: b.photoType ?? "application/octet-stream", req: req)
    }

    // MARK: Special groups

    struct SpecialRow: Encodable { let person: String; let href: String; let kind: String; let grid: String; let frequency: String; let lastVisit: String; let nextDue: String; let status: String; let overdue: Bool; let memberID: String; let personID: String }
    struct SpecialPage: Encodable {
        let layout: PageLayout
        let kinds: [Option]
        let statuses: [Option]
        let rows: [SpecialRow]
        let total: Int
        let overdue: Int
        let hidden: [String]
        let canEdit: Bool
        let today: String
        let grid: String
    }

    @Sendable static func special(req: Request) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let kindText = req.query[String.self, at: "kind"] ?? ""
        let status = req.query[String.self, at: "status"] ?? ""
        let gridID = req.query[Int.self, at: "grid"]
        let visibility = SpecialGroupVisibility(user)
        let allowed = visibility.visible
        let today = LocalDate(req.state.clock.now())
        var query = registry.specialMembers(user).filter(\.$active == true)
        if let k = SpecialGroupKind(rawValue: kindText) { query = query.filter(\.$kind == k) }
        if let gridID { query = query.filter(\.$gridID == gridID) }
        if status == "overdue" { query = query.filter(\.$nextVisitDue < today.description) }
        if status == "week" { query = query.filter(\.$nextVisitDue <= today.adding(days: 7).description) }
        let total = try await query.count()
        let overdue = try await query.copy().filter(\.$nextVisitDue < today.description).count()
        let members = try await query.sort(\.$nextVisitDue).limit(300).with(\.$person).all()
        let gridNames = Dictionary(try await registry.grids(for: user).map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return try await req.view.render("registry/special", SpecialPage(
            layout: PageLayout(req, title: "特殊人群", section: "registry"),
            kinds: allowed.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == kindText) },
            statuses: [Option(value: "overdue", label: "走访逾期", selected: status == "overdue"), Option(value: "week", label: "7 天内到期", selected: status == "week")],
            rows: members.map { m in
                let s = VisitSchedule.status(nextDue: LocalDate(m.nextVisitDue) ?? today, today: today)
                return SpecialRow(person: m.person.name, href: "/registry/people/\(m.$person.id)", kind: m.kind.displayName, grid: gridNames[m.gridID] ?? "",
                                  frequency: m.kind.visitFrequencyText, lastVisit: m.lastVisitOn ?? "尚未走访", nextDue: m.nextVisitDue,
                                  status: s.displayName, overdue: s.isOverdue, memberID: m.id!.uuidString, personID: m.$person.id.uuidString)
            },
            total: total, overdue: overdue,
            hidden: visibility.hidden.map(\.displayName),
            canEdit: RegistryRules.mayEdit(user.roles), today: today.description, grid: gridID.map(String.init) ?? ""))
    }
}
