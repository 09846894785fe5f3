import Foundation

/// A boundary as drawn: one or more polygons (a grid split by a river is a MultiPolygon), each
/// with holes. Every area boundary, imported or typed, is read into this shape.
public struct GeoMultiPolygon: Equatable, Sendable {
    public var polygons: [GeoPolygon]

    public init(_ polygons: [GeoPolygon]) throws(GeometryError) {
        guard !polygons.isEmpty else { throw .notAPolygon }
        self.polygons = polygons
    }

    public init(_ polygon: GeoPolygon) { polygons = [polygon] }

    public var boundingBox: BoundingBox { polygons.dropFirst().reduce(polygons[0].boundingBox) { $0.union($1.boundingBox) } }
    public var areaSquareMetres: Double { polygons.reduce(0) { $0 + $1.areaSquareMetres } }
    /// Every vertex of every outer ring.
    public var vertices: [GeoPoint] { polygons.flatMap { $0.outer.dropLast() } }

    /// Inside any part (holes excluded). Points exactly on an edge are decided by `covers`.
    public func contains(_ p: GeoPoint) -> Bool { polygons.contains { $0.contains(p) } }
    public func onBoundary(_ p: GeoPoint) -> Bool { polygons.contains { $0.onBoundary(p) } }
    /// Inside or on the boundary: what "this point belongs to this grid" means.
    public func covers(_ p: GeoPoint) -> Bool { contains(p) || onBoundary(p) }
    func strictlyOutside(_ p: GeoPoint) -> Bool { !covers(p) }

    public func sharesInterior(with other: GeoMultiPolygon) -> Bool {
        polygons.contains { a in other.polygons.contains { b in a.boundingBox.intersects(b.boundingBox) && a.sharesInterior(with: b) } }
    }

    /// The area-weighted centroid of all parts (holes subtracted). For a concave grid it may fall
    /// outside; `labelPoint` is the one to draw text at.
    public var centroid: GeoPoint {
        var sx = 0.0, sy = 0.0, total = 0.0
        for polygon in polygons {
            for (index, ring) in polygon.rings.enumerated() {
                let (a, c) = Self.signedAreaAndCentroid(ring)
                let weight = (index == 0 ? 1.0 : -1.0) * abs(a)
                sx += c.lon * weight; sy += c.lat * weight; total += weight
            }
        }
        guard abs(total) > 1e-18 else { return polygons[0].labelPoint }
        return GeoPoint(lon: sx / total, lat: sy / total)
    }

    /// A point inside the largest part for a label: its centroid when that lies inside, else the
    /// middle of the widest horizontal run through the part's mid-latitude.
    public var labelPoint: GeoPoint {
        let largest = polygons.max { $0.areaSquareMetres < $1.areaSquareMetres }!
        let c = GeoMultiPolygon(largest).centroid
        if largest.contains(c) { return c }
        let lat = (largest.boundingBox.minLat + largest.boundingBox.maxLat) / 2
        var xs: [Double] = []
        for (a, b) in largest.edges where (a.lat > lat) != (b.lat > lat) {
            xs.append(a.lon + (lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon))
        }
        xs.sort()
        var best: (Double, Double)?
        for i in stride(from: 0, to: xs.count - 1, by: 2) where best == nil || xs[i + 1] - xs[i] > best!.1 - best!.0 {
            best = (xs[i], xs[i + 1])
        }
        return best.map { GeoPoint(lon: ($0.0 + $0.1) / 2, lat: lat) } ?? largest.labelPoint
    }

    static func signedAreaAndCentroid(_ ring: [GeoPoint]) -> (Double, GeoPoint) {
        var a = 0.0, cx = 0.0, cy = 0.0
        let o = ring[0]
        for i in 0..<(ring.count - 1) {
            let x0 = ring[i].lon - o.lon, y0 = ring[i].lat - o.lat
            let x1 = ring[i + 1].lon - o.lon, y1 = ring[i + 1].lat - o.lat
            let cross = x0 * y1 - x1 * y0
            a += cross; cx += (x0 + x1) * cross; cy += (y0 + y1) * cross
        }
        a /= 2
        guard abs(a) > 1e-18 else { return (0, o) }
        return (a, GeoPoint(lon: o.lon + cx / (6 * a), lat: o.lat + cy / (6 * a)))
    }

    // MARK: Validation

    /// Problems that make a boundary unusable for locating: rings crossing themselves or each
    /// other, holes outside their polygon, parts overlapping. Empty when the boundary is sound.
    public var problems: [GeometryError] {
        var found: [GeometryError] = []
        for polygon in polygons {
            if polygon.selfIntersects { found.append(.selfIntersecting) } else if polygon.areaSquareMetres <= 0 { found.append(.degenerate) }
            if polygon.rings.count > 1, let shell = try? GeoPolygon(rings: [polygon.outer]) {
                let outside = polygon.rings.dropFirst().contains { hole in hole.dropLast().contains { !(shell.contains($0) || shell.onBoundary($0)) } }
                if outside { found.append(.holeOutside) }
            }
        }
        for i in polygons.indices {
            for j in polygons.indices where j > i && polygons[i].sharesInterior(with: polygons[j]) { found.append(.partsOverlap) }
        }
        var unique: [GeometryError] = []
        for e in found where !unique.contains(e) { unique.append(e) }
        return unique
    }

    /// What an imported or edited boundary must satisfy: sound rings, and every vertex inside
    /// (or on the edge of) the parent's boundary when the parent has one.
    public func validate(inside parent: GeoMultiPolygon?) throws(GeometryError) {
        if let first = problems.first { throw first }
        if let parent, vertices.contains(where: { parent.strictlyOutside($0) }) { throw .outsideParent }
    }

    // MARK: GeoJSON

    /// A Polygon for one part, a MultiPolygon for several.
    public var geoJSON: String {
        if polygons.count == 1 { return polygons[0].geoJSON }
        return #"{"type":"MultiPolygon","coordinates":["# + polygons.map(GeoJSON.rings).joined(separator: ",") + "]}"
    }

    /// Reads a GeoJSON Polygon, MultiPolygon or a Feature holding one (`GeoJSON`). With `datum: .gcj02` the
    /// coordinates are converted to WGS-84 (what a Chinese phone map app exports).
    public init(geoJSON: String, datum: Datum = .wgs84) throws(GeometryError) {
        self = try GeoJSON.geometry(geoJSON).shape(datum: datum)
    }
}

/// The coordinate system a position was given in.
public enum Datum: String, Sendable, CaseIterable {
    /// GPS, GeoJSON, and what a browser's geolocation reports.
    case wgs84
    /// 国测局坐标 ("Mars coordinates"): what AMap, Tencent and most Chinese map apps report.
    case gcj02

    public var displayName: String { self == .wgs84 ? "WGS-84（GPS）" : "GCJ-02（高德/腾讯地图）" }
}

extension GeoPolygon {
    /// Any two edges of any rings crossing (adjacent edges sharing their vertex don't count).
    public var selfIntersects: Bool {
        let all = edges
        guard all.count <= 4_000 else { return false }  // too large to check pairwise; accepted as drawn
        for i in all.indices {
            for j in all.indices where j > i + 1 {
                if Self.properlyCross(all[i].0, all[i].1, all[j].0, all[j].1) { return true }
            }
        }
        return false
    }
}

public enum Distance {
    /// Mean earth radius (IUGG), metres.
    public static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres.
    public static func haversine(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let φ1 = a.lat * .pi / 180, φ2 = b.lat * .pi / 180
        let dφ = (b.lat - a.lat) * .pi / 180, dλ = (b.lon - a.lon) * .pi / 180
        let h = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * earthRadius * asin(min(1, sqrt(h)))
    }

    /// A box around `p` that contains every point within `metres` (for a database prefilter).
    public static func box(around p: GeoPoint, metres: Double) -> BoundingBox {
        let dLat = metres / 111_320 * 1.01
        let dLon = dLat / max(cos(p.lat * .pi / 180), 0.01)
        return BoundingBox(minLon: p.lon - dLon, minLat: p.lat - dLat, maxLon: p.lon + dLon, maxLat: p.lat + dLat)
    }
}

/// WGS-84 ⇄ GCJ-02, the offset every map published in China applies. Outside China the two agree.
public enum ChinaDatum {
    static let a = 6_378_245.0
    static let ee = 0.006_693_421_622_965_943_23

    public static func isOutsideChina(_ p: GeoPoint) -> Bool {
        p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271
    }

    static func offset(_ p: GeoPoint) -> (dLon: Double, dLat: Double) {
        let x = p.lon - 105, y = p.lat - 35
        let common = (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x)) + common
        dLat += (20 * sin(y * .pi) + 40 * sin(y / 3 * .pi)) * 2 / 3
        dLat += (160 * sin(y / 12 * .pi) + 320 * sin(y * .pi / 30)) * 2 / 3
        var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x)) + common
        dLon += (20 * sin(x * .pi) + 40 * sin(x / 3 * .pi)) * 2 / 3
        dLon += (150 * sin(x / 12 * .pi) + 300 * sin(x / 30 * .pi)) * 2 / 3
        let radLat = p.lat / 180 * .pi
        var magic = sin(radLat)
        magic = 1 - ee * magic * magic
        let sqrtMagic = sqrt(magic)
        dLat = (dLat * 180) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180) / (a / sqrtMagic * cos(radLat) * .pi)
        return (dLon, dLat)
    }

    public static func wgs84ToGCJ02(_ p: GeoPoint) -> GeoPoint {
        guard !isOutsideChina(p) else { return p }
        let d = offset(p)
        return GeoPoint(lon: p.lon + d.dLon, lat: p.lat + d.dLat)
    }

    /// The inverse by fixed-point iteration: exact to well under a centimetre.
    public static func gcj02ToWGS84(_ g: GeoPoint) -> GeoPoint {
        guard !isOutsideChina(g) else { return g }
        var w = g
        for _ in 0..<30 {
            let back = wgs84ToGCJ02(w)
            let dLon = g.lon - back.lon, dLat = g.lat - back.lat
            w = GeoPoint(lon: w.lon + dLon, lat: w.lat + dLat)
            if abs(dLon) < 1e-11 && abs(dLat) < 1e-11 { break }
        }
        return w
    }

    public static func toWGS84(_ p: GeoPoint, from datum: Datum) -> GeoPoint { datum == .gcj02 ? gcj02ToWGS84(p) : p }
}
