/// Which of many shapes holds a point: a uniform grid of buckets over the shapes' bounding boxes
/// (cells about the size of an average box), then the exact test on the few shapes listed in the
/// point's cell. A lookup is one division, one bucket and a handful of ray casts over flat arrays.
///
/// The answer is the same as `bruteForceLocate`: among the shapes strictly containing the point,
/// the one given first; failing that, the first whose edge the point lies on.
public struct SpatialIndex<ID: Hashable & Sendable>: Sendable {
    private let ids: [ID]
    private let shapes: [GeoMultiPolygon]
    private let flat: FlatStore
    private let buckets: Buckets

    public var count: Int { ids.count }

    public init(_ items: [(id: ID, shape: GeoMultiPolygon)]) {
        ids = items.map(\.id)
        shapes = items.map(\.shape)
        flat = FlatStore(shapes)
        buckets = Buckets(shapes.map(\.boundingBox))
    }

    /// The shape holding `p`, or nil.
    public func locate(_ p: GeoPoint) -> ID? {
        guard let cell = buckets.cell(p.lon, p.lat) else { return nil }
        let items = buckets.items, boxes = buckets.boxes
        // Items are in input order within a bucket: the first hit wins.
        for k in Int(buckets.start[cell])..<Int(buckets.start[cell + 1]) {
            let i = Int(items[k])
            if boxes.contains(i, p.lon, p.lat), flat.contains(i, p.lon, p.lat) { return ids[i] }
        }
        for k in Int(buckets.start[cell])..<Int(buckets.start[cell + 1]) {
            let i = Int(items[k])
            if boxes.contains(i, p.lon, p.lat), shapes[i].onBoundary(p) { return ids[i] }
        }
        return nil
    }

    /// Ids of every shape whose bounding box holds `p` (before the exact test).
    public func candidates(_ p: GeoPoint) -> [ID] {
        guard let cell = buckets.cell(p.lon, p.lat) else { return [] }
        return (Int(buckets.start[cell])..<Int(buckets.start[cell + 1])).map { Int(buckets.items[$0]) }
            .filter { buckets.boxes.contains($0, p.lon, p.lat) }.map { ids[$0] }
    }

    /// Cells of a uniform grid, each listing (in input order) the shapes whose box meets it.
    final class Buckets: @unchecked Sendable {
        let minLon, minLat, cellW, cellH: Double
        let columns, rows: Int
        /// Per cell: first index into `items` (columns × rows + 1 entries).
        let start: UnsafeMutableBufferPointer<Int32>
        let items: UnsafeMutableBufferPointer<Int32>
        let boxes: Boxes

        init(_ boxes: [BoundingBox]) {
            self.boxes = Boxes(boxes)
            guard let all = boxes.first.map({ boxes.dropFirst().reduce($0) { $0.union($1) } }) else {
                minLon = 0; minLat = 0; cellW = 1; cellH = 1; columns = 0; rows = 0
                start = .allocate(capacity: 1); start[0] = 0; items = .allocate(capacity: 1)
                return
            }
            // Cells about the size of the average box: each box meets ~4 cells, each cell ~4 boxes.
            let n = Double(boxes.count)
            let avgW = boxes.reduce(0) { $0 + ($1.maxLon - $1.minLon) } / n, avgH = boxes.reduce(0) { $0 + ($1.maxLat - $1.minLat) } / n
            let spanW = max(all.maxLon - all.minLon, 1e-9), spanH = max(all.maxLat - all.minLat, 1e-9)
            let columns = max(1, min(2_048, Int(spanW / max(avgW, spanW / 2_048)))), rows = max(1, min(2_048, Int(spanH / max(avgH, spanH / 2_048))))
            let minLon = all.minLon, minLat = all.minLat, cellW = spanW / Double(columns), cellH = spanH / Double(rows)
            self.columns = columns; self.rows = rows; self.minLon = minLon; self.minLat = minLat; self.cellW = cellW; self.cellH = cellH
            var counts = [Int32](repeating: 0, count: columns * rows + 1)
            func range(_ b: BoundingBox) -> (ClosedRange<Int>, ClosedRange<Int>) {
                let c0 = min(columns - 1, max(0, Int((b.minLon - minLon) / cellW))), c1 = min(columns - 1, max(0, Int((b.maxLon - minLon) / cellW)))
                let r0 = min(rows - 1, max(0, Int((b.minLat - minLat) / cellH))), r1 = min(rows - 1, max(0, Int((b.maxLat - minLat) / cellH)))
                return (c0...c1, r0...r1)
            }
            for b in boxes { let (cs, rs) = range(b); for r in rs { for c in cs { counts[r * columns + c] += 1 } } }
            let start = UnsafeMutableBufferPointer<Int32>.allocate(capacity: columns * rows + 1)
            var total: Int32 = 0
            for k in 0..<(columns * rows) { start[k] = total; total += counts[k] }
            start[columns * rows] = total
            let items = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, Int(total)))
            var fill = Array(start.prefix(columns * rows))
            for (i, b) in boxes.enumerated() {
                let (cs, rs) = range(b)
                for r in rs { for c in cs { items[Int(fill[r * columns + c])] = Int32(i); fill[r * columns + c] += 1 } }
            }
            self.start = start; self.items = items
        }

        deinit { start.deallocate(); items.deallocate() }

        /// The cell holding a point, nil outside every box (points on the far edge count as inside).
        @inline(__always)
        func cell(_ lon: Double, _ lat: Double) -> Int? {
            guard columns > 0 else { return nil }
            let fx = (lon - minLon) / cellW, fy = (lat - minLat) / cellH
            guard fx >= 0, fy >= 0, fx <= Double(columns), fy <= Double(rows) else { return nil }
            return min(rows - 1, Int(fy)) * columns + min(columns - 1, Int(fx))
        }
    }

    /// Bounding boxes as four flat arrays.
    final class Boxes: @unchecked Sendable {
        let b: UnsafeMutableBufferPointer<Double>
        init(_ boxes: [BoundingBox]) {
            b = .allocate(capacity: max(1, boxes.count * 4))
            for (i, x) in boxes.enumerated() { b[4 * i] = x.minLon; b[4 * i + 1] = x.minLat; b[4 * i + 2] = x.maxLon; b[4 * i + 3] = x.maxLat }
        }
        deinit { b.deallocate() }
        @inline(__always)
        func contains(_ i: Int, _ lon: Double, _ lat: Double) -> Bool {
            lon >= b[4 * i] && lat >= b[4 * i + 1] && lon <= b[4 * i + 2] && lat <= b[4 * i + 3]
        }
    }

    /// Every ring of every shape in flat, immutable buffers (allocated once): the exact test in
    /// the hot loop reads contiguous doubles with no reference counting.
    final class FlatStore: @unchecked Sendable {
        let x: UnsafeMutableBufferPointer<Double>
        let y: UnsafeMutableBufferPointer<Double>
        /// Per ring: end offset (exclusive) in x/y.
        let ringEnd: UnsafeMutableBufferPointer<Int32>
        /// Per polygon: end ring index (exclusive); its first ring is the outer one.
        let partEnd: UnsafeMutableBufferPointer<Int32>
        /// Per shape: first polygon index (count + 1 entries).
        let shapePart: UnsafeMutableBufferPointer<Int32>

        init(_ shapes: [GeoMultiPolygon]) {
            var xs: [Double] = [], ys: [Double] = [], rings: [Int32] = [], parts: [Int32] = [], starts: [Int32] = []
            for shape in shapes {
                starts.append(Int32(parts.count))
                for polygon in shape.polygons {
                    for ring in polygon.rings {
                        for p in ring { xs.append(p.lon); ys.append(p.lat) }
                        rings.append(Int32(xs.count))
                    }
                    parts.append(Int32(rings.count))
                }
            }
            starts.append(Int32(parts.count))
            func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
                let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
                _ = b.initialize(from: a)
                return b
            }
            x = copy(xs); y = copy(ys); ringEnd = copy(rings); partEnd = copy(parts); shapePart = copy(starts)
        }

        deinit {
            x.deallocate(); y.deallocate(); ringEnd.deallocate(); partEnd.deallocate(); shapePart.deallocate()
        }

        /// `GeoPolygon.contains` on shape `s`: inside some part's outer ring and in none of its holes.
        @inline(__always)
        func contains(_ s: Int, _ lon: Double, _ lat: Double) -> Bool {
            let firstPart = Int(shapePart[s]), endPart = Int(shapePart[s + 1])
            var ring = firstPart == 0 ? 0 : Int(partEnd[firstPart - 1])
            var start = ring == 0 ? 0 : Int(ringEnd[ring - 1])
            for part in firstPart..<endPart {
                let lastRing = Int(partEnd[part])
                var inPart = false
                var first = true
                while ring < lastRing {
                    let end = Int(ringEnd[ring])
                    var inside = false
                    var j = end - 1
                    var i = start
                    while i < end {
                        let yi = y[i], yj = y[j]
                        if (yi > lat) != (yj > lat), lon < (x[j] - x[i]) * (lat - yi) / (yj - yi) + x[i] { inside.toggle() }
                        j = i; i += 1
                    }
                    if first { inPart = inside; first = false } else if inside { inPart = false }
                    start = end; ring += 1
                }
                if inPart { return true }
            }
            return false
        }
    }

    /// The reference answer: every shape tested in the given order.
    public static func bruteForceLocate(_ p: GeoPoint, in items: [(id: ID, shape: GeoMultiPolygon)]) -> ID? {
        items.first { $0.shape.contains(p) }?.id ?? items.first { $0.shape.onBoundary(p) }?.id
    }
}
