import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Imports a spreadsheet into the registry: GridCore checks every cell, this checks against the
/// database (grid codes in the chosen area, numbers already registered, buildings that must exist),
/// and the commit writes every row — or none — in one transaction. Both passes read the file a batch
/// at a time (`ImportSource`), so memory stays flat however long the file.
struct RegistryImporter {
    let db: any Database
    let app: Application

    var cipher: PersonalDataCipher { app.state.cipher }

    /// Rows read, checked and written per batch.
    static let batchSize = 5_000

    /// What checking a file found.
    struct Checked: Sendable {
        var issues: [ImportIssue]
        /// Data rows read (up to the point where the check stopped at 200 problems).
        var rows: Int
        /// The file as the commit will read it (re-decoded when it turned out to be GBK).
        var source: ImportSource
        let kind: ImportKind
        var isValid: Bool { issues.isEmpty }
    }

    /// Cell checks, then database checks, a batch at a time. Issues come back sorted by row.
    func validate(_ source: ImportSource, kind: ImportKind, under area: Area) async throws -> Checked {
        do {
            return try await check(source, kind: kind, under: area)
        } catch CSVTable.Problem.notUTF8 {
            return try await check(try source.decodedAsGB18030(), kind: kind, under: area)
        }
    }

    private func check(_ source: ImportSource, kind: ImportKind, under area: Area) async throws -> Checked {
        let reader = try source.makeReader()
        var validator = RegistryImport.Validator(header: reader.header, kind: kind)
        let known = try await Known.load(kind, under: area, on: db)
        while validator.acceptsRows, !validator.isFull {
            let batch = try reader.next(Self.batchSize)
            guard !batch.isEmpty else { break }
            var good: [ImportRow] = []
            for (row, cells) in batch {
                if let checked = validator.check(cells, row: row) { good.append(checked) }
                if validator.isFull { break }
            }
            // In row order, so that the first 200 reported are the file's first 200.
            for issue in try await databaseIssues(good, kind: kind, known: known, area: area).sorted(by: { $0.row < $1.row }) { validator.report(issue) }
        }
        validator.finish()
        let issues = validator.issues.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        return Checked(issues: issues, rows: validator.rowsRead, source: source, kind: kind)
    }

    /// What rows are checked against and linked to: the grids under the area, their buildings, and
    /// (for people and houses) the houses of those buildings; read once per pass.
    struct Known {
        var grids: [String: Int] = [:]
        var buildings: [BuildingKey: UUID] = [:]
        /// Houses by building and number.
        var houses: [HouseKey: UUID] = [:]

        static func load(_ kind: ImportKind, under area: Area, on db: any Database) async throws -> Known {
            var known = Known()
            let sql = db as! any SQLDatabase
            for row in try await sql.select().column("id").column("code").from(Area.schema)
                .where("path", .like, area.path + "%").where("level", .in, [AreaLevel.grid.rawValue, AreaLevel.microGrid.rawValue]).all() {
                known.grids[try row.decode(column: "code", as: String.self)] = try row.decode(column: "id", as: Int.self)
            }
            guard kind == .people || kind == .buildings || kind == .houses, !known.grids.isEmpty else { return known }
            let gridIDs = Array(Set(known.grids.values))
            for chunk in stride(from: 0, to: gridIDs.count, by: 1_000) {
                for row in try await sql.select().column("id").column("grid_id").column("name").from(Building.schema)
                    .where("grid_id", .in, Array(gridIDs[chunk..<min(chunk + 1_000, gridIDs.count)])).all() {
                    known.buildings[BuildingKey(grid: try row.decode(column: "grid_id", as: Int.self), name: try row.decode(column: "name", as: String.self))] =
                        try row.decode(column: "id", as: UUID.self)
                }
                guard kind != .buildings else { continue }
                for row in try await sql.select().column("id").column("building_id").column("number").from(House.schema)
                    .where("grid_id", .in, Array(gridIDs[chunk..<min(chunk + 1_000, gridIDs.count)])).all() {
                    known.houses[HouseKey(building: try row.decode(column: "building_id", as: UUID.self), number: try row.decode(column: "number", as: String.self))] =
                        try row.decode(column: "id", as: UUID.self)
                }
            }
            return known
        }
    }

    struct BuildingKey: Hashable { let grid: Int; let name: String }
    struct HouseKey: Hashable { let building: UUID; let number: String }

    /// Problems of cell-valid rows that only the database shows.
    private func databaseIssues(_ rows: [ImportRow], kind: ImportKind, known: Known, area: Area) async throws -> [ImportIssue] {
        var issues: [ImportIssue] = []
        var good: [(row: ImportRow, grid: Int)] = []
        for row in rows {
            guard let code = row.text("gridCode"), let grid = known.grids[code] else {
                issues.append(ImportIssue(row: row.row, column: "网格编码", reason: "网格编码 \(row.text("gridCode") ?? "") 不存在或不在“\(area.name)”范围内"))
                continue
            }
            good.append((row, grid))
        }
        switch kind {
        case .people:
            var byIndex: [String: Int] = [:]
            for (r, _) in good { if case .identity(let id)? = r["idNumber"] { byIndex[cipher.index(id.value)] = r.row } }
            // Inside the chosen area the clash is named; outside it only "cannot be registered here",
            // so an import cannot be used to test which numbers are registered elsewhere in the city.
            let taken = try await taken(Person.schema, "id_index", in: Array(byIndex.keys))
            let inside = try await registeredUnder(area, indexes: Array(taken))
            for index in taken {
                issues.append(ImportIssue(row: byIndex[index]!, column: "身份证号", reason: inside.contains(index)
                    ? "该身份证号已登记，请勿重复导入（如需修改请在人员页面编辑）" : RegistryService.clashOutsideReason))
            }
            for (r, grid) in good {
                if let b = r.text("building"), known.buildings[BuildingKey(grid: grid, name: b)] == nil {
                    issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "本网格没有名为“\(b)”的楼栋，请先导入楼栋"))
                } else if r.text("house") != nil, r.text("building") == nil {
                    issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "填写了房号时必须填写楼栋"))
                }
            }
        case .buildings:
            for (r, grid) in good {
                if known.buildings[BuildingKey(grid: grid, name: r.text("name")!)] != nil {
                    issues.append(ImportIssue(row: r.row, column: "楼栋名称", reason: "本网格已有该楼栋"))
                }
                if (r["longitude"] == nil) != (r["latitude"] == nil) { issues.append(ImportIssue(row: r.row, column: "经度", reason: "经度和纬度需同时填写")) }
            }
        case .houses:
            for (r, grid) in good {
                guard let b = known.buildings[BuildingKey(grid: grid, name: r.text("building")!)] else {
                    issues.append(ImportIssue(row: r.row, column: "楼栋", reason: "本网格没有名为“\(r.text("building")!)”的楼栋")); continue
                }
                if known.houses[HouseKey(building: b, number: r.text("number")!)] != nil { issues.append(ImportIssue(row: r.row, column: "房号", reason: "该楼栋已有此房号")) }
            }
        case .organizations:
            let rowByCode = Dictionary(good.map { ($0.row.text("creditCode")!, $0.row.row) }, uniquingKeysWith: { a, _ in a })
            for code in try await taken(Organization.schema, "credit_code", in: Array(rowByCode.keys)) {
                issues.append(ImportIssue(row: rowByCode[code]!, column: "统一社会信用代码", reason: "该单位已登记"))
            }
        case .components:
            let rowByCode = Dictionary(good.map { ($0.row.text("code")!, $0.row.row) }, uniquingKeysWith: { a, _ in a })
            for code in try await taken(CityComponent.schema, "code", in: Array(rowByCode.keys)) {
                issues.append(ImportIssue(row: rowByCode[code]!, column: "部件编号", reason: "该编号已登记"))
            }
        }
        return issues
    }

    /// Which of `values` the table already holds in `column` (read a thousand at a time).
    /// Of these ID indexes, those of people registered under `area`.
    func registeredUnder(_ area: Area, indexes: [String]) async throws -> Set<String> {
        guard !indexes.isEmpty else { return [] }
        var found: Set<String> = []
        for chunk in stride(from: 0, to: indexes.count, by: 1_000) {
            let slice = Array(indexes[chunk..<min(chunk + 1_000, indexes.count)])
            for p in try await Person.query(on: db).join(Area.self, on: \Person.$gridID == \Area.$id)
                .filter(areaWithin: area.areaPath).filter(\.$idIndex ~~ slice).all() { found.insert(p.idIndex) }
        }
        return found
    }

    func taken(_ table: String, _ column: String, in values: [String]) async throws -> Set<String> {
        let sql = db as! any SQLDatabase
        var found: Set<String> = []
        for chunk in stride(from: 0, to: values.count, by: 1_000) {
            let slice = Array(values[chunk..<min(chunk + 1_000, values.count)])
            for row in try await sql.select().column(column).from(table).where(SQLIdentifier(column), .in, slice).all() {
                found.insert(try row.decode(column: column, as: String.self))
            }
        }
        return found
    }

    struct FileChanged: Error, CustomStringConvertible {
        let issues: [ImportIssue]
        var description: String { "文件在校验后发生了变化：" + (issues.first?.description ?? "") }
    }

    /// Writes every row of a checked file in one transaction; `progress` gets the number of rows written so far.
    @discardableResult
    func commit(_ checked: Checked, under area: Area, actorID: UUID?, actorName: String,
                progress: @Sendable @escaping (Int) -> Void = { _ in }) async throws -> Int {
        precondition(checked.isValid, "commit needs a checked, valid file")
        let kind = checked.kind
        let now = app.state.clock.now()
        let cipher = self.cipher
        let sqlite = (db as? any SQLDatabase)?.dialect.name == "sqlite"
        return try await db.transaction { tx in
            // Large SQLite imports insert into several random-keyed indexes (the lookup hashes): give
            // this connection a page cache that holds most of them; the default 2 MB makes every insert
            // a page miss. Each multi-row INSERT also keeps a statement journal (to undo just that
            // statement on a constraint error): in memory rather than a temporary file.
            let bigCache = sqlite && checked.rows > 20_000
            if bigCache {
                try await (tx as! any SQLDatabase).raw("PRAGMA cache_size = -\(unsafeRaw: String(Self.importCacheKiB))").run()
                try await (tx as! any SQLDatabase).raw("PRAGMA temp_store = MEMORY").run()
            }
            do {
                let written = try await write(checked, kind: kind, under: area, on: tx, now: now, cipher: cipher,
                                              actorID: actorID, actorName: actorName, progress: progress)
                if bigCache { try await (tx as! any SQLDatabase).raw("PRAGMA cache_size = -2000").run() }
                return written
            } catch {
                if bigCache { try? await (tx as! any SQLDatabase).raw("PRAGMA cache_size = -2000").run() }
                throw error
            }
        }
    }

    /// The import connection's page cache (KiB) for large SQLite imports: 64 MB. Measured on 1 M
    /// people: 128 MB was 6 % faster for 100 MB more resident memory (benchmarks/README.md).
    static let importCacheKiB = 65_536

    private func write(_ checked: Checked, kind: ImportKind, under area: Area, on tx: any Database, now: Date, cipher: PersonalDataCipher,
                       actorID: UUID?, actorName: String, progress: @Sendable (Int) -> Void) async throws -> Int {
        var known = try await Known.load(kind, under: area, on: tx)
        let reader = try checked.source.makeReader()
        // Duplicates within the file were found by the check; here the unique indexes stand behind it.
        var validator = RegistryImport.Validator(header: reader.header, kind: kind, tracksDuplicates: false)
        var rows = RowBuilder(now: now, actorID: actorID, actorName: actorName, cipher: cipher)
        if kind == .people { rows.households = try await HouseholdIndex.load(gridIDs: Set(known.grids.values), on: tx) }
        var written = 0
        // People are written while the next batch is read, checked and sealed: the database works on
        // one core while this task works on the other. At most one write is in flight, in order.
        var writing: Task<Void, any Error>?
        defer { writing?.cancel() }
        func finishWriting() async throws {
            guard let task = writing else { return }
            writing = nil
            try await task.value
        }
        while true {
            let batch: [(row: Int, cells: [String])]
            do { batch = try reader.next(Self.batchSize) } catch { try? await finishWriting(); throw error }
            guard !batch.isEmpty else { break }
            var good: [(row: ImportRow, grid: Int)] = []
            good.reserveCapacity(batch.count)
            for (row, cells) in batch {
                guard let checkedRow = validator.check(cells, row: row) else { continue }
                guard let grid = known.grids[checkedRow.text("gridCode")!] else {
                    try? await finishWriting()  // never leave a write running on a transaction that is being rolled back
                    throw FileChanged(issues: [ImportIssue(row: row, column: "网格编码", reason: "网格编码不存在")])
                }
                good.append((checkedRow, grid))
            }
            guard validator.issues.isEmpty else { try? await finishWriting(); throw FileChanged(issues: validator.issues) }
            switch kind {
            case .people:
                var batchRows = RowBuilder.PeopleBatch()
                do {
                    for (r, grid) in good { try rows.person(r, grid: grid, known: &known, into: &batchRows) }
                    try await finishWriting()
                } catch { try? await finishWriting(); throw error }
                let ready = batchRows
                writing = Task { try await ready.write(on: tx) }
            case .buildings:
                var items: [Building] = []
                for (r, grid) in good {
                    let b = Building()
                    b.id = UUID(); b.$grid.id = grid; b.name = r.text("name")!; b.address = r.text("address")!
                    if case .number(let lon)? = r["longitude"], case .number(let lat)? = r["latitude"] { b.longitude = lon; b.latitude = lat }
                    if case .int(let f)? = r["floors"] { b.floors = f }
                    if case .int(let u)? = r["units"] { b.units = u } else { b.units = 1 }
                    b.version = 1; b.updatedAt = now
                    items.append(b); rows.revise(.building, b.id!, grid)
                }
                try await RowWriter.create(items, on: tx)
            case .houses:
                var items: [House] = []
                for (r, grid) in good {
                    let h = House()
                    h.id = UUID(); h.$building.id = known.buildings[BuildingKey(grid: grid, name: r.text("building")!)]!; h.gridID = grid
                    h.number = r.text("number")!
                    if case .number(let a)? = r["areaSquareMetres"] { h.areaSquareMetres = a }
                    h.use = HouseUse(rawValue: r.text("use")!)!; h.ownership = r.text("ownership").flatMap(Ownership.init(rawValue:))
                    h.occupancy = Occupancy(rawValue: r.text("occupancy")!)!; h.version = 1; h.updatedAt = now
                    items.append(h); rows.revise(.house, h.id!, grid)
                }
                try await RowWriter.create(items, on: tx)
            case .organizations:
                var items: [Organization] = []
                for (r, grid) in good {
                    let o = Organization()
                    o.id = UUID(); o.gridID = grid; o.kind = OrganizationKind(rawValue: r.text("kind")!)!
                    o.name = r.text("name")!; o.creditCode = r.text("creditCode")!; o.address = r.text("address")!
                    o.contactName = r.text("contactName"); o.contactPhoneSealed = try r.text("contactPhone").map(cipher.seal)
                    if case .int(let n)? = r["employees"] { o.employees = n }
                    o.version = 1; o.updatedAt = now
                    items.append(o); rows.revise(.organization, o.id!, grid)
                }
                try await RowWriter.create(items, on: tx)
            case .components:
                var items: [CityComponent] = []
                for (r, grid) in good {
                    let c = CityComponent()
                    c.id = UUID(); c.gridID = grid; c.kind = ComponentKind(rawValue: r.text("kind")!)!
                    c.code = r.text("code")!
                    if case .number(let lon)? = r["longitude"], case .number(let lat)? = r["latitude"] { c.longitude = lon; c.latitude = lat }
                    c.state = r.text("state").flatMap(ComponentState.init(rawValue:)) ?? .normal; c.note = r.text("note")
                    c.version = 1; c.updatedAt = now
                    items.append(c); rows.revise(.component, c.id!, grid)
                }
                try await RowWriter.create(items, on: tx)
            }
            if kind != .people {
                try await RowWriter.insert(rows.revisions, into: RegistryRevision.schema, columns: RowWriter.revisionColumns, on: tx)
                rows.revisions.removeAll(keepingCapacity: true)
            }
            written += good.count
            progress(written)
        }
        try await finishWriting()
        return written
    }

    /// Households by grid and number: those already registered and those this import creates
    /// (ids only, so a million-person import keeps a few tens of MB).
    struct HouseholdIndex {
        struct Key: Hashable { let grid: Int; let number: String }
        var entries: [Key: (id: UUID, hasHouse: Bool)] = [:]

        static func load(gridIDs: Set<Int>, on db: any Database) async throws -> HouseholdIndex {
            var index = HouseholdIndex()
            let sql = db as! any SQLDatabase
            let ids = Array(gridIDs)
            for chunk in stride(from: 0, to: ids.count, by: 1_000) {
                for row in try await sql.select().column("id").column("grid_id").column("number").column("house_id").from(Household.schema)
                    .where("grid_id", .in, Array(ids[chunk..<min(chunk + 1_000, ids.count)])).all() {
                    index.entries[Key(grid: try row.decode(column: "grid_id", as: Int.self), number: try row.decode(column: "number", as: String.self))] =
                        (try row.decode(column: "id", as: UUID.self), try row.decode(column: "house_id", as: UUID?.self) != nil)
                }
            }
            return index
        }
    }

    /// Turns checked rows into table rows: ids in creation order, sealed personal data, one
    /// revision ("imported by whom, when") per created record.
    struct RowBuilder {
        let now: Date
        let actorID: UUID?
        let actorName: String
        let cipher: PersonalDataCipher
        var households = HouseholdIndex()
        var ids = SequentialUUIDs()
        var revisions: [[RowWriter.Value]] = []

        init(now: Date, actorID: UUID?, actorName: String, cipher: PersonalDataCipher) {
            self.now = now; self.actorID = actorID; self.actorName = actorName; self.cipher = cipher
        }

        struct PeopleBatch {
            var houses: [[RowWriter.Value]] = []
            var households: [[RowWriter.Value]] = []
            var people: [[RowWriter.Value]] = []
            var revisions: [[RowWriter.Value]] = []
            var householdHouses: [(household: UUID, house: UUID)] = []

            func write(on tx: any Database) async throws {
                for update in householdHouses {
                    try await Household.query(on: tx).filter(\.$id == update.household).set(\.$house.$id, to: update.house).update()
                }
                try await RowWriter.insert(houses, into: House.schema, columns: RowWriter.houseColumns, on: tx)
                try await RowWriter.insert(households, into: Household.schema, columns: RowWriter.householdColumns, on: tx)
                try await RowWriter.insert(people, into: Person.schema, columns: RowWriter.personColumns, on: tx)
                try await RowWriter.insert(revisions, into: RegistryRevision.schema, columns: RowWriter.revisionColumns, on: tx)
            }
        }

        mutating func revise(_ entity: RegistryRevision.Entity, _ id: UUID, _ grid: Int) {
            let row = revision(entity, id, grid)
            revisions.append(row)
        }

        mutating func revision(_ entity: RegistryRevision.Entity, _ id: UUID, _ grid: Int) -> [RowWriter.Value] {
            [.uuid(ids.next()), .text(entity.rawValue), .uuid(id), .int(grid), .int(1), .text(RegistryRevision.Action.import.rawValue),
             .uuid(actorID), .text(actorName), .date(now), .text("[]")]
        }

        mutating func person(_ r: ImportRow, grid: Int, known: inout Known, into batch: inout PeopleBatch) throws {
            var houseID: UUID?
            if let b = r.text("building"), let buildingID = known.buildings[BuildingKey(grid: grid, name: b)], let number = r.text("house") {
                let key = HouseKey(building: buildingID, number: number)
                if let id = known.houses[key] { houseID = id } else {
                    let id = ids.next()
                    let occupancy: Occupancy = r.text("kind") == PersonKind.migrant.rawValue ? .rented : .ownerOccupied
                    batch.houses.append([.uuid(id), .uuid(buildingID), .int(grid), .text(number), .null, .text(HouseUse.residential.rawValue), .null,
                                         .text(occupancy.rawValue), .int(1), .date(now)])
                    known.houses[key] = id; houseID = id
                    let row = revision(.house, id, grid)
                    batch.revisions.append(row)
                }
            }
            var householdID: UUID?
            if let number = r.text("householdNumber") {
                let key = HouseholdIndex.Key(grid: grid, number: number)
                if let h = households.entries[key] {
                    householdID = h.id
                    if !h.hasHouse, let houseID {
                        batch.householdHouses.append((h.id, houseID))
                        households.entries[key] = (h.id, true)
                    }
                } else {
                    let id = ids.next()
                    batch.households.append([.uuid(id), .int(grid), .uuid(houseID), .text(number), .int(1), .date(now)])
                    households.entries[key] = (id, houseID != nil); householdID = id
                    let row = revision(.household, id, grid)
                    batch.revisions.append(row)
                }
            }
            guard case .identity(let identity)? = r["idNumber"] else { return }
            let id = ids.next()
            let phone = r.text("phone")
            batch.people.append([.uuid(id), .int(grid), .uuid(householdID), .text(r.text("name")!), .text(try cipher.seal(identity.value)),
                                 .text(cipher.index(identity.value)), .text(cipher.index(IDTailIndex.text(lastFour: identity.lastFour))), .int(identity.birthDate.year),
                                 .text(identity.gender.rawValue), .text(try phone.map(cipher.seal)), .text(phone.map(cipher.index)),
                                 .text(phone.map { String($0.suffix(4)) }), .text(r.text("kind")!), .text(r.text("relation")), .text(r.text("employment")),
                                 .text(RegistryService.normalizedTags(r.text("tags") ?? "")), .null, .int(1), .date(now)])
            let row = revision(.person, id, grid)
            batch.revisions.append(row)
        }
    }
}

/// UUIDs that sort by creation time (the layout of RFC 9562 version 7: 48 bits of Unix milliseconds,
/// a counter, random bits). Rows bulk-loaded with them go to the end of the primary-key index instead
/// of to a random page of it, which is what made large imports slow.
struct SequentialUUIDs {
    private var lastMillis: UInt64 = 0
    private var counter: UInt16 = 0
    private var rng = SystemRandomNumberGenerator()

    mutating func next(now: Date = Date()) -> UUID {
        var millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        if millis <= lastMillis {
            millis = lastMillis
            counter &+= 1
            if counter > 0x0FFF { millis += 1; counter = 0 }
        } else {
            counter = 0
        }
        lastMillis = millis
        let random = rng.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (40 - 8 * UInt64(i))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: random >> 58)
        for i in 9..<16 { bytes[i] = UInt8(truncatingIfNeeded: random >> (8 * UInt64(i - 9))) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
