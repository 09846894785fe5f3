import Foundation

/// Reading a GeoJSON FeatureCollection of area boundaries, as a GIS tool exports it: each feature
/// names its area by `code` (or `编码`), optionally `name`, and carries a Polygon or MultiPolygon.
/// Every feature is checked; one bad feature rejects the file (nothing is half-written).
public enum BoundaryImport {
    public struct Feature: Sendable {
        /// 1-based position in the file, for messages.
        public let number: Int
        public let code: String?
        public let name: String?
        public let shape: GeoMultiPolygon?
        public let problem: String?
    }

    public enum FileError: Error, Equatable, CustomStringConvertible {
        case notJSON, notFeatureCollection, empty, tooMany(Int)
        public var description: String {
            switch self {
            case .notJSON: "文件不是有效的 JSON（请上传 GeoJSON，UTF-8 编码）"
            case .notFeatureCollection: "文件应为 GeoJSON FeatureCollection（type 为 \"FeatureCollection\"）"
            case .empty: "文件中没有任何要素（features 为空）"
            case .tooMany(let n): "一次最多导入 20000 个边界，文件中有 \(n) 个"
            }
        }
    }

    public static func parse(_ data: Data, datum: Datum = .wgs84) throws(FileError) -> [Feature] {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard (try? JSONSerialization.jsonObject(with: bytes)) != nil else { throw .notJSON }
        guard let collection = try? JSONDecoder().decode(GeoJSON.FeatureCollection.self, from: bytes),
              collection.type == "FeatureCollection" else { throw .notFeatureCollection }
        let features = collection.features
        guard !features.isEmpty else { throw .empty }
        guard features.count <= 20_000 else { throw .tooMany(features.count) }
        return features.enumerated().map { i, feature in
            func text(_ keys: String...) -> String? {
                for k in keys {
                    if let s = feature.properties[k]?.trimmingCharacters(in: .whitespaces), !s.isEmpty { return s }
                }
                return nil
            }
            let code = text("code", "编码", "CODE"), name = text("name", "名称", "NAME")
            guard code != nil else {
                return Feature(number: i + 1, code: nil, name: name, shape: nil, problem: "缺少 properties.code（区域编码）")
            }
            do throws(GeometryError) {
                guard let geometry = feature.geometry else { throw .notAPolygon }
                let shape = try geometry.shape(datum: datum)
                if let first = shape.problems.first { return Feature(number: i + 1, code: code, name: name, shape: nil, problem: first.description) }
                return Feature(number: i + 1, code: code, name: name, shape: shape, problem: nil)
            } catch {
                return Feature(number: i + 1, code: code, name: name, shape: nil, problem: error.description)
            }
        }
    }

    /// A FeatureCollection of areas (parents before children), 6 decimals, keys sorted.
    public static func export(_ areas: [(code: String, name: String, level: String, parentCode: String?, shape: GeoMultiPolygon)]) -> String {
        let features = areas.map { a -> String in
            var props: [String: Any] = ["code": a.code, "name": a.name, "level": a.level]
            props["parent"] = a.parentCode ?? NSNull()
            let p = (try? JSONSerialization.data(withJSONObject: props, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return #"{"type":"Feature","properties":"# + p + #","geometry":"# + a.shape.geoJSON + "}"
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}\n"
    }
}
