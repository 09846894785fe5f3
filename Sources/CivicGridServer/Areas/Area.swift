import Fluent
import Foundation
import GridCore

/// A node of the area tree. Integer ids keep materialized paths short (`/1/5/23/`).
final class Area: Model, @unchecked Sendable {
    static let schema = "areas"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "level") var level: AreaLevel
    @OptionalParent(key: "parent_id") var parent: Area?
    @Field(key: "path") var path: String
    @OptionalField(key: "boundary_geojson") var boundaryGeoJSON: String?
    @OptionalParent(key: "responsible_user_id") var responsible: User?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(code: String, name: String, level: AreaLevel, parentID: Int?, boundaryGeoJSON: String? = nil, responsibleID: UUID? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.$parent.id = parentID
        self.path = ""
        self.boundaryGeoJSON = boundaryGeoJSON
        self.$responsible.id = responsibleID
    }

    var areaPath: AreaPath { AreaPath(path) ?? AreaPath(ids: []) }
    var boundary: GeoMultiPolygon? { boundaryGeoJSON.flatMap { try? GeoMultiPolygon(geoJSON: $0) } }
}

