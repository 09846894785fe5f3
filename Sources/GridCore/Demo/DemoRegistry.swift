/// The demo registry of one grid — buildings inside its boundary, houses, households, people with
/// valid ID numbers, special groups in realistic proportions, organisations and city components —
/// generated deterministically from the grid's code, so every machine gets the same city.
public struct DemoGridRegistry: Sendable {
    public struct Building: Sendable {
        public let key: Int
        public let name: String
        public let address: String
        public let location: GeoPoint
        public let floors: Int
        public let units: Int
        /// Deliberate coverage hole: filed on the community, not the grid.
        public var onCommunity = false
    }
    public struct House: Sendable {
        public let key: Int
        public let building: Int
        public let number: String
        public let areaSquareMetres: Double
        public let use: HouseUse
        public let ownership: Ownership
        public let occupancy: Occupancy
    }
    public struct Household: Sendable { public let key: Int; public let house: Int?; public let number: String }
    public struct Person: Sendable {
        public let key: Int
        public let household: Int?
        public let name: String
        public let identity: IdentityNumber
        public let phone: String?
        public let kind: PersonKind
        public let relation: HouseholdRelation?
        public let employment: String?
        public let tags: String
    }
    public struct Member: Sendable {
        public let person: Int
        public let kind: SpecialGroupKind
        public let details: [String: String]
        public let filedOn: LocalDate
        public let lastVisit: LocalDate?
    }
    public struct Organization: Sendable { public let kind: OrganizationKind; public let name: String; public let creditCode: CreditCode; public let address: String; public let contact: String; public let phone: String; public let employees: Int }
    public struct Component: Sendable { public let kind: ComponentKind; public let code: String; public let location: GeoPoint; public let state: ComponentState }

    public var buildings: [Building] = []
    public var houses: [House] = []
    public var households: [Household] = []
    public var people: [Person] = []
    public var members: [Member] = []
    public var organizations: [Organization] = []
    public var components: [Component] = []
}

public enum DemoRegistry {
    static let roads = ["建设北路", "响石路", "铜霞路", "田心大道", "北二环", "人民北路", "清水塘路", "井墩路", "红旗北路", "时代路", "湘江路", "石峰路"]
    static let employers = ["中车株洲电力机车有限公司", "株洲冶炼集团", "石峰区人民医院", "个体经营", "退休", "在校学生", "灵活就业", "待业", "株洲市第二中学", "物流公司", "建筑工地", "超市"]
    static let shopKinds = ["便利店", "快餐店", "理发店", "五金店", "药店", "水果店", "粉店", "修车铺", "棋牌室", "网吧"]
    static let firmKinds = ["机械制造有限公司", "物流有限公司", "建材有限公司", "科技有限公司", "物业管理有限公司"]

    /// `grid` is the grid's index in the district (0-based); `people` the target head count.
    public static func generate(gridCode: String, gridIndex: Int, gridName: String, boundary: GeoPolygon, people target: Int,
                                today: LocalDate, holes: Bool) -> DemoGridRegistry {
        var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(gridIndex) &* 7919)
        var g = DemoGridRegistry()
        let box = boundary.boundingBox
        func pointInside() -> GeoPoint {
            for _ in 0..<200 {
                let p = GeoPoint(lon: Double.random(in: box.minLon...box.maxLon, using: &rng), lat: Double.random(in: box.minLat...box.maxLat, using: &rng))
                if boundary.contains(p) { return p }
            }
            return boundary.labelPoint
        }
        let road = roads[gridIndex % roads.count]
        let householdsWanted = max(1, Int(Double(target) / 2.2))
        // Residential buildings: 6–7 floors, 2 units, 2 flats per floor per unit.
        var number = 1 + (gridIndex * 37) % 200
        var houseKey = 0
        while g.houses.count < Int(Double(householdsWanted) * 1.06) + 1 {
            let floors = Int.random(in: 5...7, using: &rng), units = Int.random(in: 1...3, using: &rng)
            let b = DemoGridRegistry.Building(key: g.buildings.count, name: "\(g.buildings.count + 1)栋", address: "\(road)\(number)号",
                                              location: pointInside(), floors: floors, units: units)
            number += 2
            g.buildings.append(b)
            for unit in 1...units {
                for floor in 1...floors {
                    for flat in 1...2 {
                        let r = Int.random(in: 0..<100, using: &rng)
                        g.houses.append(.init(key: houseKey, building: b.key, number: "\(unit)-\(floor)0\(flat)",
                                              areaSquareMetres: Double(Int.random(in: 45...140, using: &rng)), use: floor == 1 && flat == 1 && r < 20 ? .shop : .residential,
                                              ownership: r < 85 ? .private : .public, occupancy: r < 82 ? .ownerOccupied : r < 94 ? .rented : .vacant))
                        houseKey += 1
                    }
                }
            }
        }
        // Households in occupied houses; people in households.
        // Unique across the district by construction: a grid owns one (region, first two sequence
        // digits) pair; the last digit gives the gender (odd for men).
        var usedIDs: Set<String> = []
        func identity(age: Int, local: Bool, gender: Gender) -> IdentityNumber {
            let regions = local ? ["430204", "430202", "430203"] : ["430281", "430223", "431021"]
            let region = regions[(gridIndex / 100) % regions.count]
            let prefix = (gridIndex % 100) * 10
            var birth = today.adding(days: -(age * 365 + Int.random(in: 0..<365, using: &rng)))
            while true {
                let start = Int.random(in: 0..<5, using: &rng)
                for k in 0..<5 {
                    let digit = ((start + k) % 5) * 2 + (gender == .male ? 1 : 0)
                    let id = IdentityNumber.make(region: region, birth: birth, sequence: prefix + digit)
                    if usedIDs.insert(id.value).inserted { return id }
                }
                birth = birth.adding(days: 1)
            }
        }
        func name(_ surname: Character? = nil) -> String {
            let s = surname ?? DemoCity.surnames.randomElement(using: &rng)!
            let length = Int.random(in: 0..<4, using: &rng) == 0 ? 1 : 2
            return String(s) + String((0..<length).map { _ in DemoCity.givenChars.randomElement(using: &rng)! })
        }
        func phone() -> String {
            ["138", "139", "150", "151", "158", "173", "180", "186", "187", "199"].randomElement(using: &rng)! + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &rng))
        }
        func employment(_ age: Int) -> String? {
            age < 6 ? nil : age < 19 ? "在校学生" : age >= 62 ? "退休" : employers.randomElement(using: &rng)
        }
        var peopleLeft = target
        for house in g.houses where house.occupancy != .vacant && peopleLeft > 0 {
            let hhKey = g.households.count
            g.households.append(.init(key: hhKey, house: house.key, number: "\(gridCode.suffix(3))-\(String(format: "%04d", hhKey + 1))"))
            let migrant = house.occupancy == .rented
            let r = Int.random(in: 0..<100, using: &rng)
            let size = min(peopleLeft, r < 30 ? 1 : r < 63 ? 2 : r < 85 ? 3 : r < 96 ? 4 : 5)
            let headAge = size == 1 ? Int.random(in: 25...88, using: &rng) : Int.random(in: 28...75, using: &rng)
            let surname = DemoCity.surnames.randomElement(using: &rng)!
            let headGender: Gender = Bool.random(using: &rng) ? .male : .female
            for i in 0..<size {
                let (age, relation): (Int, HouseholdRelation) = switch i {
                case 0: (headAge, .head)
                case 1: (max(20, headAge + Int.random(in: -5...5, using: &rng)), .spouse)
                case 2, 3: (max(0, headAge - Int.random(in: 22...32, using: &rng)), .child)
                default: (min(95, headAge + Int.random(in: 22...30, using: &rng)), .parent)
                }
                let kind: PersonKind = migrant ? .migrant : (Int.random(in: 0..<400, using: &rng) == 0 ? .overseas : .registered)
                var tags: [String] = []
                if age >= 18, Int.random(in: 0..<12, using: &rng) == 0 { tags.append("党员") }
                if age >= 18, age < 70, Int.random(in: 0..<20, using: &rng) == 0 { tags.append("志愿者") }
                if age >= 60 { tags.append("老年人") }
                g.people.append(.init(key: g.people.count, household: hhKey, name: i == 1 ? name() : name(surname),
                                      identity: identity(age: age, local: !migrant,
                                                         gender: i == 0 ? headGender : i == 1 ? (headGender == .male ? .female : .male) : (Bool.random(using: &rng) ? .male : .female)), phone: age >= 16 && Int.random(in: 0..<10, using: &rng) < 8 ? phone() : nil,
                                      kind: kind, relation: relation, employment: employment(age), tags: tags.joined(separator: "、")))
                peopleLeft -= 1
            }
        }
        // Flats left over when the grid's people ran out stand empty.
        let lived = Set(g.households.compactMap(\.house))
        g.houses = g.houses.map { h in
            h.occupancy == .vacant || lived.contains(h.key) ? h
                : .init(key: h.key, building: h.building, number: h.number, areaSquareMetres: h.areaSquareMetres, use: h.use, ownership: h.ownership, occupancy: .vacant)
        }
        // Special groups, in proportions close to Shifeng's reports.
        let ages = g.people.map { $0.identity.age(on: today) }
        let householdSize = Dictionary(grouping: g.people.compactMap(\.household), by: { $0 }).mapValues(\.count)
        for p in g.people {
            let age = ages[p.key]
            var kinds: [SpecialGroupKind] = []
            let roll = Int.random(in: 0..<10_000, using: &rng)
            if age >= 70, householdSize[p.household ?? -1] == 1 { kinds.append(.elderlyAlone) }
            if age < 16, roll < 120 { kinds.append(.leftBehindChild) }
            if roll < 150 { kinds.append(.lowIncome) } else if roll < 330 { kinds.append(.disabled) }
            else if roll < 350 { kinds.append(.fiveGuarantees) } else if roll < 380, age >= 20 { kinds.append(.mentalDisorder) }
            else if roll < 390, age >= 18 { kinds.append(.released) } else if roll < 395, age >= 18 { kinds.append(.communityCorrection) }
            else if roll < 400, age >= 60 { kinds.append(.frontierVeteran) }
            for kind in kinds {
                let filed = today.adding(days: -Int.random(in: 60...900, using: &rng))
                // Most are visited on time; about one in twelve is overdue.
                let late = Int.random(in: 0..<12, using: &rng) == 0
                let last = today.adding(days: -(late ? kind.visitEveryDays + Int.random(in: 1...20, using: &rng) : Int.random(in: 0..<kind.visitEveryDays, using: &rng)))
                var details: [String: String] = [:]
                for f in kind.fields {
                    if !f.options.isEmpty { details[f.key] = f.options.randomElement(using: &rng) }
                    else {
                        switch f.key {
                        case "certificateNo": details[f.key] = "\(gridCode.prefix(6))\(String(format: "%06d", Int.random(in: 0..<1_000_000, using: &rng)))"
                        case "allowance": details[f.key] = String([520, 580, 650, 720].randomElement(using: &rng)!)
                        case "emergencyContact", "guardian", "officer": details[f.key] = name() + " " + PhoneNumber.mask(phone())
                        case "parentsWorkplace": details[f.key] = ["广东东莞", "浙江义乌", "广东深圳", "江苏苏州"].randomElement(using: &rng)!
                        case "servedIn": details[f.key] = ["新疆", "西藏", "青海"].randomElement(using: &rng)!
                        case "servedYears": details[f.key] = "\(Int.random(in: 1960...1975, using: &rng))–\(Int.random(in: 1978...1990, using: &rng))"
                        case "periodEnd": details[f.key] = today.adding(days: Int.random(in: 30...700, using: &rng)).description
                        case "releasedOn": details[f.key] = today.adding(days: -Int.random(in: 30...1500, using: &rng)).description
                        default: break
                        }
                    }
                }
                g.members.append(.init(person: p.key, kind: kind, details: details, filedOn: filed, lastVisit: max(last, filed)))
            }
        }
        // Organisations and components.
        for i in 0..<(8 + gridIndex % 9) {
            let shop = i % 3 != 0
            let kind: OrganizationKind = shop ? .individualBusiness : (i % 6 == 0 ? .enterprise : [.socialOrganization, .institution, .enterprise][i % 3])
            let place = ["湘", "石", "峰", "田", "铜", "清"].randomElement(using: &rng)!
            let title: String = switch kind {
            case .individualBusiness: "\(name().prefix(1))记\(shopKinds.randomElement(using: &rng)!)"
            case .enterprise: "株洲\(place)\(["华", "达", "兴", "盛", "源"].randomElement(using: &rng)!)\(firmKinds.randomElement(using: &rng)!)"
            case .socialOrganization: "\(gridName.prefix(4))\(["志愿者协会", "老年人协会", "文体队", "调解委员会"].randomElement(using: &rng)!)"
            case .institution: "\(gridName.prefix(4))\(["卫生服务站", "幼儿园", "警务室", "党群服务站"].randomElement(using: &rng)!)"
            }
            let body = "92" + "430204" + String(format: "MA%07d", (gridIndex * 100 + i) % 10_000_000)
            g.organizations.append(.init(kind: kind, name: title, creditCode: CreditCode.make(String(body.prefix(17))), address: "\(road)\(number + i * 2)号",
                                         contact: name(), phone: phone(), employees: shop ? Int.random(in: 1...6, using: &rng) : Int.random(in: 8...300, using: &rng)))
        }
        let componentKinds: [(ComponentKind, Int, String)] = [(.manholeCover, 14, "JG"), (.streetLamp, 12, "LD"), (.hydrant, 4, "XF"), (.tree, 8, "XS"), (.camera, 3, "JK"), (.trashBin, 6, "LJ")]
        for (kind, n, prefix) in componentKinds {
            for j in 0..<n {
                let r = Int.random(in: 0..<100, using: &rng)
                g.components.append(.init(kind: kind, code: "\(prefix)-\(gridCode)-\(String(format: "%03d", j + 1))", location: pointInside(),
                                          state: r < 92 ? .normal : r < 97 ? .damaged : r < 99 ? .underRepair : .missing))
            }
        }
        if holes, g.buildings.count > 3, g.households.count > 6, g.people.count > 10 {
            // A few deliberate holes for the coverage report to find.
            g.buildings[g.buildings.count - 1].onCommunity = true
            let last = g.buildings.count - 2
            let b = g.buildings[last]
            g.buildings[last] = .init(key: b.key, name: b.name, address: b.address,
                                      location: GeoPoint(lon: box.maxLon + (box.maxLon - box.minLon) * 0.3, lat: box.maxLat + 0.001), floors: b.floors, units: b.units)
            // Two households whose members moved away; four people not yet placed in a household.
            let emptied = Set(g.households.suffix(2).map(\.key))
            var moved = 0
            g.people = g.people.map { p in
                if let h = p.household, emptied.contains(h) || (moved < 4 && p.relation == .child && p.key % 5 == 0) {
                    if !emptied.contains(h) { moved += 1 }
                    return emptied.contains(h) ? nil : .init(key: p.key, household: nil, name: p.name, identity: p.identity, phone: p.phone, kind: p.kind,
                                                             relation: nil, employment: p.employment, tags: p.tags)
                }
                return p
            }.compactMap { $0 }
            let kept = Set(g.people.map(\.key))
            g.members = g.members.filter { kept.contains($0.person) }
            // Occupied houses whose household was never registered.
            let unregistered = Set(g.households.prefix(3).map(\.key))
            g.households = g.households.map { h in unregistered.contains(h.key) ? .init(key: h.key, house: nil, number: h.number) : h }
        }
        return g
    }
}
