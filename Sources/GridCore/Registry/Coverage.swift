/// 区不漏地、地不漏房、房不漏户、户不漏人: the rules behind the coverage report.
public enum Coverage {
    public struct Boundary: Sendable {
        public let id: Int
        public let name: String
        public let polygon: GeoMultiPolygon
        public init(id: Int, name: String, polygon: GeoMultiPolygon) { self.id = id; self.name = name; self.polygon = polygon }
        public init(id: Int, name: String, polygon: GeoPolygon) { self.init(id: id, name: name, polygon: GeoMultiPolygon(polygon)) }
    }

    public enum BoundaryFinding: Equatable, Sendable {
        /// Two sibling areas share interior.
        case overlap(Int, Int)
        /// Part of the parent belongs to no child (square metres, share of the parent).
        case gap(parent: Int, uncoveredSquareMetres: Double, share: Double)
        /// A child reaches outside its parent.
        case outsideParent(Int)
        /// A child has no boundary drawn.
        case missingBoundary(Int)
    }

    /// Overlaps between siblings, children leaving their parent, and the parent's uncovered area.
    /// Shared edges and vertices (a tiling) are not overlaps. `tolerance` is the share of the
    /// parent's area below which a gap is rounding, not a hole.
    public static func boundaryFindings(parent: Boundary?, children: [Boundary], childrenWithoutBoundary: [Int] = [],
                                        tolerance: Double = 0.002) -> [BoundaryFinding] {
        var findings: [BoundaryFinding] = childrenWithoutBoundary.map { .missingBoundary($0) }
        let boxes = children.map(\.polygon.boundingBox)
        var overlapping = false
        for i in children.indices {
            for j in children.indices where j > i && boxes[i].intersects(boxes[j]) {
                if children[i].polygon.sharesInterior(with: children[j].polygon) {
                    findings.append(.overlap(children[i].id, children[j].id)); overlapping = true
                }
            }
        }
        guard let parent else { return findings }
        for child in children where child.polygon.vertices.contains(where: { parent.polygon.strictlyOutside($0) }) {
            findings.append(.outsideParent(child.id))
        }
        if !overlapping && childrenWithoutBoundary.isEmpty {
            let parentArea = parent.polygon.areaSquareMetres
            let uncovered = parentArea - children.reduce(0) { $0 + $1.polygon.areaSquareMetres }
            if parentArea > 0, uncovered / parentArea > tolerance {
                findings.append(.gap(parent: parent.id, uncoveredSquareMetres: uncovered, share: uncovered / parentArea))
            }
        }
        return findings
    }

    /// A building's position against its grid: nil when fine.
    public enum PlacementProblem: Equatable, Sendable { case noGrid, noLocation, outsideGrid }

    public static func placement(of location: GeoPoint?, gridBoundary: GeoMultiPolygon?, hasGrid: Bool) -> PlacementProblem? {
        guard hasGrid else { return .noGrid }
        guard let location else { return .noLocation }
        guard let gridBoundary else { return nil }
        return gridBoundary.covers(location) ? nil : .outsideGrid
    }
}

extension BoundingBox {
    public func intersects(_ o: BoundingBox) -> Bool {
        minLon <= o.maxLon && o.minLon <= maxLon && minLat <= o.maxLat && o.minLat <= maxLat
    }
}

extension GeoPolygon {
    static let epsilon = 1e-10

    var edges: [(GeoPoint, GeoPoint)] {
        rings.flatMap { ring in zip(ring, ring.dropFirst()).map { ($0, $1) } }
    }

    /// True if `p` lies on an edge (within a hair).
    public func onBoundary(_ p: GeoPoint) -> Bool {
        for ring in rings {
            for i in 1..<ring.count where Self.onSegment(p, ring[i - 1], ring[i]) { return true }
        }
        return false
    }

    func strictlyInside(_ p: GeoPoint) -> Bool { !onBoundary(p) && contains(p) }
    func strictlyOutside(_ p: GeoPoint) -> Bool { !onBoundary(p) && !contains(p) }

    /// Whether the interiors meet: an edge crossing properly, a vertex strictly inside the other,
    /// or one polygon lying in the other (identical polygons included).
    public func sharesInterior(with other: GeoPolygon) -> Bool {
        for (a, b) in edges {
            for (c, d) in other.edges where Self.properlyCross(a, b, c, d) { return true }
        }
        if outer.contains(where: { other.strictlyInside($0) }) || other.outer.contains(where: { strictlyInside($0) }) { return true }
        // No crossing and no vertex inside: either disjoint/touching, or the same outline.
        // Midpoints of edges tell a shared outline (on the other's boundary) from a touching one.
        let mids = edges.map { GeoPoint(lon: ($0.0.lon + $0.1.lon) / 2, lat: ($0.0.lat + $0.1.lat) / 2) }
        if mids.contains(where: { other.strictlyInside($0) }) { return true }
        return mids.allSatisfy { other.onBoundary($0) } && areaSquareMetres > 0
    }

    static func cross(_ o: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Double {
        (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon)
    }

    static func onSegment(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Bool {
        let len = max(abs(b.lon - a.lon), abs(b.lat - a.lat))
        guard abs(cross(a, b, p)) <= epsilon * max(len, 1e-12) * 10 else { return false }
        return p.lon >= min(a.lon, b.lon) - epsilon && p.lon <= max(a.lon, b.lon) + epsilon
            && p.lat >= min(a.lat, b.lat) - epsilon && p.lat <= max(a.lat, b.lat) + epsilon
    }

    /// Segments ab and cd cross at a single interior point of both.
    static func properlyCross(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint) -> Bool {
        let scale = 1e-16
        let d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d)
        guard abs(d1) > scale, abs(d2) > scale, abs(d3) > scale, abs(d4) > scale else { return false }
        return (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0)
    }
}

/// When the next visit to a special-group member falls due.
public enum VisitSchedule {
    public enum Status: Equatable, Sendable {
        case onTrack(dueIn: Int)
        case dueToday
        case overdue(days: Int)

        public var displayName: String {
            switch self {
            case .onTrack(let n): "\(n) 天后到期"
            case .dueToday: "今天到期"
            case .overdue(let n): "已逾期 \(n) 天"
            }
        }
        public var isOverdue: Bool { if case .overdue = self { true } else { false } }
    }

    /// The last visit (or the filing date if never visited) plus the kind's frequency.
    public static func nextDue(lastVisit: LocalDate?, filedOn: LocalDate, everyDays: Int) -> LocalDate {
        (lastVisit.map { max($0, filedOn) } ?? filedOn).adding(days: everyDays)
    }

    public static func status(nextDue: LocalDate, today: LocalDate) -> Status {
        let d = nextDue.daysSinceEpoch - today.daysSinceEpoch
        return d > 0 ? .onTrack(dueIn: d) : d == 0 ? .dueToday : .overdue(days: -d)
    }
}

/// One field's change in a registry record's history (old and new as shown; personal data masked).
public struct FieldChange: Codable, Equatable, Sendable {
    public let field: String
    public let old: String?
    public let new: String?
    public init(field: String, old: String?, new: String?) { self.field = field; self.old = old; self.new = new }

    /// What changed between two snapshots of a record (field label → shown value), in label order.
    public static func diff(_ before: [String: String], _ after: [String: String]) -> [FieldChange] {
        Set(before.keys).union(after.keys).sorted().compactMap { key in
            let old = before[key].flatMap { $0.isEmpty ? nil : $0 }, new = after[key].flatMap { $0.isEmpty ? nil : $0 }
            return old == new ? nil : FieldChange(field: key, old: old, new: new)
        }
    }
}
