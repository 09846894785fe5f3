import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// The registry's reads and writes. Every read is scoped in SQL (the record's area joined and
/// filtered by path prefix); every write runs in a transaction with its `RegistryRevision`.
struct RegistryService {
    let db: any Database
    let app: Application

    var cipher: PersonalDataCipher { app.state.cipher }
    var now: Date { app.state.clock.now() }

    // MARK: Scope

    static func scoped<M: Model>(_ query: QueryBuilder<M>, _ scope: AccessScope) -> QueryBuilder<M> {
        guard !scope.areaPaths.isEmpty else { return query.filter(Area.self, \.$id == -1) }
        return query.filter(areaWithin: scope)
    }

    func people(_ user: CurrentUser) -> QueryBuilder<Person> {
        Self.scoped(Person.query(on: db).join(Area.self, on: \Person.$gridID == \Area.$id), user.scope)
    }
    func buildings(_ user: CurrentUser) -> QueryBuilder<Building> {
        Self.scoped(Building.query(on: db).join(Area.self, on: \Building.$grid.$id == \Area.$id), user.scope)
    }
    func households(_ user: CurrentUser) -> QueryBuilder<Household> {
        Self.scoped(Household.query(on: db).join(Area.self, on: \Household.$gridID == \Area.$id), user.scope)
    }
    func organizations(_ user: CurrentUser) -> QueryBuilder<Organization> {
        Self.scoped(Organization.query(on: db).join(Area.self, on: \Organization.$gridID == \Area.$id), user.scope)
    }
    func components(_ user: CurrentUser) -> QueryBuilder<CityComponent> {
        Self.scoped(CityComponent.query(on: db).join(Area.self, on: \CityComponent.$gridID == \Area.$id), user.scope)
    }
    /// Memberships in scope *and* of a group the user may see (`SpecialGroupVisibility`).
    func specialMembers(_ user: CurrentUser) -> QueryBuilder<SpecialGroupMember> {
        SpecialGroupVisibility(user).members(
            Self.scoped(SpecialGroupMember.query(on: db).join(Area.self, on: \SpecialGroupMember.$gridID == \Area.$id), user.scope))
    }

    static func requireReader(_ user: CurrentUser) throws {
        guard user.kind == .staff, RegistryRules.mayRead(user.roles) else { throw Abort(.forbidden, reason: "您的岗位无权查看基础信息") }
    }
    /// The one rule for registry changes (`RegistryRights`), for forms, the phone, imports and the API alike.
    static func require(_ change: RegistryChange, _ record: RegistryRecord, by user: CurrentUser) throws {
        guard user.kind == .staff, RegistryRights.may(change, record, roles: user.roles) else {
            throw Abort(.forbidden, reason: RegistryRights.refusal(change, record))
        }
    }
    static func may(_ change: RegistryChange, _ record: RegistryRecord, _ user: CurrentUser) -> Bool {
        user.kind == .staff && RegistryRights.may(change, record, roles: user.roles)
    }

    static let clashOutsideReason = "该身份证号无法在此登记，请社区联系指挥中心核实"

    /// An ID number already registered: inside the user's scope the page says where (masked name,
    /// grid); outside it only that the number cannot be registered here, and the attempt is logged
    /// (访问日志), so registry rights cannot be used to test numbers city-wide.
    func checkNotRegisteredElsewhere(_ identity: IdentityNumber, except id: UUID?, by user: CurrentUser) async throws {
        guard let clash = try await Person.query(on: db).filter(\.$idIndex == cipher.index(identity.value)).first(), clash.id != id else { return }
        if let inScope = try await people(user).filter(\.$id == clash.id!).first() {
            let grid = try await Area.find(inScope.gridID, on: db)?.name ?? ""
            throw Abort(.conflict, reason: "该身份证号已在\(grid)登记（\(NameMask.mask(inScope.name))），请勿重复录入")
        }
        try await AccessLog(actorID: user.id, subjectType: "person", subjectID: clash.id!.uuidString, field: "idNumberClash", at: now,
                            reason: "登记时填写的身份证号已在管辖范围外登记").create(on: db)
        throw Abort(.conflict, reason: Self.clashOutsideReason)
    }

    func person(_ id: UUID, for user: CurrentUser) async throws -> Person {
        guard let p = try await people(user).filter(\.$id == id).first() else { throw Abort(.notFound, reason: "人员不存在或不在您的管辖范围内") }
        return p
    }
    func building(_ id: UUID, for user: CurrentUser) async throws -> Building {
        guard let b = try await buildings(user).filter(\.$id == id).first() else { throw Abort(.notFound, reason: "楼栋不存在或不在您的管辖范围内") }
        return b
    }

    /// The area a record may be put in: in scope, and a grid (or micro-grid) unless a community is allowed.
    func placeableArea(_ id: Int, for user: CurrentUser, allowCommunity: Bool = false) async throws -> Area {
        guard let area = try await AreaService(db: db, levels: app.state.levels).find(id, in: user.scope) else {
            throw Abort(.unprocessableEntity, reason: "所选网格不存在或不在您的管辖范围内")
        }
        let levels: Set<AreaLevel> = allowCommunity ? [.grid, .microGrid, .community] : [.grid, .microGrid]
        guard levels.contains(area.level) else { throw Abort(.unprocessableEntity, reason: "请选择一个网格（“\(area.name)”是\(area.level.defaultName)）") }
        return area
    }

    /// The grid chosen, or when none was chosen the grid holding `point` (自动落格).
    func placeableArea(_ id: Int?, at point: GeoPoint?, for user: CurrentUser, allowCommunity: Bool = false) async throws -> Area {
        if let id { return try await placeableArea(id, for: user, allowCommunity: allowCommunity) }
        guard let point else { throw Abort(.unprocessableEntity, reason: "请选择网格，或填写坐标由系统自动落格") }
        guard let found = try await app.state.gridLocator.locate(point, on: db) else {
            throw Abort(.unprocessableEntity, reason: "该坐标不在任何网格内，请手动选择网格")
        }
        return try await placeableArea(found, for: user)
    }

    /// Grids (and micro-grids) in scope, for pickers.
    func grids(for user: CurrentUser) async throws -> [Area] {
        let areas = AreaService(db: db, levels: app.state.levels)
        return try await areas.areas(at: .grid, in: user.scope) + areas.areas(at: .microGrid, in: user.scope)
    }

    // MARK: Display (personal data masked)

    func maskedID(_ p: Person) -> String {
        (try? cipher.open(p.idSealed)).map(IdentityNumber.mask) ?? "****"
    }
    func maskedPhone(_ p: Person) -> String? {
        p.phoneSealed.flatMap { try? cipher.open($0) }.map(PhoneNumber.mask)
    }

    /// What the history records of a person (labels as on the page; personal data masked).
    func snapshot(_ p: Person, householdNumber: String?, gridName: String) -> [String: String] {
        [
            "姓名": p.name, "身份证号": maskedID(p), "性别": p.gender.displayName, "出生年份": p.birthYear.map(String.init) ?? "",
            "联系电话": maskedPhone(p) ?? "", "人口类型": p.kind.displayName, "所属网格": gridName,
            "户号": householdNumber ?? "", "与户主关系": p.relation?.displayName ?? "", "就业情况": p.employment ?? "",
            "标签": p.tags, "健康状况": p.healthSealed == nil ? "" : "已记录（不显示）", "户籍地址": p.registeredAddress ?? "",
        ]
    }

    // MARK: People

    struct PersonDraft: Content {
        var name: String
        var idNumber: String?
        var phone: String?
        var kind: String
        var gridID: Int
        var householdNumber: String?
        var relation: String?
        var employment: String?
        var tags: String?
        var health: String?
        var registeredAddress: String?
    }

    /// Creates (existing nil) or updates a person; a new household number in the grid creates the household.
    @discardableResult
    func savePerson(_ draft: PersonDraft, existing: Person?, by user: CurrentUser, action: RegistryRevision.Action? = nil) async throws -> Person {
        // A cross-check correction is the list manager's change, under the same rule.
        try Self.require(existing == nil ? .create : .update, .person, by: user)
        let name = draft.name.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "姓名必填，不超过 40 个字") }
        guard let kind = PersonKind(text: draft.kind) else { throw Abort(.unprocessableEntity, reason: "人口类型应为：\(PersonKind.choices)") }
        let relation = try draft.relation.flatMap(nonEmpty).map { r -> HouseholdRelation in
            guard let v = HouseholdRelation(text: r) else { throw Abort(.unprocessableEntity, reason: "与户主关系应为：\(HouseholdRelation.choices)") }
            return v
        }
        var parsedIdentity: IdentityNumber?
        if let raw = draft.idNumber.flatMap(nonEmpty) {
            do { parsedIdentity = try IdentityNumber(raw) } catch { throw Abort(.unprocessableEntity, reason: String(describing: error)) }
        } else if existing == nil { throw Abort(.unprocessableEntity, reason: "身份证号必填") }
        let identity = parsedIdentity
        var parsedPhone: String?
        if let raw = draft.phone.flatMap(nonEmpty) {
            guard let p = PhoneNumber.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "联系电话格式不正确") }
            parsedPhone = p
        }
        let phone = parsedPhone
        let grid = try await placeableArea(draft.gridID, for: user)
        let householdNumber = draft.householdNumber.flatMap(nonEmpty)
        if let n = householdNumber, n.count > 30 { throw Abort(.unprocessableEntity, reason: "户号不超过 30 个字") }

        if let identity { try await checkNotRegisteredElsewhere(identity, except: existing?.id, by: user) }
        return try await db.transaction { tx in
            let person = existing ?? Person()
            var before: [String: String] = [:]
            if let existing {
                let oldHousehold = try await existing.$household.get(on: tx)?.number
                let oldGrid = try await Area.find(existing.gridID, on: tx)?.name ?? ""
                before = snapshot(existing, householdNumber: oldHousehold, gridName: oldGrid)
            }
            if let identity {
                let index = cipher.index(identity.value)
                let clash = try await Person.query(on: tx).filter(\.$idIndex == index).first()
                if let clash, clash.id != existing?.id { throw Abort(.conflict, reason: Self.clashOutsideReason) }  // raced in meanwhile
                person.idSealed = try cipher.seal(identity.value)
                person.idIndex = index
                person.idTailIndex = cipher.index(IDTailIndex.text(lastFour: identity.lastFour))
                person.birthYear = identity.birthDate.year
                person.gender = identity.gender
            }
            person.name = name
            person.kind = kind
            person.relation = relation
            person.employment = draft.employment.flatMap(nonEmpty)
            person.tags = Self.normalizedTags(draft.tags ?? "")
            person.registeredAddress = draft.registeredAddress.flatMap(nonEmpty)
            if let phone {
                person.phoneSealed = try cipher.seal(phone); person.phoneIndex = cipher.index(phone); person.phoneTail = String(phone.suffix(4))
            } else if draft.phone != nil {
                person.phoneSealed = nil; person.phoneIndex = nil; person.phoneTail = nil
            }
            if let health = draft.health.flatMap(nonEmpty) { person.healthSealed = try cipher.seal(health) }
            let moved = existing != nil && existing!.gridID != grid.id!
            person.gridID = grid.id!
            if let householdNumber {
                person.$household.id = try await household(number: householdNumber, grid: grid.id!, on: tx).id
            } else {
                person.$household.id = nil
            }
            person.version = (existing?.version ?? 0) + 1
            person.updatedAt = now
            try await person.save(on: tx)
            if moved {
                // The person's special-group files move with them.
                try await SpecialGroupMember.query(on: tx).filter(\.$person.$id == person.id!).set(\.$gridID, to: grid.id!).update()
            }
            let after = snapshot(person, householdNumber: householdNumber, gridName: grid.name)
            let changes = FieldChange.diff(before, after)
            if existing == nil || !changes.isEmpty {
                try await RegistryRevision.record(.person, person.id!, grid: grid.id!, version: person.version, action ?? (existing == nil ? .create : moved ? .move : .update), by: user, at: now,
                                           changes: changes, on: tx)
            }
            return person
        }
    }

    func household(number: String, grid: Int, on tx: any Database) async throws -> Household {
        if let found = try await Household.query(on: tx).filter(\.$gridID == grid).filter(\.$number == number).first() { return found }
        let h = Household()
        h.gridID = grid; h.number = number; h.version = 1; h.updatedAt = now
        try await h.create(on: tx)
        return h
    }

    static func normalizedTags(_ raw: String) -> String {
        raw.split(whereSeparator: { ",，、;； ".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: "、")
    }

    enum RevealField: String, Sendable, CaseIterable {
        case idNumber, phone, health
        var displayName: String { switch self { case .idNumber: "身份证号"; case .phone: "联系电话"; case .health: "健康状况" } }
    }

    /// Shows one personal field in full: permission-checked, and logged (who, whose, which, why) first.
    func reveal(_ field: RevealField, of person: Person, by user: CurrentUser, reason: String) async throws -> String? {
        guard RegistryRules.mayReveal(user.roles) else { throw Abort(.forbidden, reason: "您的岗位无权查看完整个人信息") }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...100).contains(why.count) else { throw Abort(.unprocessableEntity, reason: "请填写查看事由（2–100 字），将记入访问日志") }
        let sealed: String? = switch field {
        case .idNumber: person.idSealed
        case .phone: person.phoneSealed
        case .health: person.healthSealed
        }
        guard let sealed else { return nil }
        try await checkRevealLimit(user)
        try await AccessLog(actorID: user.id, subjectType: "person", subjectID: try person.requireID().uuidString, field: field.rawValue,
                            at: now, reason: why, subjectLabel: NameMask.mask(person.name)).create(on: db)
        return try cipher.open(sealed)
    }

    /// Full ID numbers, phones and health notes shown per person per hour (`REVEALS_PER_HOUR`, 30):
    /// past that the next one is refused, and the first refusal of the hour tells the administrators
    /// of the user's areas (a notification, and a line on 访问日志).
    func checkRevealLimit(_ user: CurrentUser) async throws {
        let limit = app.state.config.revealsPerHour
        let since = now.addingTimeInterval(-3600)
        let shown = try await AccessLog.query(on: db).filter(\.$actorID == user.id).filter(\.$subjectType == "person")
            .filter(\.$field ~~ RevealField.allCases.map(\.rawValue)).filter(\.$at > since).count()
        guard shown >= limit else { return }
        let alreadyTold = try await AccessLog.query(on: db).filter(\.$actorID == user.id).filter(\.$field == "revealLimit")
            .filter(\.$at > since).count() > 0
        if !alreadyTold {
            try await db.transaction { tx in
                try await AccessLog(actorID: user.id, subjectType: "user", subjectID: user.id.uuidString, field: "revealLimit", at: now,
                                    reason: "一小时内查看完整个人信息达 \(limit) 次", subjectLabel: user.displayName).create(on: tx)
                for areaID in Set(user.assignments.compactMap(\.areaID)) {
                    try await Notification(caseID: nil, areaID: areaID, departmentID: nil,
                                           text: "【隐私预警】\(user.displayName)（\(user.username)）一小时内查看完整个人信息已达 \(limit) 次，已暂停其查看，请核实。",
                                           at: now).create(on: tx)
                }
            }
        }
        throw Abort(.tooManyRequests, reason: "您一小时内查看完整个人信息已达 \(limit) 次，暂停查看；已通知管理员核实")
    }

    // MARK: Search

    struct SearchResult: Sendable {
        var people: [Person] = []
        var buildings: [Building] = []
        var households: [Household] = []
        var how: String = ""
    }

    /// Name (prefix), full ID number or its last 4, full phone or its last 4, building name or
    /// address (contains), household number. Full numbers are found through the keyed index.
    func search(_ raw: String, for user: CurrentUser, limit: Int = 50) async throws -> SearchResult {
        let q = raw.filter { !$0.isWhitespace }.uppercased()
        var result = SearchResult()
        guard !q.isEmpty else { return result }
        if let id = try? IdentityNumber(q) {
            result.people = try await people(user).filter(\.$idIndex == cipher.index(id.value)).limit(limit).all()
            result.how = "按身份证号精确查找"
        } else if let phone = PhoneNumber.normalize(q), q.count >= 10 {
            result.people = try await people(user).filter(\.$phoneIndex == cipher.index(phone)).limit(limit).all()
            result.how = "按手机号精确查找"
        } else if q.count == 4, q.allSatisfy({ $0.isNumber || $0 == "X" }) {
            result.people = try await people(user).group(.or) { $0.filter(\.$idTailIndex == cipher.index(IDTailIndex.text(lastFour: q))).filter(\.$phoneTail == q) }
                .sort(\.$name).limit(limit).all()
            result.how = "按身份证号或手机号后四位查找"
        } else {
            let text = raw.trimmingCharacters(in: .whitespaces)
            result.people = try await people(user).filter(\.$name, like: .prefix(text)).sort(\.$name).limit(limit).all()
            result.buildings = try await buildings(user).group(.or) { $0.filter(\.$name, like: .contains(text)).filter(\.$address, like: .contains(text)) }.limit(limit).all()
            result.households = try await households(user).filter(\.$number == text).limit(limit).all()
            result.how = "按姓名、楼栋、地址、户号查找"
        }
        return result
    }

    // MARK: Buildings and houses

    struct BuildingDraft: Content {
        /// nil: placed in the grid holding its coordinates.
        var gridID: Int?
        var name: String
        var address: String
        var latitude: Double?
        var longitude: Double?
        var floors: Int
        var units: Int?

        init(gridID: Int?, name: String, address: String, latitude: Double?, longitude: Double?, floors: Int, units: Int?) {
            self.gridID = gridID; self.name = name; self.address = address; self.latitude = latitude; self.longitude = longitude
            self.floors = floors; self.units = units
        }

        /// Forms send empty strings for blank number fields: those are "not given"; text that is not a number is an error.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            gridID = try c.lenientInt(.gridID)
            name = try c.decode(String.self, forKey: .name)
            address = try c.decode(String.self, forKey: .address)
            latitude = try c.lenientDouble(.latitude, label: "纬度")
            longitude = try c.lenientDouble(.longitude, label: "经度")
            floors = try c.lenientInt(.floors) ?? { throw Abort(.unprocessableEntity, reason: "请填写层数") }()
            units = try c.lenientInt(.units)
        }
    }

    @discardableResult
    func saveBuilding(_ d: BuildingDraft, existing: Building?, by user: CurrentUser) async throws -> Building {
        try Self.require(existing == nil ? .create : .update, .building, by: user)
        let name = d.name.trimmingCharacters(in: .whitespaces), address = d.address.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "楼栋名称必填，不超过 40 个字") }
        guard (1...120).contains(address.count) else { throw Abort(.unprocessableEntity, reason: "地址必填，不超过 120 个字") }
        guard (1...200).contains(d.floors) else { throw Abort(.unprocessableEntity, reason: "层数应为 1–200") }
        let units = d.units ?? 1
        guard (1...50).contains(units) else { throw Abort(.unprocessableEntity, reason: "单元数应为 1–50") }
        if (d.latitude == nil) != (d.longitude == nil) { throw Abort(.unprocessableEntity, reason: "经纬度需同时填写") }
        if let lat = d.latitude, let lon = d.longitude, !((3...54).contains(lat) && (73...136).contains(lon)) {
            throw Abort(.unprocessableEntity, reason: "经纬度超出范围")
        }
        let grid = try await placeableArea(d.gridID, at: d.latitude.flatMap { lat in d.longitude.map { GeoPoint(lon: $0, lat: lat) } },
                                           for: user, allowCommunity: true)
        return try await db.transaction { tx in
            let b = existing ?? Building()
            let before = existing.map(buildingSnapshot) ?? [:]
            if try await Building.query(on: tx).filter(\.$grid.$id == grid.id!).filter(\.$name == name).filter(\.$id != b.id ?? UUID()).count() > 0 {
                throw Abort(.conflict, reason: "该网格已有名为“\(name)”的楼栋")
            }
            b.$grid.id = grid.id!; b.name = name; b.address = address; b.latitude = d.latitude; b.longitude = d.longitude
            b.floors = d.floors; b.units = units; b.version = (existing?.version ?? 0) + 1; b.updatedAt = now
            try await b.save(on: tx)
            if existing != nil {
                try await House.query(on: tx).filter(\.$building.$id == b.id!).set(\.$gridID, to: grid.id!).update()
            }
            let changes = FieldChange.diff(before, buildingSnapshot(b))
            try await RegistryRevision.record(.building, b.id!, grid: grid.id!, version: b.version, existing == nil ? .create : .update, by: user, at: now,
                                           changes: changes, on: tx)
            return b
        }
    }

    func buildingSnapshot(_ b: Building) -> [String: String] {
        ["楼栋名称": b.name, "地址": b.address, "层数": String(b.floors), "单元数": String(b.units),
         "位置": b.location.map { String(format: "%.6f, %.6f", $0.lon, $0.lat) } ?? "", "所属区域": String(b.$grid.id)]
    }

    struct HouseDraft: Content {
        var number: String
        var areaSquareMetres: Double?
        var use: String
        var ownership: String?
        var occupancy: String
        var householdNumber: String?

        init(number: String, areaSquareMetres: Double?, use: String, ownership: String?, occupancy: String, householdNumber: String?) {
            self.number = number; self.areaSquareMetres = areaSquareMetres; self.use = use; self.ownership = ownership
            self.occupancy = occupancy; self.householdNumber = householdNumber
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            number = try c.decode(String.self, forKey: .number)
            areaSquareMetres = try c.lenientDouble(.areaSquareMetres, label: "面积")
            use = try c.decode(String.self, forKey: .use)
            ownership = try c.decodeIfPresent(String.self, forKey: .ownership)
            occupancy = try c.decode(String.self, forKey: .occupancy)
            householdNumber = try c.decodeIfPresent(String.self, forKey: .householdNumber)
        }
    }

    @discardableResult
    func saveHouse(_ d: HouseDraft, in building: Building, existing: House?, by user: CurrentUser) async throws -> House {
        try Self.require(existing == nil ? .create : .update, .house, by: user)
        let number = d.number.trimmingCharacters(in: .whitespaces)
        guard (1...20).contains(number.count) else { throw Abort(.unprocessableEntity, reason: "房号必填，不超过 20 个字") }
        guard let use = HouseUse(text: d.use) else { throw Abort(.unprocessableEntity, reason: "用途应为：\(HouseUse.choices)") }
        guard let occupancy = Occupancy(text: d.occupancy) else { throw Abort(.unprocessableEntity, reason: "居住状态应为：\(Occupancy.choices)") }
        let ownership = try d.ownership.flatMap(nonEmpty).map { o -> Ownership in
            guard let v = Ownership(text: o) else { throw Abort(.unprocessableEntity, reason: "产权性质应为：\(Ownership.choices)") }
            return v
        }
        if let a = d.areaSquareMetres, !(1...100_000).contains(a) { throw Abort(.unprocessableEntity, reason: "面积应为 1–100000 ㎡") }
        return try await db.transaction { tx in
            let h = existing ?? House()
            if try await House.query(on: tx).filter(\.$building.$id == building.id!).filter(\.$number == number).filter(\.$id != h.id ?? UUID()).count() > 0 {
                throw Abort(.conflict, reason: "该楼栋已有房号“\(number)”")
            }
            let before = existing.map(houseSnapshot) ?? [:]
            h.$building.id = building.id!; h.gridID = building.$grid.id; h.number = number; h.areaSquareMetres = d.areaSquareMetres
            h.use = use; h.ownership = ownership; h.occupancy = occupancy; h.version = (existing?.version ?? 0) + 1; h.updatedAt = now
            try await h.save(on: tx)
            if let n = d.householdNumber.flatMap(nonEmpty) {
                let household = try await household(number: n, grid: building.$grid.id, on: tx)
                household.$house.id = h.id; household.updatedAt = now
                try await household.save(on: tx)
            }
            try await RegistryRevision.record(.house, h.id!, grid: h.gridID, version: h.version, existing == nil ? .create : .update, by: user, at: now,
                                           changes: FieldChange.diff(before, houseSnapshot(h)), on: tx)
            return h
        }
    }

    func houseSnapshot(_ h: House) -> [String: String] {
        ["房号": h.number, "面积": h.areaSquareMetres.map { String(format: "%.1f", $0) } ?? "", "用途": h.use.displayName,
         "产权性质": h.ownership?.displayName ?? "", "居住状态": h.occupancy.displayName]
    }

    // MARK: Organisations and components

    struct OrganizationDraft: Content {
        var gridID: Int
        var kind: String
        var name: String
        var creditCode: String
        var address: String
        var contactName: String?
        var contactPhone: String?
        var employees: String?
    }

    @discardableResult
    func createOrganization(_ d: OrganizationDraft, by user: CurrentUser) async throws -> Organization {
        try Self.require(.create, .organization, by: user)
        guard let kind = OrganizationKind(text: d.kind) else { throw Abort(.unprocessableEntity, reason: "类型应为：\(OrganizationKind.choices)") }
        let name = d.name.trimmingCharacters(in: .whitespaces), address = d.address.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "单位名称必填，不超过 80 个字") }
        guard (1...120).contains(address.count) else { throw Abort(.unprocessableEntity, reason: "地址必填，不超过 120 个字") }
        let code: CreditCode
        do { code = try CreditCode(d.creditCode) } catch { throw Abort(.unprocessableEntity, reason: String(describing: error)) }
        var phone: String?
        if let raw = d.contactPhone.flatMap(nonEmpty) {
            guard let p = PhoneNumber.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "联系电话格式不正确") }
            phone = p
        }
        var employees: Int?
        if let raw = d.employees.flatMap(nonEmpty) {
            guard let n = Int(raw), n >= 0 else { throw Abort(.unprocessableEntity, reason: "从业人数应为整数") }
            employees = n
        }
        let grid = try await placeableArea(d.gridID, for: user)
        let sealedPhone = try phone.map(cipher.seal)
        let employeeCount = employees
        return try await db.transaction { tx in
            guard try await Organization.query(on: tx).filter(\.$creditCode == code.value).count() == 0 else {
                throw Abort(.conflict, reason: "统一社会信用代码 \(code.value) 已登记")
            }
            let o = Organization()
            o.gridID = grid.id!; o.kind = kind; o.name = name; o.creditCode = code.value; o.address = address
            o.contactName = d.contactName.flatMap(nonEmpty); o.contactPhoneSealed = sealedPhone; o.employees = employeeCount
            o.version = 1; o.updatedAt = now
            try await o.create(on: tx)
            try await RegistryRevision.record(.organization, o.id!, grid: o.gridID, version: 1, .create, by: user, at: now,
                                           changes: FieldChange.diff([:], ["单位名称": name, "类型": kind.displayName, "统一社会信用代码": code.value, "地址": address]), on: tx)
            return o
        }
    }

    struct ComponentDraft: Content {
        /// nil: placed in the grid holding its coordinates.
        var gridID: Int?
        var kind: String
        var code: String
        var longitude: Double
        var latitude: Double
        var state: String?
        var note: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            gridID = try c.lenientInt(.gridID)
            kind = try c.decode(String.self, forKey: .kind)
            code = try c.decode(String.self, forKey: .code)
            longitude = try c.lenientDouble(.longitude, label: "经度") ?? { throw Abort(.unprocessableEntity, reason: "请填写经度") }()
            latitude = try c.lenientDouble(.latitude, label: "纬度") ?? { throw Abort(.unprocessableEntity, reason: "请填写纬度") }()
            state = try c.decodeIfPresent(String.self, forKey: .state)
            note = try c.decodeIfPresent(String.self, forKey: .note)
        }
    }

    @discardableResult
    func createComponent(_ d: ComponentDraft, by user: CurrentUser) async throws -> CityComponent {
        try Self.require(.create, .component, by: user)
        guard let kind = ComponentKind(text: d.kind) else { throw Abort(.unprocessableEntity, reason: "部件类型应为：\(ComponentKind.choices)") }
        let state = d.state.flatMap(nonEmpty).map { ComponentState(text: $0) } ?? .normal
        guard let state else { throw Abort(.unprocessableEntity, reason: "状态应为：\(ComponentState.choices)") }
        let code = d.code.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(code.count) else { throw Abort(.unprocessableEntity, reason: "部件编号必填，不超过 40 个字") }
        guard (3...54).contains(d.latitude), (73...136).contains(d.longitude) else { throw Abort(.unprocessableEntity, reason: "经纬度超出范围") }
        let grid = try await placeableArea(d.gridID, at: GeoPoint(lon: d.longitude, lat: d.latitude), for: user)
        return try await db.transaction { tx in
            guard try await CityComponent.query(on: tx).filter(\.$code == code).count() == 0 else { throw Abort(.conflict, reason: "部件编号 \(code) 已登记") }
            let c = CityComponent()
            c.gridID = grid.id!; c.kind = kind; c.code = code; c.longitude = d.longitude; c.latitude = d.latitude; c.state = state
            c.note = d.note.flatMap(nonEmpty); c.version = 1; c.updatedAt = now
            try await c.create(on: tx)
            try await RegistryRevision.record(.component, c.id!, grid: c.gridID, version: 1, .create, by: user, at: now,
                                           changes: FieldChange.diff([:], ["类型": kind.displayName, "编号": code, "状态": state.displayName]), on: tx)
            return c
        }
    }

    /// A component's state changes (a manhole cover found broken, repaired), with a revision.
    func setState(_ state: ComponentState, of c: CityComponent, by user: CurrentUser) async throws {
        try Self.require(.update, .component, by: user)
        guard c.state != state else { return }
        let before = c.state
        try await db.transaction { tx in
            c.state = state; c.version += 1; c.updatedAt = now
            try await c.save(on: tx)
            try await RegistryRevision.record(.component, c.id!, grid: c.gridID, version: c.version, .update, by: user, at: now,
                                           changes: [FieldChange(field: "状态", old: before.displayName, new: state.displayName)], on: tx)
        }
    }

    // MARK: Special groups and visits

    func fileSpecialGroup(_ kind: SpecialGroupKind, person: Person, details: [String: String], responsibleID: UUID?, by user: CurrentUser) async throws -> SpecialGroupMember {
        try Self.require(.create, .specialGroup, by: user)
        guard RegistryRules.maySeeSpecialGroup(kind, roles: user.roles) else { throw Abort(.forbidden, reason: "您的岗位无权登记\(kind.displayName)") }
        var checked: [String: String] = [:]
        for field in kind.fields {
            guard let v = details[field.key].flatMap(nonEmpty) else { continue }
            if !field.options.isEmpty && !field.options.contains(v) { throw Abort(.unprocessableEntity, reason: "“\(field.label)”应为：\(field.options.joined(separator: "、"))") }
            guard v.count <= 100 else { throw Abort(.unprocessableEntity, reason: "“\(field.label)”不超过 100 个字") }
            checked[field.key] = v
        }
        let clean = checked
        return try await db.transaction { tx in
            if try await SpecialGroupMember.query(on: tx).filter(\.$person.$id == person.id!).filter(\.$kind == kind).filter(\.$active == true).count() > 0 {
                throw Abort(.conflict, reason: "该人员已登记为\(kind.displayName)")
            }
            let today = LocalDate(now)
            let m = SpecialGroupMember()
            m.$person.id = person.id!; m.gridID = person.gridID; m.kind = kind
            m.details = String(decoding: try JSONEncoder.sorted.encode(clean), as: UTF8.self)
            m.responsibleID = responsibleID ?? user.id; m.filedOn = today.description; m.lastVisitOn = nil
            m.nextVisitDue = VisitSchedule.nextDue(lastVisit: nil, filedOn: today, everyDays: kind.visitEveryDays).description
            m.active = true; m.version = 1; m.updatedAt = now
            try await m.create(on: tx)
            var after = ["类别": kind.displayName]
            for f in kind.fields { after[f.label] = clean[f.key] ?? "" }
            try await RegistryRevision.record(.specialGroupMember, m.id!, grid: m.gridID, version: 1, .create, by: user, at: now,
                                           changes: FieldChange.diff([:], after), on: tx)
            return m
        }
    }

    /// What a visit on the phone may also change (动态更新): given fields replace the registry's,
    /// tags are added; the change is a revision like any edit.
    struct VisitUpdate {
        var phone: String?
        var employment: String?
        var addTags: String?
        var isEmpty: Bool { [phone, employment, addTags].allSatisfy { ($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    /// Records a visit (走访) with its photos, registry update and phone key, all in one transaction;
    /// for a special-group member it moves the next due date.
    @discardableResult
    func recordVisit(person: Person, member: SpecialGroupMember?, note: String, on date: LocalDate? = nil, by user: CurrentUser,
                     photos: [PhotoStore.Stored] = [], update: VisitUpdate? = nil, clientKey: String? = nil) async throws -> Visit {
        try Self.require(.create, .visit, by: user)
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...1000).contains(text.count) else { throw Abort(.unprocessableEntity, reason: "请填写走访情况（2–1000 字）") }
        let day = date ?? LocalDate(now)
        guard day <= LocalDate(now) else { throw Abort(.unprocessableEntity, reason: "走访日期不能晚于今天") }
        return try await db.writeTransaction { tx in
            let v = Visit()
            v.id = UUID()
            v.gridID = person.gridID; v.personID = person.id; v.householdID = person.$household.id; v.memberID = member?.id
            v.workerID = user.id; v.workerName = user.displayName; v.visitedOn = day.description; v.at = now; v.note = text
            try await v.create(on: tx)
            for stored in photos {
                let photo = VisitPhoto()
                photo.visitID = v.id!; photo.storedPath = stored.relativePath; photo.contentType = stored.contentType; photo.createdAt = now
                try await photo.create(on: tx)
            }
            if let member {
                let last = max(day, member.lastVisitOn.flatMap(LocalDate.init) ?? day)
                member.lastVisitOn = last.description
                member.nextVisitDue = VisitSchedule.nextDue(lastVisit: last, filedOn: LocalDate(member.filedOn) ?? last,
                                                            everyDays: member.kind.visitEveryDays).description
                member.updatedAt = now
                try await member.save(on: tx)
            }
            if let update, !update.isEmpty {
                let inTx = RegistryService(db: tx, app: app)
                let household = try await person.$household.get(on: tx)?.number
                let tags = Self.normalizedTags(person.tags + "、" + (update.addTags ?? ""))
                let draft = PersonDraft(name: person.name, idNumber: nil, phone: update.phone.flatMap(nonEmpty), kind: person.kind.rawValue,
                                        gridID: person.gridID, householdNumber: household, relation: person.relation?.rawValue,
                                        employment: update.employment.flatMap(nonEmpty) ?? person.employment, tags: tags, health: nil,
                                        registeredAddress: person.registeredAddress)
                _ = try await inTx.savePerson(draft, existing: person, by: user)
            }
            if let clientKey { try await FieldService.claim(clientKey, kind: .visit, target: v.id!.uuidString, user: user, at: now, on: tx) }
            return v
        }
    }

    /// Ends a special-group file (低保 ended, moved away, …): kept for the record, no longer visited.
    func closeMembership(_ m: SpecialGroupMember, reason: String, by user: CurrentUser) async throws {
        try Self.require(.close, .specialGroup, by: user)
        guard RegistryRules.maySeeSpecialGroup(m.kind, roles: user.roles) else { throw Abort(.forbidden, reason: "您的岗位无权处理\(m.kind.displayName)") }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...200).contains(why.count) else { throw Abort(.unprocessableEntity, reason: "请填写结束管理的原因（2–200 字）") }
        guard m.active else { throw Abort(.conflict, reason: "该登记已结束") }
        try await db.transaction { tx in
            m.active = false; m.version += 1; m.updatedAt = now
            try await m.save(on: tx)
            try await RegistryRevision.record(.specialGroupMember, m.id!, grid: m.gridID, version: m.version, .delete, by: user, at: now,
                                           changes: [FieldChange(field: m.kind.displayName, old: "在册", new: "结束管理：\(why)")], on: tx)
        }
    }

    // MARK: History

    func history(_ entity: RegistryRevision.Entity, _ id: UUID) async throws -> [RegistryRevision] {
        try await RegistryRevision.query(on: db).filter(\.$entity == entity).filter(\.$entityID == id).sort(\.$version, .descending).sort(\.$at, .descending).all()
    }
}

extension KeyedDecodingContainer {
    /// A number sent as a number (JSON) or as text (forms); blank means absent.
    func lenientDouble(_ key: Key, label: String) throws -> Double? {
        if let d = try? decodeIfPresent(Double.self, forKey: key) { return d }
        guard let text = try decodeIfPresent(String.self, forKey: key).flatMap(nonEmpty) else { return nil }
        guard let d = Double(text) else { throw Abort(.unprocessableEntity, reason: "“\(label)”应为数字") }
        return d
    }

    func lenientInt(_ key: Key) throws -> Int? {
        if let i = try? decodeIfPresent(Int.self, forKey: key) { return i }
        guard let text = try decodeIfPresent(String.self, forKey: key).flatMap(nonEmpty) else { return nil }
        guard let i = Int(text) else { throw Abort(.unprocessableEntity, reason: "“\(text)”不是整数") }
        return i
    }
}

func nonEmpty(_ s: String) -> String? {
    let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
    return t.isEmpty ? nil : t
}
