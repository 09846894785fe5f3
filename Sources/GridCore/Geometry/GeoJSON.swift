import Foundation

/// The one GeoJSON reader (RFC 7946) and writer for area boundaries: a Polygon or MultiPolygon, bare or in a
/// Feature, and FeatureCollections of them. Reading is `Decodable`; every shape the platform accepts — a
/// boundary typed into a form, a file from a GIS tool, a stored boundary — goes through `GeoJSON.geometry(_:)`,
/// so they all accept the same things (and all convert GCJ-02 when asked). Writing keeps 6 decimals (≈0.1 m)
/// so stored and exported text is stable.
public enum GeoJSON {
    /// The coordinates of a Polygon (rings of [lon, lat, …] positions) or a MultiPolygon (polygons of those).
    public enum Geometry: Decodable, Equatable, Sendable {
        case polygon([[[Double]]])
        case multiPolygon([[[[Double]]]])

        private enum Keys: String, CodingKey { case type, coordinates, geometry }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            switch try container.decode(String.self, forKey: .type) {
            // A Feature wrapping a shape is accepted too: people paste what their GIS exports.
            case "Feature": self = try container.decode(Geometry.self, forKey: .geometry)
            case "Polygon": self = .polygon(try container.decode([[[Double]]].self, forKey: .coordinates))
            case "MultiPolygon": self = .multiPolygon(try container.decode([[[[Double]]]].self, forKey: .coordinates))
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "not a polygon: \(other)")
            }
        }

        /// The shape, each position converted from `datum` to WGS-84; ring rules checked by `GeoPolygon`.
        public func shape(datum: Datum = .wgs84) throws(GeometryError) -> GeoMultiPolygon {
            func ring(_ positions: [[Double]]) throws(GeometryError) -> [GeoPoint] {
                var points: [GeoPoint] = []
                points.reserveCapacity(positions.count)
                for position in positions {
                    guard position.count >= 2 else { throw .notAPolygon }
                    let p = GeoPoint(lon: position[0], lat: position[1])
                    points.append(datum == .gcj02 ? ChinaDatum.gcj02ToWGS84(p) : p)
                }
                return points
            }
            func polygon(_ rings: [[[Double]]]) throws(GeometryError) -> GeoPolygon {
                var out: [[GeoPoint]] = []
                for r in rings { out.append(try ring(r)) }
                return try GeoPolygon(rings: out)
            }
            switch self {
            case .polygon(let rings): return try GeoMultiPolygon([try polygon(rings)])
            case .multiPolygon(let parts):
                var out: [GeoPolygon] = []
                for part in parts { out.append(try polygon(part)) }
                return try GeoMultiPolygon(out)
            }
        }
    }

    /// A FeatureCollection as a GIS tool exports it; each feature's geometry is kept apart, so one bad
    /// feature can be reported by its number instead of failing the file.
    public struct FeatureCollection: Decodable, Sendable {
        public let type: String
        public let features: [Feature]
    }

    public struct Feature: Decodable, Sendable {
        /// Text and number properties (others are ignored), numbers as their text.
        public let properties: [String: String]
        public let geometry: Geometry?

        private enum Keys: String, CodingKey { case properties, geometry }

        public init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: Keys.self) else {
                properties = [:]; geometry = nil; return  // not an object: reported as missing its code
            }
            let raw = (try? container.decode([String: Property].self, forKey: .properties)) ?? [:]
            properties = raw.compactMapValues(\.text)
            geometry = try? container.decode(Geometry.self, forKey: .geometry)
        }
    }

    struct Property: Decodable {
        let text: String?
        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let s = try? value.decode(String.self) { text = s }
            else if let i = try? value.decode(Int.self) { text = String(i) }
            else if let d = try? value.decode(Double.self) { text = String(d) }
            else { text = nil }
        }
    }

    /// A Polygon, MultiPolygon or Feature from its text.
    public static func geometry(_ text: String) throws(GeometryError) -> Geometry {
        do { return try JSONDecoder().decode(Geometry.self, from: Data(text.utf8)) } catch { throw .notAPolygon }
    }

    // MARK: Writing

    static func position(_ p: GeoPoint) -> String { "[\(fmt(p.lon)),\(fmt(p.lat))]" }
    static func rings(_ polygon: GeoPolygon) -> String {
        "[" + polygon.rings.map { ring in "[" + ring.map(position).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
    }
    static func fmt(_ v: Double) -> String { String(format: "%.6f", v) }
}
