import Foundation
import GridCore
import Vapor

/// `civicgrid bench-locate`: point → grid lookups per second over a synthetic city of N grid
/// polygons (an irregular tiling: shared, jittered vertices, 8 per grid), through the index and by
/// testing every polygon, in the same run. Both must give the same answers. Needs no database.
struct BenchLocateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "polygons", help: "Number of grid polygons (a square tiling; default 10000)")
        var polygons: Int?
        @Option(name: "points", help: "Lookups through the index (default 2000000)")
        var points: Int?
        @Option(name: "brute-points", help: "Lookups by brute force (default 5000)")
        var brutePoints: Int?
    }

    var help: String { "Benchmarks point-to-grid lookups: the spatial index against testing every polygon." }

    static func tiling(side: Int, seed: UInt64) -> [(id: Int, shape: GeoMultiPolygon)] {
        var rng = SplitMix64(seed: seed)
        let cell = 0.002, lon0 = 113.0, lat0 = 27.7
        func jitter(_ border: Bool) -> Double { border ? 0 : Double.random(in: -0.25...0.25, using: &rng) * cell }
        // Lattice corners, and midpoints of horizontal and vertical edges, each shared by neighbours.
        var corner = [[GeoPoint]](), hMid = [[GeoPoint]](), vMid = [[GeoPoint]]()
        for i in 0...side {
            corner.append((0...side).map { j in GeoPoint(lon: lon0 + Double(i) * cell + jitter(i == 0 || i == side), lat: lat0 + Double(j) * cell + jitter(j == 0 || j == side)) })
        }
        for i in 0..<side { hMid.append((0...side).map { j in
            let a = corner[i][j], b = corner[i + 1][j]
            return GeoPoint(lon: (a.lon + b.lon) / 2, lat: (a.lat + b.lat) / 2 + (j == 0 || j == side ? 0 : jitter(false) / 3))
        }) }
        for i in 0...side { vMid.append((0..<side).map { j in
            let a = corner[i][j], b = corner[i][j + 1]
            return GeoPoint(lon: (a.lon + b.lon) / 2 + (i == 0 || i == side ? 0 : jitter(false) / 3), lat: (a.lat + b.lat) / 2)
        }) }
        var out: [(id: Int, shape: GeoMultiPolygon)] = []
        for i in 0..<side {
            for j in 0..<side {
                let ring = [corner[i][j], hMid[i][j], corner[i + 1][j], vMid[i + 1][j], corner[i + 1][j + 1], hMid[i][j + 1], corner[i][j + 1], vMid[i][j], corner[i][j]]
                out.append((i * side + j, GeoMultiPolygon(try! GeoPolygon(rings: [ring]))))
            }
        }
        return out
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let side = max(1, Int(Double(signature.polygons ?? 10_000).squareRoot().rounded()))
        let items = Self.tiling(side: side, seed: 11)
        var rng = SplitMix64(seed: 99)
        let box = items.map(\.shape.boundingBox).reduce(items[0].shape.boundingBox) { $0.union($1) }
        func randomPoint() -> GeoPoint {
            GeoPoint(lon: Double.random(in: box.minLon...box.maxLon, using: &rng), lat: Double.random(in: box.minLat...box.maxLat, using: &rng))
        }
        let clock = ContinuousClock()
        let buildStart = clock.now
        let index = SpatialIndex(items)
        let buildTime = clock.now - buildStart

        let n = signature.points ?? 2_000_000, m = signature.brutePoints ?? 5_000
        let points = (0..<n).map { _ in randomPoint() }
        var found = 0
        let t0 = clock.now
        for p in points where index.locate(p) != nil { found += 1 }
        let indexTime = clock.now - t0

        let sample = Array(points.prefix(m))
        var bruteAnswers: [Int?] = []
        bruteAnswers.reserveCapacity(m)
        let t1 = clock.now
        for p in sample { bruteAnswers.append(SpatialIndex.bruteForceLocate(p, in: items)) }
        let bruteTime = clock.now - t1
        let mismatches = zip(sample, bruteAnswers).filter { index.locate($0.0) != $0.1 }.count

        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let indexRate = Double(n) / seconds(indexTime), bruteRate = Double(m) / seconds(bruteTime)
        context.console.print("polygons=\(items.count) vertices_per_polygon=8 build_ms=\(String(format: "%.1f", seconds(buildTime) * 1000))")
        context.console.print("index_lookups=\(n) index_per_s=\(Int(indexRate)) found=\(found)")
        context.console.print("brute_lookups=\(m) brute_per_s=\(Int(bruteRate))")
        context.console.print("speedup=\(String(format: "%.0f", indexRate / bruteRate)) mismatches=\(mismatches)")
        if mismatches > 0 { throw Abort(.internalServerError, reason: "index and brute force disagree on \(mismatches) points") }
    }
}
