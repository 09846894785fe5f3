import Foundation
import XCTest
@testable import GridCore

/// Multipolygons, holes, edges, distances, GCJ-02, the spatial index, duplicates and hotspots.
final class MapGeometryTests: XCTestCase {
    func rect(_ lon: Double, _ lat: Double, _ w: Double, _ h: Double) -> [GeoPoint] {
        [GeoPoint(lon: lon, lat: lat), GeoPoint(lon: lon + w, lat: lat), GeoPoint(lon: lon + w, lat: lat + h),
         GeoPoint(lon: lon, lat: lat + h), GeoPoint(lon: lon, lat: lat)]
    }
    func square(_ lon: Double, _ lat: Double, _ side: Double) -> GeoMultiPolygon {
        GeoMultiPolygon(try! GeoPolygon(rings: [rect(lon, lat, side, side)]))
    }

    // MARK: Shapes

    func testPolygonWithAHoleExcludesTheHoleButKeepsItsEdge() throws {
        let donut = GeoMultiPolygon(try GeoPolygon(rings: [rect(113, 27, 0.01, 0.01), rect(113.004, 27.004, 0.002, 0.002)]))
        XCTAssertTrue(donut.contains(GeoPoint(lon: 113.001, lat: 27.001)))
        XCTAssertFalse(donut.contains(GeoPoint(lon: 113.005, lat: 27.005)), "inside the hole")
        XCTAssertTrue(donut.covers(GeoPoint(lon: 113.004, lat: 27.005)), "on the hole's edge belongs to the grid")
        XCTAssertEqual(donut.areaSquareMetres, square(113, 27, 0.01).areaSquareMetres * 0.96, accuracy: 50)
        XCTAssertEqual(donut.problems, [])
    }

    func testPointsOnEdgesAndVerticesAreCoveredButNotStrictlyContained() {
        let s = square(113, 27, 0.01)
        for p in [GeoPoint(lon: 113, lat: 27.005), GeoPoint(lon: 113.01, lat: 27.01), GeoPoint(lon: 113.005, lat: 27)] {
            XCTAssertTrue(s.covers(p), "\(p)")
            XCTAssertTrue(s.onBoundary(p), "\(p)")
        }
        XCTAssertFalse(s.covers(GeoPoint(lon: 113.0101, lat: 27.005)))
    }

    func testMultiPolygonGeoJSONRoundTripAndMembership() throws {
        let text = #"{"type":"MultiPolygon","coordinates":[[[[113,27],[113.01,27],[113.01,27.01],[113,27.01],[113,27]]],[[[113.02,27],[113.03,27],[113.03,27.01],[113.02,27.01],[113.02,27]]]]}"#
        let shape = try GeoMultiPolygon(geoJSON: text)
        XCTAssertEqual(shape.polygons.count, 2)
        XCTAssertTrue(shape.contains(GeoPoint(lon: 113.025, lat: 27.005)))
        XCTAssertFalse(shape.contains(GeoPoint(lon: 113.015, lat: 27.005)), "between the parts")
        XCTAssertEqual(try GeoMultiPolygon(geoJSON: shape.geoJSON), shape)
        XCTAssertEqual(shape.centroid.lon, 113.015, accuracy: 1e-9)
        XCTAssertEqual(shape.centroid.lat, 27.005, accuracy: 1e-9)
        XCTAssertTrue(shape.covers(shape.labelPoint), "the label sits inside a part even when the centroid does not")
        XCTAssertEqual(try GeoMultiPolygon(geoJSON: #"{"type":"Feature","geometry":\#(text),"properties":{}}"#), shape)
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"type":"LineString","coordinates":[[113,27],[114,28]]}"#))
        XCTAssertThrowsError(try GeoMultiPolygon(geoJSON: #"{"type":"MultiPolygon","coordinates":[]}"#))
    }

    func testCentroidOfAnLShapeIsAreaWeighted() throws {
        // Two unit squares side by side plus one on top of the left one: centroid (5/6, 5/6) in units.
        let u = 0.01
        let l = GeoMultiPolygon(try GeoPolygon(rings: [[GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 2 * u, lat: 0), GeoPoint(lon: 2 * u, lat: u),
                                                          GeoPoint(lon: u, lat: u), GeoPoint(lon: u, lat: 2 * u), GeoPoint(lon: 0, lat: 2 * u), GeoPoint(lon: 0, lat: 0)]]))
        XCTAssertEqual(l.centroid.lon, 5.0 / 6 * u, accuracy: 1e-12)
        XCTAssertEqual(l.centroid.lat, 5.0 / 6 * u, accuracy: 1e-12)
    }

    func testValidationFindsSelfIntersectionHolesOutsideOverlappingPartsAndLeavingTheParent() throws {
        let bowtie = GeoMultiPolygon(try GeoPolygon(rings: [[GeoPoint(lon: 113, lat: 27), GeoPoint(lon: 113.01, lat: 27.01),
                                                              GeoPoint(lon: 113.01, lat: 27), GeoPoint(lon: 113, lat: 27.01), GeoPoint(lon: 113, lat: 27)]]))
        XCTAssertEqual(bowtie.problems, [.selfIntersecting])
        let badHole = GeoMultiPolygon(try GeoPolygon(rings: [rect(113, 27, 0.01, 0.01), rect(113.008, 27.004, 0.004, 0.002)]))
        XCTAssertTrue(badHole.problems.contains(.holeOutside))
        let overlapping = try GeoMultiPolygon([try GeoPolygon(rings: [rect(113, 27, 0.01, 0.01)]), try GeoPolygon(rings: [rect(113.005, 27, 0.01, 0.01)])])
        XCTAssertEqual(overlapping.problems, [.partsOverlap])
        let flat = GeoMultiPolygon(try GeoPolygon(rings: [[GeoPoint(lon: 113, lat: 27), GeoPoint(lon: 113.01, lat: 27), GeoPoint(lon: 113.02, lat: 27), GeoPoint(lon: 113, lat: 27)]]))
        XCTAssertEqual(flat.problems, [.degenerate])

        let parent = square(113, 27, 0.02)
        XCTAssertNoThrow(try square(113, 27, 0.01).validate(inside: parent), "sharing the parent's corner and edges is inside")
        XCTAssertThrowsError(try square(113.015, 27, 0.01).validate(inside: parent)) { XCTAssertEqual($0 as? GeometryError, .outsideParent) }
        XCTAssertThrowsError(try bowtie.validate(inside: nil)) { XCTAssertEqual($0 as? GeometryError, .selfIntersecting) }
        XCTAssertThrowsError(try GeoPolygon(rings: [Array(rect(113, 27, 0.01, 0.01).dropLast())])) { XCTAssertEqual($0 as? GeometryError, .ringNotClosed) }
    }

    func testOverlapAndGapDetectionWorksOnMultiPolygons() throws {
        let parent = Coverage.Boundary(id: 0, name: "社区", polygon: square(113, 27, 0.02))
        let twoParts = try GeoMultiPolygon([try GeoPolygon(rings: [rect(113, 27, 0.01, 0.01)]), try GeoPolygon(rings: [rect(113.01, 27.01, 0.01, 0.01)])])
        let other = try GeoMultiPolygon([try GeoPolygon(rings: [rect(113.01, 27, 0.01, 0.01)]), try GeoPolygon(rings: [rect(113, 27.01, 0.01, 0.01)])])
        XCTAssertEqual(Coverage.boundaryFindings(parent: parent, children: [.init(id: 1, name: "一", polygon: twoParts), .init(id: 2, name: "二", polygon: other)]), [],
                       "a checkerboard of two multipolygons tiles the parent")
        let findings = Coverage.boundaryFindings(parent: parent, children: [.init(id: 1, name: "一", polygon: twoParts), .init(id: 2, name: "二", polygon: square(113.005, 27.005, 0.01))])
        XCTAssertTrue(findings.contains(.overlap(1, 2)))
        let gap = Coverage.boundaryFindings(parent: parent, children: [.init(id: 1, name: "一", polygon: twoParts)])
        guard case .gap(_, _, let share)? = gap.first else { return XCTFail("expected a gap, got \(gap)") }
        XCTAssertEqual(share, 0.5, accuracy: 0.01)
    }

    // MARK: Distance and datum

    func testHaversineAgainstKnownDistances() {
        // One degree of latitude ≈ 111.195 km on the mean sphere; Beijing–Shanghai ≈ 1,067 km.
        XCTAssertEqual(Distance.haversine(GeoPoint(lon: 113, lat: 27), GeoPoint(lon: 113, lat: 28)), 111_195, accuracy: 5)
        XCTAssertEqual(Distance.haversine(GeoPoint(lon: 116.4074, lat: 39.9042), GeoPoint(lon: 121.4737, lat: 31.2304)), 1_067_000, accuracy: 3_000)
        XCTAssertEqual(Distance.haversine(GeoPoint(lon: 113.1, lat: 27.8), GeoPoint(lon: 113.1, lat: 27.8)), 0)
        let p = GeoPoint(lon: 113.13, lat: 27.83)
        let box = Distance.box(around: p, metres: 50)
        XCTAssertTrue(box.contains(GeoPoint(lon: p.lon + 50 / (111_320 * cos(p.lat * .pi / 180)), lat: p.lat)), "50 m east is in the prefilter box")
    }

    /// Reference pairs published with the widely used eviltransform library (WGS-84 → GCJ-02).
    func testGCJ02ConversionAgainstKnownCoordinates() {
        let known: [(wgs: GeoPoint, gcj: GeoPoint)] = [
            (GeoPoint(lon: 121.5272106, lat: 31.1774276), GeoPoint(lon: 121.531541859215, lat: 31.17530398364597)),    // Shanghai
            (GeoPoint(lon: 113.912316, lat: 22.543847), GeoPoint(lon: 113.9171764808363, lat: 22.540796131694766)),   // Shenzhen
            (GeoPoint(lon: 116.377817, lat: 39.911954), GeoPoint(lon: 116.38404722455657, lat: 39.91334545536069)),   // Beijing
        ]
        for (wgs, gcj) in known {
            let forward = ChinaDatum.wgs84ToGCJ02(wgs)
            XCTAssertEqual(forward.lon, gcj.lon, accuracy: 1e-7); XCTAssertEqual(forward.lat, gcj.lat, accuracy: 1e-7)
            let back = ChinaDatum.gcj02ToWGS84(gcj)
            XCTAssertLessThan(Distance.haversine(back, wgs), 0.01, "inverse within a centimetre")
        }
        let london = GeoPoint(lon: -0.1276, lat: 51.5072)
        XCTAssertEqual(ChinaDatum.wgs84ToGCJ02(london), london, "outside China nothing moves")
        // A boundary read as GCJ-02 lands a few hundred metres from the same numbers read as WGS-84.
        let raw = #"{"type":"Polygon","coordinates":[[[113.13,27.83],[113.14,27.83],[113.14,27.84],[113.13,27.84],[113.13,27.83]]]}"#
        let asGCJ = try! GeoMultiPolygon(geoJSON: raw, datum: .gcj02), asWGS = try! GeoMultiPolygon(geoJSON: raw)
        let shift = Distance.haversine(asGCJ.centroid, asWGS.centroid)
        XCTAssertTrue((200...800).contains(shift), "shift \(shift) m")
    }

    // MARK: Spatial index

    func testIndexAgreesWithBruteForceOnRandomTilesAndScatteredShapes() throws {
        var rng = SplitMix64(seed: 7)
        var items: [(id: Int, shape: GeoMultiPolygon)] = []
        // A 40 × 40 tiling (shared edges everywhere) plus 200 random overlapping rectangles with holes.
        for i in 0..<40 { for j in 0..<40 { items.append((i * 40 + j, square(113 + Double(i) * 0.001, 27 + Double(j) * 0.001, 0.001))) } }
        for k in 0..<200 {
            let lon = 113 + Double.random(in: 0..<0.04, using: &rng), lat = 27 + Double.random(in: 0..<0.04, using: &rng)
            let w = Double.random(in: 0.0005..<0.005, using: &rng), h = Double.random(in: 0.0005..<0.005, using: &rng)
            let polygon = try GeoPolygon(rings: [rect(lon, lat, w, h), rect(lon + w / 4, lat + h / 4, w / 2, h / 2)])
            items.append((10_000 + k, GeoMultiPolygon(polygon)))
        }
        items.shuffle(using: &rng)
        let index = SpatialIndex(items)
        XCTAssertEqual(index.count, items.count)
        var found = 0
        for _ in 0..<3_000 {
            let p = GeoPoint(lon: 112.995 + Double.random(in: 0..<0.05, using: &rng), lat: 26.995 + Double.random(in: 0..<0.05, using: &rng))
            let expected = SpatialIndex.bruteForceLocate(p, in: items)
            XCTAssertEqual(index.locate(p), expected, "\(p)")
            if expected != nil { found += 1 }
        }
        XCTAssertGreaterThan(found, 1_800, "most random points land in a shape")
        // Grid vertices (shared by four tiles) resolve like brute force: first in the given order.
        for i in 1..<39 {
            let p = GeoPoint(lon: 113 + Double(i) * 0.001, lat: 27 + Double(i) * 0.001)
            XCTAssertEqual(index.locate(p), SpatialIndex.bruteForceLocate(p, in: items))
        }
        XCTAssertNil(index.locate(GeoPoint(lon: 100, lat: 20)))
        XCTAssertNil(SpatialIndex<Int>([]).locate(GeoPoint(lon: 113, lat: 27)))
    }

    func testIndexChecksOnlyAFewShapesPerPoint() {
        var items: [(id: Int, shape: GeoMultiPolygon)] = []
        for i in 0..<100 { for j in 0..<100 { items.append((i * 100 + j, square(113 + Double(i) * 0.001, 27 + Double(j) * 0.001, 0.001))) } }
        let index = SpatialIndex(items)
        XCTAssertEqual(index.locate(GeoPoint(lon: 113.0505, lat: 27.0305)), 50 * 100 + 30)
        XCTAssertLessThanOrEqual(index.candidates(GeoPoint(lon: 113.0505, lat: 27.0305)).count, 1)
    }

    // MARK: Duplicates and hotspots

    func testDuplicatesAreOpenSameCategoryNearbyAndRecentNearestFirst() {
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        let here = GeoPoint(lon: 113.13, lat: 27.83)
        func east(_ m: Double) -> GeoPoint { GeoPoint(lon: here.lon + m / (111_195 * cos(here.lat * .pi / 180)), lat: here.lat) }
        let candidates: [DuplicateRule.Candidate] = [
            .init(id: "far", category: "road", point: east(80), reportedAt: at, isOpen: true),
            .init(id: "near", category: "road", point: east(10), reportedAt: at.addingTimeInterval(-3600), isOpen: true),
            .init(id: "mid", category: "road", point: east(40), reportedAt: at.addingTimeInterval(-70 * 3600), isOpen: true),
            .init(id: "old", category: "road", point: east(5), reportedAt: at.addingTimeInterval(-73 * 3600), isOpen: true),
            .init(id: "closed", category: "road", point: east(5), reportedAt: at, isOpen: false),
            .init(id: "other", category: "sewer", point: east(5), reportedAt: at, isOpen: true),
            .init(id: "merged", category: "road", point: east(5), reportedAt: at, isOpen: true, mergedInto: "near"),
            .init(id: "self", category: "road", point: here, reportedAt: at, isOpen: true),
        ]
        let matches = DuplicateRule.matches(for: .init(id: "self", category: "road", point: here, at: at), among: candidates)
        XCTAssertEqual(matches.map(\.id), ["near", "mid"])
        XCTAssertEqual(matches[0].distanceMetres, 10, accuracy: 0.1)
        let wider = DuplicateRule.matches(for: .init(id: nil, category: "road", point: here, at: at), among: candidates,
                                          settings: .init(radiusMetres: 100, windowHours: 80))
        XCTAssertEqual(wider.map(\.id), ["self", "old", "near", "mid", "far"])
    }

    func testHotspotsGroupRepeatedReportsOfOneKindAtOnePlace() {
        let base = Date(timeIntervalSince1970: 1_790_000_000)
        let a = GeoPoint(lon: 113.13, lat: 27.83), b = GeoPoint(lon: 113.14, lat: 27.83)
        func near(_ p: GeoPoint, _ m: Double) -> GeoPoint { GeoPoint(lon: p.lon, lat: p.lat + m / 111_195) }
        var reports: [Hotspots.Report] = []
        for i in 0..<4 { reports.append(.init(id: "a\(i)", category: "sewer", point: near(a, Double(i) * 20), reportedAt: base.addingTimeInterval(Double(i) * 86_400))) }
        for i in 0..<3 { reports.append(.init(id: "b\(i)", category: "light", point: near(b, Double(i) * 10), reportedAt: base.addingTimeInterval(Double(i) * 86_400))) }
        reports.append(.init(id: "b-other-kind", category: "sewer", point: b, reportedAt: base))
        reports.append(.init(id: "a-far", category: "sewer", point: near(a, 500), reportedAt: base))
        reports.append(.init(id: "b-pair", category: "road", point: b, reportedAt: base))
        reports.append(.init(id: "b-pair2", category: "road", point: b, reportedAt: base.addingTimeInterval(1)))
        let spots = Hotspots.find(reports.shuffled(), radiusMetres: 100, minimum: 3)
        XCTAssertEqual(spots.map(\.category), ["sewer", "light"])
        XCTAssertEqual(spots[0].caseIDs, ["a0", "a1", "a2", "a3"], "in time order")
        XCTAssertEqual(spots[0].first, base)
        XCTAssertEqual(spots[0].last, base.addingTimeInterval(3 * 86_400))
        XCTAssertEqual(Distance.haversine(spots[0].center, near(a, 30)), 0, accuracy: 0.5)
        XCTAssertEqual(Hotspots.find(reports, minimum: 2).count, 3, "the road pair counts at minimum 2")
        XCTAssertEqual(Hotspots.find([]), [])
    }
}
