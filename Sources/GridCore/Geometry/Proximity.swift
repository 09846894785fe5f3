import Foundation

/// The same problem reported twice nearby is linked, not worked twice: open cases of the same
/// category within a radius and a time window, from any channel.
public enum DuplicateRule {
    public struct Settings: Equatable, Sendable {
        public var radiusMetres: Double
        public var windowHours: Double
        public init(radiusMetres: Double = 50, windowHours: Double = 72) {
            self.radiusMetres = radiusMetres; self.windowHours = windowHours
        }
    }

    public struct Probe: Sendable {
        public let id: String?
        public let category: String
        public let point: GeoPoint
        public let at: Date
        public init(id: String?, category: String, point: GeoPoint, at: Date) {
            self.id = id; self.category = category; self.point = point; self.at = at
        }
    }

    public struct Candidate: Sendable {
        public let id: String
        public let category: String
        public let point: GeoPoint
        public let reportedAt: Date
        public let isOpen: Bool
        /// Set when this case was itself merged into another: it is never a master.
        public let mergedInto: String?
        public init(id: String, category: String, point: GeoPoint, reportedAt: Date, isOpen: Bool, mergedInto: String? = nil) {
            self.id = id; self.category = category; self.point = point; self.reportedAt = reportedAt
            self.isOpen = isOpen; self.mergedInto = mergedInto
        }
    }

    public struct Match: Equatable, Sendable {
        public let id: String
        public let distanceMetres: Double
        public let hoursApart: Double
    }

    /// Matches nearest first. A case reported up to `windowHours` before or after the probe counts
    /// (the earlier report may be the duplicate when the later one was accepted first).
    public static func matches(for probe: Probe, among candidates: [Candidate], settings: Settings = .init()) -> [Match] {
        candidates.compactMap { c -> Match? in
            guard c.id != probe.id, c.isOpen, c.mergedInto == nil, c.category == probe.category else { return nil }
            let hours = abs(c.reportedAt.timeIntervalSince(probe.at)) / 3600
            guard hours <= settings.windowHours else { return nil }
            let d = Distance.haversine(probe.point, c.point)
            guard d <= settings.radiusMetres else { return nil }
            return Match(id: c.id, distanceMetres: d, hoursApart: hours)
        }.sorted { ($0.distanceMetres, $0.hoursApart, $0.id) < ($1.distanceMetres, $1.hoursApart, $1.id) }
    }
}

/// Places where the same kind of problem keeps coming back.
public enum Hotspots {
    public struct Report: Sendable {
        public let id: String
        public let category: String
        public let point: GeoPoint
        public let reportedAt: Date
        public init(id: String, category: String, point: GeoPoint, reportedAt: Date) {
            self.id = id; self.category = category; self.point = point; self.reportedAt = reportedAt
        }
    }

    public struct Hotspot: Equatable, Sendable {
        public let category: String
        public let center: GeoPoint
        public let caseIDs: [String]
        public let first: Date
        public let last: Date
        public var count: Int { caseIDs.count }
    }

    /// Leader clustering per category: reports taken in time order join the first cluster whose
    /// seed lies within `radiusMetres`, otherwise seed a new one. Clusters of at least `minimum`
    /// reports are hotspots, largest first.
    public static func find(_ reports: [Report], radiusMetres: Double = 100, minimum: Int = 3) -> [Hotspot] {
        struct Cluster { let seed: GeoPoint; var members: [Report] }
        var byCategory: [String: [Cluster]] = [:]
        // A hash of cells one radius wide: a seed's neighbours are in the 3×3 cells around it.
        let cellLat = radiusMetres / 111_320
        var cells: [String: [Int: [Int]]] = [:]
        func cell(_ p: GeoPoint) -> (Int, Int) {
            let cellLon = cellLat / max(cos(p.lat * .pi / 180), 0.01)
            return (Int((p.lon / cellLon).rounded(.down)), Int((p.lat / cellLat).rounded(.down)))
        }
        func key(_ c: (Int, Int)) -> Int { c.0 &* 1_000_003 &+ c.1 }
        for r in reports.sorted(by: { ($0.reportedAt, $0.id) < ($1.reportedAt, $1.id) }) {
            var clusters = byCategory[r.category, default: []]
            let (cx, cy) = cell(r.point)
            var joined: Int?
            for dx in -1...1 {
                for dy in -1...1 {
                    for index in cells[r.category]?[key((cx + dx, cy + dy))] ?? [] where Distance.haversine(clusters[index].seed, r.point) <= radiusMetres {
                        if joined == nil || index < joined! { joined = index }
                    }
                }
            }
            if let joined {
                clusters[joined].members.append(r)
            } else {
                clusters.append(Cluster(seed: r.point, members: [r]))
                cells[r.category, default: [:]][key((cx, cy)), default: []].append(clusters.count - 1)
            }
            byCategory[r.category] = clusters
        }
        return byCategory.flatMap { category, clusters in
            clusters.filter { $0.members.count >= minimum }.map { c in
                let n = Double(c.members.count)
                let center = GeoPoint(lon: c.members.map(\.point.lon).reduce(0, +) / n, lat: c.members.map(\.point.lat).reduce(0, +) / n)
                return Hotspot(category: category, center: center, caseIDs: c.members.map(\.id),
                               first: c.members.first!.reportedAt, last: c.members.last!.reportedAt)
            }
        }.sorted { ($1.count, $0.category, $0.first) < ($0.count, $1.category, $1.first) }
    }
}
