import Foundation
import XCTest
@testable import GridCore

/// One GeoJSON reader for every boundary: forms, files and stored text accept the same shapes.
final class GeoJSONTests: XCTestCase {
    let square = #"{"type":"Polygon","coordinates":[[[113.1,27.8],[113.2,27.8],[113.2,27.9],[113.1,27.9],[113.1,27.8]]]}"#

    func testThePolygonAndMultiPolygonReadersAgreeIncludingGCJ02() throws {
        let one = try GeoPolygon(geoJSON: square, datum: .gcj02)
        let many = try GeoMultiPolygon(geoJSON: square, datum: .gcj02)
        XCTAssertEqual(many.polygons, [one])
        XCTAssertNotEqual(try GeoPolygon(geoJSON: square), one, "GCJ-02 is converted")
        let multi = #"{"type":"MultiPolygon","coordinates":[[[[113.1,27.8],[113.2,27.8],[113.2,27.9],[113.1,27.9],[113.1,27.8]]]]}"#
        XCTAssertEqual(try GeoPolygon(geoJSON: multi), try GeoPolygon(geoJSON: square), "a MultiPolygon of one part is a polygon")
        XCTAssertEqual(try GeoMultiPolygon(geoJSON: try GeoMultiPolygon(geoJSON: square).geoJSON), try GeoMultiPolygon(geoJSON: square))
    }

    func testPositionsNeedTwoNumbersAndTypesMustBeShapes() {
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[[113.1],[113.2,27.8],[113.2,27.9],[113.1]]]}"#))
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[["a","b"]]]}"#))
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"type":"Point","coordinates":[113,27]}"#))
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"coordinates":[]}"#))
        XCTAssertNoThrow(try GeoMultiPolygon(geoJSON: #"{"type":"Polygon","coordinates":[[[113.1,27.8,40],[113.2,27.8,40],[113.2,27.9,40],[113.1,27.8,40]]]}"#),
                         "an altitude is ignored")
    }

    func testAFileReportsEachBadFeatureByNumber() throws {
        let file = #"""
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"code":430204001,"name":"第1网格"},"geometry":\#(square)},
          {"type":"Feature","properties":{"code":"B"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
          {"type":"Feature","properties":{"name":"无编码"},"geometry":\#(square)},
          42
        ]}
        """#
        let features = try BoundaryImport.parse(Data(file.utf8))
        XCTAssertEqual(features.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(features[0].code, "430204001", "a numeric code is read as its text")
        XCTAssertNotNil(features[0].shape)
        XCTAssertNil(features[1].shape)
        XCTAssertNotNil(features[1].problem)
        XCTAssertEqual(features[2].problem, "缺少 properties.code（区域编码）")
        XCTAssertEqual(features[3].problem, "缺少 properties.code（区域编码）")
        XCTAssertThrowsError(try BoundaryImport.parse(Data(#"{"type":"Feature"}"#.utf8)))
        XCTAssertThrowsError(try BoundaryImport.parse(Data("nope".utf8)))
    }
}
