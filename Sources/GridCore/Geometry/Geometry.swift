import Foundation

/// A WGS-84 position, longitude first as in GeoJSON.
public struct GeoPoint: Hashable, Sendable, Codable {
    public var lon: Double
    public var lat: Double
    public init(lon: Double, lat: Double) { self.lon = lon; self.lat = lat }
}

public struct BoundingBox: Equatable, Sendable {
    public var minLon, minLat, maxLon, maxLat: Double

    public init(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        self.minLon = minLon; self.minLat = minLat; self.maxLon = maxLon; self.maxLat = maxLat
    }

    public init?(points: some Sequence<GeoPoint>) {
        var it = points.makeIterator()
        guard let first = it.next() else { return nil }
        var box = BoundingBox(minLon: first.lon, minLat: first.lat, maxLon: first.lon, maxLat: first.lat)
        while let p = it.next() { box.include(p) }
        self = box
    }

    public mutating func include(_ p: GeoPoint) {
        minLon = min(minLon, p.lon); maxLon = max(maxLon, p.lon)
        minLat = min(minLat, p.lat); maxLat = max(maxLat, p.lat)
    }

    public func union(_ other: BoundingBox) -> BoundingBox {
        BoundingBox(minLon: min(minLon, other.minLon), minLat: min(minLat, other.minLat),
                    maxLon: max(maxLon, other.maxLon), maxLat: max(maxLat, other.maxLat))
    }

    public func contains(_ p: GeoPoint) -> Bool { p.lon >= minLon && p.lon <= maxLon && p.lat >= minLat && p.lat <= maxLat }
}

public enum GeometryError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAPolygon
    case ringTooShort
    case ringNotClosed
    case coordinateOutOfRange
    case degenerate
    case selfIntersecting
    case holeOutside
    case partsOverlap
    case outsideParent

    public var description: String {
        switch self {
        case .notAPolygon: "边界必须是 GeoJSON Polygon 或 MultiPolygon"
        case .ringTooShort: "边界的每个环至少需要 4 个坐标点"
        case .ringNotClosed: "边界环必须闭合（首尾坐标相同）"
        case .coordinateOutOfRange: "坐标超出经纬度范围"
        case .degenerate: "边界面积为零（各点共线或重合）"
        case .selfIntersecting: "边界自相交（边与边交叉），请检查绘制顺序"
        case .holeOutside: "内环（挖空部分）超出了外环"
        case .partsOverlap: "多边形的各部分相互重叠"
        case .outsideParent: "边界超出了上级区域的边界"
        }
    }
}

/// A polygon: the outer ring first, then holes. Rings are closed (first == last).
public struct GeoPolygon: Equatable, Sendable {
    public var rings: [[GeoPoint]]

    public init(rings: [[GeoPoint]]) throws(GeometryError) {
        guard !rings.isEmpty else { throw .ringTooShort }
        for ring in rings {
            guard ring.count >= 4 else { throw .ringTooShort }
            guard ring.first == ring.last else { throw .ringNotClosed }
            guard ring.allSatisfy({ abs($0.lon) <= 180 && abs($0.lat) <= 90 && $0.lon.isFinite && $0.lat.isFinite }) else {
                throw .coordinateOutOfRange
            }
        }
        self.rings = rings
    }

    public var outer: [GeoPoint] { rings[0] }
    public var boundingBox: BoundingBox { BoundingBox(points: outer)! }

    /// Area in square metres (equirectangular approximation at the ring's mean latitude; exact
    /// enough at grid scale, a few hundred metres across).
    public var areaSquareMetres: Double {
        func ringArea(_ ring: [GeoPoint]) -> Double {
            let meanLat = ring.map(\.lat).reduce(0, +) / Double(ring.count)
            let kx = 111_320 * cos(meanLat * .pi / 180), ky = 110_574.0
            var sum = 0.0
            for i in 0..<(ring.count - 1) {
                sum += (ring[i].lon * kx) * (ring[i + 1].lat * ky) - (ring[i + 1].lon * kx) * (ring[i].lat * ky)
            }
            return abs(sum) / 2
        }
        return ringArea(outer) - rings.dropFirst().map(ringArea).reduce(0, +)
    }

    /// Vertex average of the outer ring: good enough to place a label inside a convex-ish grid.
    public var labelPoint: GeoPoint {
        let pts = outer.dropLast()
        return GeoPoint(lon: pts.map(\.lon).reduce(0, +) / Double(pts.count), lat: pts.map(\.lat).reduce(0, +) / Double(pts.count))
    }

    /// Ray casting on the outer ring minus holes.
    public func contains(_ p: GeoPoint) -> Bool {
        func inRing(_ ring: [GeoPoint]) -> Bool {
            var inside = false
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i], b = ring[j]
                if (a.lat > p.lat) != (b.lat > p.lat),
                   p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon {
                    inside.toggle()
                }
                j = i
            }
            return inside
        }
        return inRing(outer) && !rings.dropFirst().contains(where: inRing)
    }

    // MARK: GeoJSON (`GeoJSON`)

    /// `{"type":"Polygon","coordinates":[[[lon,lat],…]]}` with 6 decimals (≈0.1 m).
    public var geoJSON: String { #"{"type":"Polygon","coordinates":"# + GeoJSON.rings(self) + "}" }

    /// A Polygon (or a Feature holding one, or a MultiPolygon of one part).
    public init(geoJSON: String, datum: Datum = .wgs84) throws(GeometryError) {
        let shape = try GeoJSON.geometry(geoJSON).shape(datum: datum)
        guard shape.polygons.count == 1 else { throw .notAPolygon }
        self = shape.polygons[0]
    }
}

/// Fits geographic shapes into an SVG view box (y grows downward), correcting longitude
/// for latitude so that grids keep their shape.
public struct SVGProjection: Sendable {
    public let width: Double
    public let height: Double
    private let box: BoundingBox
    private let scale: Double
    private let kx: Double
    private let offsetX: Double
    private let offsetY: Double

    /// Fits `box` inside `maxWidth` × `maxHeight` (a tall street stays readable instead of
    /// shrinking to a sliver).
    public init(box: BoundingBox, width maxWidth: Double = 800, maxHeight: Double = .infinity, padding: Double = 10) {
        let midLat = (box.minLat + box.maxLat) / 2
        kx = cos(midLat * .pi / 180)
        let spanX = max((box.maxLon - box.minLon) * kx, 1e-9)
        let spanY = max(box.maxLat - box.minLat, 1e-9)
        scale = min((maxWidth - 2 * padding) / spanX, (maxHeight - 2 * padding) / spanY)
        width = (spanX * scale + 2 * padding).rounded()
        height = (spanY * scale + 2 * padding).rounded()
        self.box = box
        offsetX = padding
        offsetY = padding
    }

    public func project(_ p: GeoPoint) -> (x: Double, y: Double) {
        ((p.lon - box.minLon) * kx * scale + offsetX, (box.maxLat - p.lat) * scale + offsetY)
    }

    /// SVG path data for every part of a boundary.
    public func pathData(_ shape: GeoMultiPolygon) -> String { shape.polygons.map(pathData).joined() }

    /// SVG path data for a polygon, holes included (draw with `fill-rule="evenodd"`).
    public func pathData(_ polygon: GeoPolygon) -> String {
        polygon.rings.map { ring in
            ring.dropLast().enumerated().map { i, p in
                let (x, y) = project(p)
                return (i == 0 ? "M" : "L") + String(format: "%.1f,%.1f", x, y)
            }.joined() + "Z"
        }.joined()
    }
}
