import Foundation

/// A deterministic, realistic demo: one district of 5 streets, 40 communities and 232 grids (the
/// number of urban grids Shifeng reports), boundaries that tile the district exactly, a staff for
/// every grid and level, and the departments cases go to. The server persists the plan as it is.
public struct DemoCityPlan: Sendable, Equatable {
    public struct PlannedArea: Sendable, Equatable {
        public let code: String
        public let parentCode: String?
        public let level: AreaLevel
        public let name: String
        public let boundary: GeoPolygon
        public var responsibleUsername: String?
    }

    public struct PlannedRole: Sendable, Equatable {
        public let role: Role
        public let areaCode: String?
        public let departmentCode: String?
        public let employment: Employment?
    }

    public struct PlannedStaff: Sendable, Equatable {
        public let username: String
        public let name: String
        public let phone: String
        public let roles: [PlannedRole]
    }

    public struct PlannedDepartment: Sendable, Equatable {
        public let code: String
        public let name: String
        public let responsibilities: String
    }

    /// Areas parent-before-child.
    public var areas: [PlannedArea]
    public var staff: [PlannedStaff]
    public var departments: [PlannedDepartment]

    public func count(_ level: AreaLevel) -> Int { areas.filter { $0.level == level }.count }
}

public enum DemoCity {
    public static let defaultSeed: UInt64 = 20_261_122
    public static let password = "demo1234"

    public static func generate(seed: UInt64 = defaultSeed) -> DemoCityPlan {
        var rng = SplitMix64(seed: seed)
        var builder = Builder()
        builder.build(rng: &rng)
        return DemoCityPlan(areas: builder.areas, staff: builder.staff, departments: departments)
    }

    // MARK: Reference lists

    static let streetNames = ["清水塘街道", "响石岭街道", "井墩街道", "铜塘湾街道", "田心街道"]

    static let communityStems = [
        "清水", "湘江", "建设", "红旗", "和平", "新华", "光明", "幸福", "金盆岭", "桂花",
        "牛形", "向阳", "立新", "群丰", "民主", "团结", "胜利", "东风", "朝阳", "长青",
        "白石港", "九塘", "瑞丰", "龙泉", "霞湾", "杉塘", "湘石", "先锋", "北站", "铁西",
        "高家坪", "田心", "曲尺", "联诚", "樟树", "荷花", "竹园", "枫溪", "翠湖", "新桥",
    ]

    public static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢")
    public static let givenChars = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌辉鹏飞宇浩然晨雪琳婷慧颖俊峰波海燕云凤佳")

    public static let departments: [DemoCityPlan.PlannedDepartment] = [
        .init(code: "ZJ", name: "区住建局（建管委）", responsibilities: "房屋安全、危旧房改造、物业管理监督、建筑工地监管"),
        .init(code: "CG", name: "区城管局", responsibilities: "市容秩序、违章搭建、占道经营、户外广告、市政设施维护"),
        .init(code: "MZ", name: "区民政局", responsibilities: "低保五保、特困供养、养老服务、社区建设、殡葬管理"),
        .init(code: "CL", name: "区残联", responsibilities: "残疾人证办理、康复救助、辅具适配、就业扶持"),
        .init(code: "RS", name: "区人社局", responsibilities: "劳资纠纷调处、就业服务、社保参保、劳动监察"),
        .init(code: "WJ", name: "区卫健局", responsibilities: "公共卫生、计生服务、医疗机构监管、健康教育"),
        .init(code: "GA", name: "公安石峰分局", responsibilities: "治安隐患、可疑人员、户籍管理、交通秩序"),
        .init(code: "GS", name: "市供水公司石峰营业所", responsibilities: "停水、水管爆裂、水质问题、水表故障"),
        .init(code: "GD", name: "国网石峰供电公司", responsibilities: "停电、线路故障、电表问题、电力设施安全"),
        .init(code: "RQ", name: "新奥燃气石峰服务站", responsibilities: "燃气泄漏、停气、管道安全检查、燃气表故障"),
        .init(code: "HW", name: "区环卫所", responsibilities: "垃圾清运、装修垃圾、公厕管理、道路保洁"),
        .init(code: "SJ", name: "区市场监管局", responsibilities: "食品安全、无证经营、价格投诉、特种设备"),
        .init(code: "HB", name: "生态环境局石峰分局", responsibilities: "噪声扰民、油烟污染、污水直排、环境保护"),
        .init(code: "YJ", name: "区应急管理局", responsibilities: "安全生产、消防隐患、防汛抗旱、应急救援"),
        .init(code: "SF", name: "区司法局", responsibilities: "人民调解、法律援助、社区矫正、安置帮教"),
        .init(code: "JY", name: "区教育局", responsibilities: "学校周边安全、入学咨询、留守儿童关爱"),
    ]

    // MARK: Layout

    /// District extent in lattice units; one unit is ~12 m, so the district is ~12 km × 9 km.
    static let width = 1000, height = 760
    static let origin = GeoPoint(lon: 113.055, lat: 27.845)

    struct Rect { let x0, y0, x1, y1: Int }

    struct Builder {
        var areas: [DemoCityPlan.PlannedArea] = []
        var staff: [DemoCityPlan.PlannedStaff] = []
        var usedNames = Set<String>()
        var phoneCounter = 0

        mutating func build(rng: inout SplitMix64) {
            // 232 grids: 5 per community plus 32 extra spread over random communities (at most 8 each).
            let communitiesPerStreet = 8
            let communityCount = DemoCity.streetNames.count * communitiesPerStreet
            var gridsPerCommunity = Array(repeating: 5, count: communityCount)
            var extra = 32
            while extra > 0 {
                let i = Int.random(in: 0..<communityCount, using: &rng)
                if gridsPerCommunity[i] < 8 { gridsPerCommunity[i] += 1; extra -= 1 }
            }

            // Rectangles on an integer lattice: streets are vertical strips, communities bands in
            // them, grids cells in those; widths in proportion to how many grids each holds.
            var rects: [(code: String, parent: String?, level: AreaLevel, name: String, rect: Rect)] = []
            let districtCode = "430204"
            rects.append(("4302", nil, .city, "株洲市", Rect(x0: 0, y0: 0, x1: DemoCity.width, y1: DemoCity.height)))
            rects.append((districtCode, "4302", .district, "石峰区", Rect(x0: 0, y0: 0, x1: DemoCity.width, y1: DemoCity.height)))
            let streetTotals = (0..<DemoCity.streetNames.count).map { s in
                gridsPerCommunity[(s * communitiesPerStreet)..<((s + 1) * communitiesPerStreet)].reduce(0, +)
            }
            let districtRect = Rect(x0: 0, y0: 0, x1: DemoCity.width, y1: DemoCity.height)
            let streetRects = Self.partition(districtRect, weights: streetTotals)
            var stems = DemoCity.communityStems
            stems.shuffle(using: &rng)
            for s in 0..<DemoCity.streetNames.count {
                let streetCode = try! AreaCode.child(of: districtCode, level: .street, sequence: s + 1)
                rects.append((streetCode, districtCode, .street, DemoCity.streetNames[s], streetRects[s]))
                let counts = Array(gridsPerCommunity[(s * communitiesPerStreet)..<((s + 1) * communitiesPerStreet)])
                let communityRects = Self.partition(streetRects[s], weights: counts)
                for c in 0..<communitiesPerStreet {
                    let communityCode = try! AreaCode.child(of: streetCode, level: .community, sequence: c + 1)
                    let stem = stems[s * communitiesPerStreet + c]
                    rects.append((communityCode, streetCode, .community, stem + "社区", communityRects[c]))
                    let gridRects = Self.partition(communityRects[c], weights: Array(repeating: 1, count: counts[c]))
                    for (k, rect) in gridRects.enumerated() {
                        let gridCode = try! AreaCode.child(of: communityCode, level: .grid, sequence: k + 1)
                        rects.append((gridCode, communityCode, .grid, "\(stem)社区第\(k + 1)网格", rect))
                    }
                }
            }

            // Every corner of every rectangle, so that a boundary passes through its neighbours'
            // corners too: shared edges then have identical vertex lists and the tiling is exact.
            var corners = Set<Lattice>()
            for r in rects {
                for p in [Lattice(r.rect.x0, r.rect.y0), Lattice(r.rect.x1, r.rect.y0), Lattice(r.rect.x1, r.rect.y1), Lattice(r.rect.x0, r.rect.y1)] {
                    corners.insert(p)
                }
            }
            let byX = Dictionary(grouping: corners, by: \.x), byY = Dictionary(grouping: corners, by: \.y)
            for r in rects {
                areas.append(.init(code: r.code, parentCode: r.parent, level: r.level, name: r.name,
                                   boundary: Self.boundary(r.rect, byX: byX, byY: byY)))
            }
            staffEveryone(rng: &rng)
        }

        // MARK: Staff

        mutating func staffEveryone(rng: inout SplitMix64) {
            let district = areas.first { $0.level == .district }!
            let city = areas.first { $0.level == .city }!
            func role(_ r: Role, _ area: String?, dept: String? = nil, _ employment: Employment? = nil) -> DemoCityPlan.PlannedRole {
                .init(role: r, areaCode: area, departmentCode: dept, employment: employment)
            }
            add("admin", [role(.administrator, city.code)], rng: &rng)
            add("qu-zx", [role(.operator, district.code)], rng: &rng)
            add("qu-zx2", [role(.operator, district.code)], rng: &rng)
            add("qu-ld", [role(.leader, district.code)], rng: &rng)
            setResponsible(district.code, "qu-ld")
            var workerNo = 0, communityNo = 0
            for (s, street) in areas.filter({ $0.level == .street }).enumerated() {
                add("jd\(s + 1)-zx", [role(.operator, street.code)], rng: &rng)
                add("jd\(s + 1)-ld", [role(.leader, street.code)], rng: &rng)
                setResponsible(street.code, "jd\(s + 1)-ld")
                for community in areas.filter({ $0.parentCode == street.code }) {
                    communityNo += 1
                    let c = String(format: "%02d", communityNo)
                    // The community Party secretary leads the community's grids (网格长).
                    add("sq\(c)-wgz", [role(.gridLeader, community.code)], rng: &rng)
                    add("sq\(c)-zx", [role(.operator, community.code)], rng: &rng)
                    add("sq\(c)-tj", [role(.mediator, community.code)], rng: &rng)
                    add("sq\(c)-jy", [role(.gridPolice, community.code)], rng: &rng)
                    add("sq\(c)-dd", [role(.supervisor, community.code)], rng: &rng)
                    setResponsible(community.code, "sq\(c)-wgz")
                    for grid in areas.filter({ $0.parentCode == community.code }) {
                        workerNo += 1
                        let username = String(format: "wg%03d", workerNo)
                        // About one in eight grid workers is part-time, as in rural and mixed grids.
                        let employment: Employment = Int.random(in: 0..<8, using: &rng) == 0 ? .partTime : .fullTime
                        add(username, [role(.gridWorker, grid.code, employment)], rng: &rng)
                        setResponsible(grid.code, username)
                        if Int.random(in: 0..<4, using: &rng) == 0 {
                            add(String(format: "wg%03d-xf", workerNo), [role(.patrol, grid.code)], rng: &rng)
                        }
                    }
                }
            }
            for dept in DemoCity.departments {
                for n in 1...2 {
                    add("bm-\(dept.code.lowercased())\(n)", [role(.handler, nil, dept: dept.code)], rng: &rng)
                }
            }
        }

        mutating func setResponsible(_ code: String, _ username: String) {
            if let i = areas.firstIndex(where: { $0.code == code }) { areas[i].responsibleUsername = username }
        }

        mutating func add(_ username: String, _ roles: [DemoCityPlan.PlannedRole], rng: inout SplitMix64) {
            staff.append(.init(username: username, name: uniqueName(rng: &rng), phone: nextPhone(rng: &rng), roles: roles))
        }

        mutating func uniqueName(rng: inout SplitMix64) -> String {
            while true {
                let surname = DemoCity.surnames.randomElement(using: &rng)!
                let length = Int.random(in: 0..<3, using: &rng) == 0 ? 1 : 2
                let given = (0..<length).map { _ in DemoCity.givenChars.randomElement(using: &rng)! }
                let name = String(surname) + String(given)
                if usedNames.insert(name).inserted { return name }
            }
        }

        mutating func nextPhone(rng: inout SplitMix64) -> String {
            let prefixes = ["138", "139", "150", "151", "158", "173", "180", "186", "187", "199"]
            phoneCounter += 1
            return prefixes.randomElement(using: &rng)! + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &rng))
        }

        // MARK: Geometry

        /// Cuts a rectangle into pieces with areas in proportion to `weights`, in order: halve the
        /// weights, cut across the longer side, recurse. Pieces come out close to square, like
        /// real streets and blocks rather than strips.
        static func partition(_ r: Rect, weights: [Int]) -> [Rect] {
            guard weights.count > 1 else { return [r] }
            let total = weights.reduce(0, +)
            var best = 1, acc = 0, bestGap = Int.max
            for i in 1..<weights.count {
                acc += weights[i - 1]
                let gap = abs(total - 2 * acc)
                if gap < bestGap { bestGap = gap; best = i }
            }
            let left = weights[..<best].reduce(0, +)
            let first: Rect, second: Rect
            if r.x1 - r.x0 >= r.y1 - r.y0 {
                let cut = r.x0 + (r.x1 - r.x0) * left / total
                first = Rect(x0: r.x0, y0: r.y0, x1: cut, y1: r.y1)
                second = Rect(x0: cut, y0: r.y0, x1: r.x1, y1: r.y1)
            } else {
                // Top piece first, so that sequence numbers read like a page.
                let cut = r.y1 - (r.y1 - r.y0) * left / total
                first = Rect(x0: r.x0, y0: cut, x1: r.x1, y1: r.y1)
                second = Rect(x0: r.x0, y0: r.y0, x1: r.x1, y1: cut)
            }
            return partition(first, weights: Array(weights[..<best])) + partition(second, weights: Array(weights[best...]))
        }

        /// The rectangle's ring through every lattice corner on its edges, warped into gently
        /// curving streets so the map looks like a town, not graph paper.
        static func boundary(_ r: Rect, byX: [Int: [Lattice]], byY: [Int: [Lattice]]) -> GeoPolygon {
            func onEdge(x: Int, from y0: Int, to y1: Int) -> [Lattice] {
                let pts = (byX[x] ?? []).filter { $0.y > min(y0, y1) && $0.y < max(y0, y1) }.sorted { $0.y < $1.y }
                return y0 < y1 ? pts : pts.reversed()
            }
            func onEdge(y: Int, from x0: Int, to x1: Int) -> [Lattice] {
                let pts = (byY[y] ?? []).filter { $0.x > min(x0, x1) && $0.x < max(x0, x1) }.sorted { $0.x < $1.x }
                return x0 < x1 ? pts : pts.reversed()
            }
            // Counter-clockwise in map terms (y grows north): bottom → right → top → left.
            var ring: [Lattice] = [Lattice(r.x0, r.y0)]
            ring += onEdge(y: r.y0, from: r.x0, to: r.x1) + [Lattice(r.x1, r.y0)]
            ring += onEdge(x: r.x1, from: r.y0, to: r.y1) + [Lattice(r.x1, r.y1)]
            ring += onEdge(y: r.y1, from: r.x1, to: r.x0) + [Lattice(r.x0, r.y1)]
            ring += onEdge(x: r.x0, from: r.y1, to: r.y0) + [Lattice(r.x0, r.y0)]
            return try! GeoPolygon(rings: [ring.map(warp)])
        }

        static func warp(_ p: Lattice) -> GeoPoint {
            let x = Double(p.x), y = Double(p.y)
            // Monotone in both axes (derivatives stay positive), so cells never fold over.
            let wx = x + 14 * sin(y / 85) + 9 * sin(x / 70 + 1)
            let wy = y + 12 * sin(x / 110) + 6 * sin(y / 60 + 2)
            let metres = 12.0
            let lon = DemoCity.origin.lon + wx * metres / (111_320 * cos(DemoCity.origin.lat * .pi / 180))
            let lat = DemoCity.origin.lat + wy * metres / 110_574
            return GeoPoint(lon: (lon * 1e6).rounded() / 1e6, lat: (lat * 1e6).rounded() / 1e6)
        }
    }

    struct Lattice: Hashable {
        let x, y: Int
        init(_ x: Int, _ y: Int) { self.x = x; self.y = y }
    }
}
