import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Writes the demo registry (`DemoRegistry`) grid by grid, in bulk, one transaction per grid.
struct DemoRegistrySeeder {
    let app: Application

    func seed(plan: DemoCityPlan, peoplePerGrid: Int, now: Date) async throws -> Int {
        let db = app.db
        let cipher = app.state.cipher
        let today = LocalDate(now)
        let grids = plan.areas.filter { $0.level == .grid }
        let areaRows = try await Area.query(on: db).filter(\.$code ~~ plan.areas.map(\.code)).all()
        let ids = Dictionary(areaRows.map { ($0.code, $0.id!) }, uniquingKeysWith: { a, _ in a })
        let workers = Dictionary(try await RoleAssignment.query(on: db).filter(\.$role == .gridWorker).all().compactMap { r in r.$area.id.map { ($0, r.$user.id) } },
                                 uniquingKeysWith: { a, _ in a })
        var total = 0
        struct Work: Sendable { let index: Int; let gridID: Int; let communityID: Int; let planned: DemoCityPlan.PlannedArea }
        let work = grids.enumerated().compactMap { index, planned -> Work? in
            guard let gridID = ids[planned.code], let parentCode = planned.parentCode, let communityID = ids[parentCode] else { return nil }
            return Work(index: index, gridID: gridID, communityID: communityID, planned: planned)
        }
        // The next grid is generated and encrypted on another core while this one is written.
        func build(_ w: Work) -> Task<GridRows, any Error> {
            Task.detached { try Self.rows(for: w.planned, index: w.index, gridID: w.gridID, communityID: w.communityID, worker: workers[w.gridID],
                                          peoplePerGrid: peoplePerGrid, today: today, now: now, cipher: cipher) }
        }
        var pending = work.first.map(build)
        for (i, _) in work.enumerated() {
            let rows = try await pending!.value
            pending = i + 1 < work.count ? build(work[i + 1]) : nil
            try await db.transaction { tx in try await rows.insert(on: tx) }
            total += rows.people.count
        }
        return total
    }

    struct GridRows: Sendable {
        var buildings: [[RowWriter.Value]] = [], houses: [[RowWriter.Value]] = [], households: [[RowWriter.Value]] = []
        var people: [[RowWriter.Value]] = [], members: [[RowWriter.Value]] = [], orgs: [[RowWriter.Value]] = [], components: [[RowWriter.Value]] = []

        func insert(on tx: any Database) async throws {
            try await RowWriter.insert(buildings, into: Building.schema, columns: RowWriter.buildingColumns, on: tx)
            try await RowWriter.insert(houses, into: House.schema, columns: RowWriter.houseColumns, on: tx)
            try await RowWriter.insert(households, into: Household.schema, columns: RowWriter.householdColumns, on: tx)
            try await RowWriter.insert(people, into: Person.schema, columns: RowWriter.personColumns, on: tx)
            try await RowWriter.insert(members, into: SpecialGroupMember.schema, columns: RowWriter.specialGroupMemberColumns, on: tx)
            try await RowWriter.insert(orgs, into: Organization.schema, columns: RowWriter.organizationColumns, on: tx)
            try await RowWriter.insert(components, into: CityComponent.schema, columns: RowWriter.componentColumns, on: tx)
        }
    }

    static func rows(for planned: DemoCityPlan.PlannedArea, index: Int, gridID: Int, communityID: Int, worker: UUID?, peoplePerGrid: Int,
                     today: LocalDate, now: Date, cipher: PersonalDataCipher) throws -> GridRows {
        // Grids vary around the average (±35%), as real ones do.
        let spread = Double((index * 7919) % 71) / 100.0 - 0.35
        let target = max(5, Int(Double(peoplePerGrid) * (1 + spread)))
                    let registry = DemoRegistry.generate(gridCode: planned.code, gridIndex: index, gridName: planned.name, boundary: planned.boundary,
                                             people: target, today: today, holes: index % 40 == 0)
        let v = RowWriter.value
        var buildingIDs: [Int: UUID] = [:], buildingGrid: [Int: Int] = [:], houseIDs: [Int: UUID] = [:], householdIDs: [Int: UUID] = [:], personIDs: [Int: UUID] = [:]
        var buildings: [[RowWriter.Value]] = [], houses: [[RowWriter.Value]] = [], households: [[RowWriter.Value]] = []
        var people: [[RowWriter.Value]] = [], members: [[RowWriter.Value]] = [], orgs: [[RowWriter.Value]] = [], components: [[RowWriter.Value]] = []
        for b in registry.buildings {
            let id = UUID(), grid = b.onCommunity ? communityID : gridID
            buildingIDs[b.key] = id; buildingGrid[b.key] = grid
            buildings.append([v(id), v(grid), v(b.name), v(b.address), v(b.location.lat), v(b.location.lon), v(b.floors), v(b.units), v(1), v(now)])
        }
        for h in registry.houses {
            let id = UUID()
            houseIDs[h.key] = id
            houses.append([v(id), v(buildingIDs[h.building]!), v(buildingGrid[h.building]!), v(h.number), v(h.areaSquareMetres), v(h.use.rawValue),
                           v(h.ownership.rawValue), v(h.occupancy.rawValue), v(1), v(now)])
        }
        for h in registry.households {
            let id = UUID()
            householdIDs[h.key] = id
            households.append([v(id), v(gridID), v(h.house.flatMap { houseIDs[$0] }), v(h.number), v(1), v(now)])
        }
        let address = "湖南省株洲市石峰区" + (registry.buildings.first?.address ?? "")
        for p in registry.people {
            let identity = p.identity
            let id = UUID()
            personIDs[p.key] = id
            people.append([v(id), v(gridID), v(p.household.flatMap { householdIDs[$0] }), v(p.name), v(try cipher.seal(identity.value)),
                           v(cipher.index(identity.value)), v(cipher.index(IDTailIndex.text(lastFour: identity.lastFour))), v(identity.birthDate.year), v(identity.gender.rawValue),
                           v(try p.phone.map(cipher.seal)), v(p.phone.map(cipher.index)), v(p.phone.map { String($0.suffix(4)) }),
                           v(p.kind.rawValue), v(p.relation?.rawValue), v(p.employment), v(p.tags), v(p.kind == .registered ? address : nil), v(1), v(now)])
        }
        for m in registry.members {
            members.append([v(UUID()), v(personIDs[m.person]!), v(gridID), v(m.kind.rawValue), v(String(decoding: try JSONEncoder.sorted.encode(m.details), as: UTF8.self)),
                            v(worker), v(m.filedOn.description), v(m.lastVisit?.description),
                            v(VisitSchedule.nextDue(lastVisit: m.lastVisit, filedOn: m.filedOn, everyDays: m.kind.visitEveryDays).description), v(true), v(1), v(now)])
        }
        for o in registry.organizations {
            orgs.append([v(UUID()), v(gridID), v(o.kind.rawValue), v(o.name), v(o.creditCode.value), v(o.address), v(o.contact), v(try cipher.seal(o.phone)),
                         v(o.employees), v(1), v(now)])
        }
        for c in registry.components {
            components.append([v(UUID()), v(gridID), v(c.kind.rawValue), v(c.code), v(c.location.lat), v(c.location.lon), v(c.state.rawValue), v(1), v(now)])
        }
        return GridRows(buildings: buildings, houses: houses, households: households, people: people, members: members, orgs: orgs, components: components)
    }
}
