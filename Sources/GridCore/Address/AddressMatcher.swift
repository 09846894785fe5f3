import Foundation

/// 标准地址: the registry's buildings (road, number, name) and the communities' and grids' names, and
/// the one matcher every intake uses to find the grid of an address typed by a person — the resident's
/// 随手拍, the staff report form, a hotline order without coordinates, 找网格员.
public struct AddressBook: Sendable {
    public struct Building: Sendable, Equatable {
        public let id: String
        public let gridID: Int
        public let name: String
        public let address: String
        public init(id: String, gridID: Int, name: String, address: String) {
            self.id = id; self.gridID = gridID; self.name = name; self.address = address
        }
    }

    public struct Grid: Sendable, Equatable {
        public let id: Int
        public let name: String
        public let community: String
        public init(id: Int, name: String, community: String) { self.id = id; self.name = name; self.community = community }
    }

    struct Road { let name: String; let stem: [Character]; let full: [Character]; var numbers: [(number: Int, building: Int)] }

    let grids: [Int: Grid]
    let buildings: [Building]
    var roads: [Road] = []
    /// Community stems (新桥社区 → 新桥) with their grids.
    var communities: [(name: String, stem: [Character], full: [Character], grids: [Int])] = []

    public init(grids: [Grid], buildings: [Building]) {
        self.grids = Dictionary(grids.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.buildings = buildings
        var byRoad: [String: [(Int, Int)]] = [:]
        for (i, b) in buildings.enumerated() {
            let (road, number) = AddressText.roadAndNumber(b.address)
            guard road.count >= 2 else { continue }
            byRoad[road, default: []].append((number ?? -1, i))
        }
        roads = byRoad.keys.sorted().map { name in
            Road(name: name, stem: Array(AddressText.stem(ofRoad: name)), full: Array(name), numbers: byRoad[name]!.map { (number: $0.0, building: $0.1) })
        }
        var byCommunity: [String: [Int]] = [:]
        for g in grids.sorted(by: { $0.id < $1.id }) where !g.community.isEmpty { byCommunity[g.community, default: []].append(g.id) }
        communities = byCommunity.keys.sorted().map { name in
            (name, Array(AddressText.stem(ofCommunity: AddressText.normalize(name))), Array(AddressText.normalize(name)), byCommunity[name]!)
        }
    }

    /// Up to `limit` places the text may mean, best first, and whether the first is sure.
    public func match(_ text: String, limit: Int = 5) -> AddressMatch {
        let q = Array(AddressText.normalize(text))
        guard q.count >= 2 else { return .notFound }
        var scores: [Int: (score: Double, label: String, building: String?)] = [:]
        func offer(_ grid: Int, _ score: Double, _ label: String, building: String? = nil) {
            if let old = scores[grid], old.score >= score { return }
            scores[grid] = (score, label, building)
        }

        // The community named, if any: it narrows everything else.
        var community: [Int]? = nil
        var communityEnd = 0
        for c in communities {
            var hit = AddressText.find(c.full, in: q)
            if hit == nil, let short = AddressText.find(c.stem, in: q) {
                // 清水 in 清水路 is the road, not 清水社区.
                let next = short.end < q.count ? q[short.end] : " "
                if !"路街大巷道".contains(next) { hit = short }
            }
            if let hit, community == nil || hit.distance == 0 { community = c.grids; communityEnd = hit.end }
        }
        // A grid by its number within the community ("新桥社区第3网格", "新桥3网格").
        if let community {
            let rest = Array(q[communityEnd...])
            let digits = rest.drop { !$0.isNumber }.prefix { $0.isNumber }
            if let n = Int(String(digits)), rest.contains("网") || rest.contains("格") {
                for id in community where grids[id].map({ AddressText.normalize($0.name).hasSuffix("第\(n)网格") || AddressText.normalize($0.name).hasSuffix("\(n)网格") }) ?? false {
                    offer(id, 1.0, grids[id]!.name)
                }
            }
        }
        // A grid's full name.
        for g in grids.values {
            let name = Array(AddressText.normalize(g.name))
            if let hit = AddressText.find(name, in: q) { offer(g.id, hit.distance == 0 ? 1.0 : 0.9, g.name) }
        }

        // A road, then its number and the building.
        let buildingNumber = Self.number(before: "栋", in: q)
        for road in roads {
            let hits = [AddressText.find(road.full, in: q), AddressText.find(road.stem, in: q)].compactMap { $0 }
            guard let hit = hits.min(by: { $0.distance < $1.distance }) else { continue }
            // A near miss inside the community's name is that name (清水社区 is not 清水塘路).
            if hit.distance > 0, community != nil, hit.end <= communityEnd { continue }
            let sure = hit.distance == 0 ? 1.0 : 0.9
            let after = Array(q[hit.end...])
            let number = Int(String(after.drop { !$0.isNumber && $0 != "号" }.prefix { $0.isNumber }))
            let onRoad = road.numbers
            if let number {
                let exact = onRoad.filter { $0.number == number }
                if !exact.isEmpty {
                    let named = buildingNumber.flatMap { n in exact.first { buildings[$0.building].name == "\(n)栋" } }
                    for hitBuilding in named.map({ [$0] }) ?? exact {
                        let b = buildings[hitBuilding.building]
                        offer(b.gridID, sure * (named != nil || exact.count == 1 ? 1.0 : 0.95), "\(b.address) \(b.name)", building: b.id)
                    }
                    continue
                }
                // No building at that number: the nearest numbers on the road say where it is.
                let near = onRoad.filter { $0.number >= 0 }.sorted { abs($0.number - number) < abs($1.number - number) }.prefix(3)
                for (rank, n) in near.enumerated() where abs(n.number - number) <= 20 {
                    let b = buildings[n.building]
                    offer(b.gridID, sure * (0.75 - Double(rank) * 0.05), "\(road.name)\(number)号附近（\(grids[b.gridID]?.name ?? "")）")
                }
            } else {
                // The road alone: every grid it runs through.
                let gridsOnRoad = Dictionary(grouping: onRoad, by: { buildings[$0.building].gridID })
                for (grid, rows) in gridsOnRoad {
                    let numbers = rows.map(\.number).filter { $0 >= 0 }
                    let span = numbers.isEmpty ? "" : numbers.min() == numbers.max() ? "\(numbers[0])号" : "\(numbers.min()!)–\(numbers.max()!)号"
                    offer(grid, sure * (gridsOnRoad.count == 1 ? 0.95 : 0.6), "\(road.name)\(span)（\(grids[grid]?.name ?? "")）")
                }
            }
        }
        // The community alone: its grids, to choose from.
        if let community, scores.isEmpty {
            for id in community { offer(id, community.count == 1 ? 0.95 : 0.5, grids[id]?.name ?? "") }
        }
        var ranked = scores.map { AddressPlace(gridID: $0.key, label: $0.value.label, buildingID: $0.value.building, score: $0.value.score) }
        if let community {
            let inside = ranked.filter { community.contains($0.gridID) }
            if !inside.isEmpty { ranked = inside }
        }
        ranked.sort { ($0.score, -$0.gridID) > ($1.score, -$1.gridID) }
        guard let first = ranked.first else { return .notFound }
        let second = ranked.dropFirst().first?.score ?? 0
        if first.score >= 0.9, second < first.score - 0.1 { return .found(first) }
        return .choices(Array(ranked.prefix(limit)))
    }

    static func number(before marker: Character, in q: [Character]) -> Int? {
        guard let i = q.firstIndex(of: marker), i > 0 else { return nil }
        var start = i
        while start > 0, q[start - 1].isNumber { start -= 1 }
        return start < i ? Int(String(q[start..<i])) : nil
    }
}

/// One place an address may mean: its grid, how it reads, the building when one was found.
public struct AddressPlace: Sendable, Equatable {
    public let gridID: Int
    public let label: String
    public let buildingID: String?
    /// 0–1: how sure the matcher is.
    public let score: Double
}

public enum AddressMatch: Sendable, Equatable {
    /// One place, sure enough to use.
    case found(AddressPlace)
    /// Two to five places to choose from (or one not sure enough to use unasked).
    case choices([AddressPlace])
    case notFound

    public var places: [AddressPlace] {
        switch self { case .found(let p): [p]; case .choices(let ps): ps; case .notFound: [] }
    }
}
