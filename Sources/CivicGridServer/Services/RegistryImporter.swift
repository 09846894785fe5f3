import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Imports a validated spreadsheet into the registry: GridCore checks every cell, this checks
/// against the database (grid codes in the chosen area, numbers already registered, buildings that
/// must exist), and the commit writes every row — or none — in one transaction.
struct RegistryImporter {
    let db: any Database
    let app: Application

    var cipher: PersonalDataCipher { app.state.cipher }

    /// Grids (and micro-grids) under `area` by code.
    func gridCodes(under area: Area) async throws -> [String: Area] {
        let grids = try await Area.query(on: db).filter(\.$path =~ area.path).filter(\.$level ~~ [.grid, .microGrid]).all()
        return Dictionary(grids.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Cell checks, then database checks. Issues come back sorted by row.
    func validate(_ table: [[String]], kind: ImportKind, under area: Area) async throws -> RegistryImport.Outcome {
        var outcome = RegistryImport.validate(table, kind: kind)
        guard !outcome.rows.isEmpty else { return outcome }
        let grids = try await gridCodes(under: area)
        var issues: [ImportIssue] = []
        var good: [ImportRow] = []
        for row in outcome.rows {
            guard let code = row.text("gridCode"), grids[code] != nil else {
                issues.append(ImportIssue(row: row.row, column: "网格编码", reason: "网格编码 \(row.text("gridCode") ?? "") 不存在或不在“\(area.name)”范围内"))
                continue
            }
            good.append(row)
        }
        switch kind {
        case .people:
            let indexes = good.compactMap { r -> String? in if case .identity(let id)? = r["idNumber"] { cipher.index(id.value) } else { nil } }
            let taken = try await existing(Person.self, \.$idIndex, in: indexes)
            for r in good { if case .identity(let id)? = r["idNumber"], taken.contains(cipher.index(id.value)) {
                issues.append(ImportIssue(row: r.row, column: "身份证号", reason: "该身份证号已登记，请勿重复导入（如需修改请在人员页面编辑）"))
            } }
            let buildings = try await buildingMap(gridIDs: Set(good.compactMap { grids[$0.text("gridCode")!]?.id }))
            for r in good { if let b = r.text("building"), buildings[BuildingKey(grid: grids[r.text("gridCode")!]!.id!, name: b)] == nil {
                issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "本网格没有名为“\(b)”的楼栋，请先导入楼栋"))
            } }
            for r in good where r.text("house") != nil && r.text("building") == nil {
                issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "填写了房号时必须填写楼栋"))
            }
        case .buildings:
            let buildings = try await buildingMap(gridIDs: Set(good.compactMap { grids[$0.text("gridCode")!]?.id }))
            for r in good where buildings[BuildingKey(grid: grids[r.text("gridCode")!]!.id!, name: r.text("name")!)] != nil {
                issues.append(ImportIssue(row: r.row, column: "楼栋名称", reason: "本网格已有该楼栋"))
            }
            for r in good where (r["longitude"] == nil) != (r["latitude"] == nil) {
                issues.append(ImportIssue(row: r.row, column: "经度", reason: "经度和纬度需同时填写"))
            }
        case .houses:
            let buildings = try await buildingMap(gridIDs: Set(good.compactMap { grids[$0.text("gridCode")!]?.id }))
            let houseKeys = try await houseMap(buildingIDs: Set(buildings.values))
            for r in good {
                guard let b = buildings[BuildingKey(grid: grids[r.text("gridCode")!]!.id!, name: r.text("building")!)] else {
                    issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "本网格没有名为“\(r.text("building")!)”的楼栋")); continue
                }
                if houseKeys["\(b)|\(r.text("number")!)"] != nil { issues.append(ImportIssue(row: r.row, column: "房号", reason: "该楼栋已有此房号")) }
            }
        case .organizations:
            let taken = try await existing(Organization.self, \.$creditCode, in: good.compactMap { $0.text("creditCode") })
            for r in good where taken.contains(r.text("creditCode")!) {
                issues.append(ImportIssue(row: r.row, column: "统一社会信用代码", reason: "该单位已登记"))
            }
        case .components:
            let taken = try await existing(CityComponent.self, \.$code, in: good.compactMap { $0.text("code") })
            for r in good where taken.contains(r.text("code")!) { issues.append(ImportIssue(row: r.row, column: "部件编号", reason: "该编号已登记")) }
        }
        outcome.issues = (outcome.issues + issues).sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        return outcome
    }

    struct BuildingKey: Hashable { let grid: Int; let name: String }

    func buildingMap(gridIDs: Set<Int>) async throws -> [BuildingKey: UUID] {
        guard !gridIDs.isEmpty else { return [:] }
        let rows = try await Building.query(on: db).filter(\.$grid.$id ~~ Array(gridIDs)).all()
        return Dictionary(rows.map { (BuildingKey(grid: $0.$grid.id, name: $0.name), $0.id!) }, uniquingKeysWith: { a, _ in a })
    }

    /// Houses of these buildings by "building id|number".
    func houseMap(buildingIDs: Set<UUID>) async throws -> [String: UUID] {
        let ids = Array(buildingIDs)
        var houses: [String: UUID] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            for h in try await House.query(on: db).filter(\.$building.$id ~~ Array(ids[chunk..<min(chunk + 500, ids.count)])).all() {
                houses["\(h.$building.id)|\(h.number)"] = h.id
            }
        }
        return houses
    }

    func existing<M: Model>(_ type: M.Type, _ key: KeyPath<M, FieldProperty<M, String>>, in values: [String]) async throws -> Set<String> {
        var found: Set<String> = []
        for chunk in stride(from: 0, to: values.count, by: 500) {
            let slice = Array(values[chunk..<min(chunk + 500, values.count)])
            for m in try await M.query(on: db).filter(key ~~ slice).all() { found.insert(m[keyPath: key].wrappedValue) }
        }
        return found
    }

    /// Writes every row in one transaction; `progress` gets the number of rows written so far.
    @discardableResult
    func commit(_ rows: [ImportRow], kind: ImportKind, under area: Area, actorID: UUID?, actorName: String,
                progress: @Sendable @escaping (Int) -> Void = { _ in }) async throws -> Int {
        let grids = try await gridCodes(under: area)
        let now = app.state.clock.now()
        let cipher = self.cipher
        return try await db.transaction { tx in
            // Large SQLite imports insert into several random-keyed indexes: give this connection a
            // page cache big enough to hold them (the default 2 MB makes every insert a page miss).
            // Each multi-row INSERT also keeps a statement journal (to undo just that statement on a
            // constraint error): in memory rather than a temporary file (11 % of an import's time in `perf`).
            if rows.count > 20_000, let sql = tx as? any SQLDatabase, sql.dialect.name == "sqlite" {
                try await sql.raw("PRAGMA cache_size = -262144").run()
                try await sql.raw("PRAGMA temp_store = MEMORY").run()
            }
            let bulk = BulkWriter(db: tx, progress: progress)
            // One revision per created record: "imported by whom, when".
            var revisions: [[any SQLExpression]] = []
            let v = RowInserter.value
            func revise(_ entity: RegistryRevision.Entity, _ id: UUID, _ grid: Int) {
                revisions.append([v(UUID()), v(entity.rawValue), v(id), v(grid), v(1), v(RegistryRevision.Action.import.rawValue), v(actorID), v(actorName), v(now), v("[]")])
            }
            let revisionInserter = RowInserter(tx, table: RegistryRevision.schema, columns: RowInserter.revisionColumns)
            func flushRevisions() async throws {
                try await revisionInserter.insert(revisions)
                revisions.removeAll(keepingCapacity: true)
            }
            switch kind {
            case .people:
                let gridIDs = Set(rows.map { grids[$0.text("gridCode")!]!.id! })
                let buildings = try await RegistryImporter(db: tx, app: app).buildingMap(gridIDs: gridIDs)
                // Houses named by building + number: existing, or created now.
                var houses = try await RegistryImporter(db: tx, app: app).houseMap(buildingIDs: Set(buildings.values))
                // Households by grid + number: existing (loaded), or created now. Kept as ids only.
                var households: [String: (id: UUID, hasHouse: Bool)] = [:]
                for g in gridIDs {
                    for h in try await Household.query(on: tx).filter(\.$gridID == g).all() { households["\(g)|\(h.number)"] = (h.id!, h.$house.id != nil) }
                }
                // Rows are built and written a chunk at a time, so memory stays flat however long the file.
                let houseInserter = RowInserter(tx, table: House.schema, columns: RowInserter.houseColumns)
                let householdInserter = RowInserter(tx, table: Household.schema, columns: RowInserter.householdColumns)
                let personInserter = RowInserter(tx, table: Person.schema, columns: RowInserter.personColumns)
                var written = 0
                for chunkStart in stride(from: 0, to: rows.count, by: 5_000) {
                    var newHouses: [[any SQLExpression]] = [], newHouseholds: [[any SQLExpression]] = [], people: [[any SQLExpression]] = []
                    for r in rows[chunkStart..<min(chunkStart + 5_000, rows.count)] {
                        let grid = grids[r.text("gridCode")!]!.id!
                        var houseID: UUID?
                        if let b = r.text("building"), let buildingID = buildings[BuildingKey(grid: grid, name: b)], let number = r.text("house") {
                            if let id = houses["\(buildingID)|\(number)"] { houseID = id } else {
                                let id = UUID()
                                let occupancy: Occupancy = r.text("kind") == PersonKind.migrant.rawValue ? .rented : .ownerOccupied
                                newHouses.append([v(id), v(buildingID), v(grid), v(number), v(nil as Double?), v(HouseUse.residential.rawValue), v(nil as String?),
                                                  v(occupancy.rawValue), v(1), v(now)])
                                houses["\(buildingID)|\(number)"] = id; houseID = id
                                revise(.house, id, grid)
                            }
                        }
                        var householdID: UUID?
                        if let number = r.text("householdNumber") {
                            if let h = households["\(grid)|\(number)"] {
                                householdID = h.id
                                if !h.hasHouse, let houseID {
                                    try await Household.query(on: tx).filter(\.$id == h.id).set(\.$house.$id, to: houseID).update()
                                    households["\(grid)|\(number)"] = (h.id, true)
                                }
                            } else {
                                let id = UUID()
                                newHouseholds.append([v(id), v(grid), v(houseID), v(number), v(1), v(now)])
                                households["\(grid)|\(number)"] = (id, houseID != nil); householdID = id
                                revise(.household, id, grid)
                            }
                        }
                        guard case .identity(let identity)? = r["idNumber"] else { continue }
                        let id = UUID()
                        let phone = r.text("phone")
                        people.append([v(id), v(grid), v(householdID), v(r.text("name")!), v(try cipher.seal(identity.value)), v(cipher.index(identity.value)),
                                       v(identity.lastFour), v(identity.birthDate.description), v(identity.gender.rawValue),
                                       v(try phone.map(cipher.seal)), v(phone.map(cipher.index)), v(phone.map { String($0.suffix(4)) }),
                                       v(r.text("kind")!), v(r.text("relation")), v(r.text("employment")), v(RegistryService.normalizedTags(r.text("tags") ?? "")),
                                       v(nil as String?), v(1), v(now)])
                        revise(.person, id, grid)
                    }
                    try await houseInserter.insert(newHouses)
                    try await householdInserter.insert(newHouseholds)
                    try await personInserter.insert(people)
                    try await flushRevisions()
                    written += people.count
                    progress(written)
                }
            case .buildings:
                var items: [Building] = []
                for r in rows {
                    let b = Building()
                    b.id = UUID(); b.$grid.id = grids[r.text("gridCode")!]!.id!; b.name = r.text("name")!; b.address = r.text("address")!
                    if case .number(let lon)? = r["longitude"], case .number(let lat)? = r["latitude"] { b.longitude = lon; b.latitude = lat }
                    if case .int(let f)? = r["floors"] { b.floors = f }
                    if case .int(let u)? = r["units"] { b.units = u } else { b.units = 1 }
                    b.version = 1; b.updatedAt = now
                    items.append(b); revise(.building, b.id!, b.$grid.id)
                }
                try await bulk.insert(items)
            case .houses:
                let gridIDs = Set(rows.map { grids[$0.text("gridCode")!]!.id! })
                let buildings = try await RegistryImporter(db: tx, app: app).buildingMap(gridIDs: gridIDs)
                var items: [House] = []
                for r in rows {
                    let grid = grids[r.text("gridCode")!]!.id!
                    let h = House()
                    h.id = UUID(); h.$building.id = buildings[BuildingKey(grid: grid, name: r.text("building")!)]!; h.gridID = grid
                    h.number = r.text("number")!
                    if case .number(let a)? = r["areaSquareMetres"] { h.areaSquareMetres = a }
                    h.use = HouseUse(rawValue: r.text("use")!)!; h.ownership = r.text("ownership").flatMap(Ownership.init(rawValue:))
                    h.occupancy = Occupancy(rawValue: r.text("occupancy")!)!; h.version = 1; h.updatedAt = now
                    items.append(h); revise(.house, h.id!, grid)
                }
                try await bulk.insert(items)
            case .organizations:
                var items: [Organization] = []
                for r in rows {
                    let o = Organization()
                    o.id = UUID(); o.gridID = grids[r.text("gridCode")!]!.id!; o.kind = OrganizationKind(rawValue: r.text("kind")!)!
                    o.name = r.text("name")!; o.creditCode = r.text("creditCode")!; o.address = r.text("address")!
                    o.contactName = r.text("contactName"); o.contactPhoneSealed = try r.text("contactPhone").map(cipher.seal)
                    if case .int(let n)? = r["employees"] { o.employees = n }
                    o.version = 1; o.updatedAt = now
                    items.append(o); revise(.organization, o.id!, o.gridID)
                }
                try await bulk.insert(items)
            case .components:
                var items: [CityComponent] = []
                for r in rows {
                    let c = CityComponent()
                    c.id = UUID(); c.gridID = grids[r.text("gridCode")!]!.id!; c.kind = ComponentKind(rawValue: r.text("kind")!)!
                    c.code = r.text("code")!
                    if case .number(let lon)? = r["longitude"], case .number(let lat)? = r["latitude"] { c.longitude = lon; c.latitude = lat }
                    c.state = r.text("state").flatMap(ComponentState.init(rawValue:)) ?? .normal; c.note = r.text("note")
                    c.version = 1; c.updatedAt = now
                    items.append(c); revise(.component, c.id!, c.gridID)
                }
                try await bulk.insert(items)
            }
            try await flushRevisions()
            return rows.count
        }
    }
}

/// Batched inserts: as many rows per statement as the bind limits allow (SQLite 32,766; PostgreSQL 65,535).
struct BulkWriter: Sendable {
    let db: any Database
    var progress: @Sendable (Int) -> Void = { _ in }
    private let written = Counter()

    init(db: any Database, progress: @escaping @Sendable (Int) -> Void = { _ in }) { self.db = db; self.progress = progress }

    final class Counter: @unchecked Sendable { var n = 0 }

    func insert<M: Model>(_ rows: [M], counts: Bool = true) async throws {
        guard let first = rows.first else { return }
        let columns = max(1, first.properties.count)
        let batch = max(1, min(2000, 30_000 / columns))
        for start in stride(from: 0, to: rows.count, by: batch) {
            let slice = Array(rows[start..<min(start + batch, rows.count)])
            try await slice.create(on: db)
            if counts { written.n += slice.count; progress(written.n) }
        }
    }
}
