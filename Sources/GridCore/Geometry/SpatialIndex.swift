/// Which of many shapes holds a point: a static R-tree of bounding boxes, packed by
/// Sort-Tile-Recursive, then the exact test on the few shapes whose box holds the point.
///
/// The answer is the same as `bruteForceLocate`: among the shapes strictly containing the point,
/// the one given first; failing that, the first whose edge the point lies on.
public struct SpatialIndex<ID: Hashable & Sendable>: Sendable {
    struct Node: Sendable {
        var minLon, minLat, maxLon, maxLat: Double
        /// Range in the level below (or in `entries` for the leaf level).
        var start: Int32
        var count: Int32
        @inline(__always) func contains(_ lon: Double, _ lat: Double) -> Bool {
            lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat
        }
    }

    struct Entry: Sendable {
        let id: ID
        let shape: GeoMultiPolygon
        let order: Int
    }

    private let entries: [Entry]
    private let entryBoxes: [Node]
    /// levels[0] groups entries; the last level is the root level.
    private let levels: [[Node]]
    public static var nodeCapacity: Int { 16 }

    public var count: Int { entries.count }

    public init(_ items: [(id: ID, shape: GeoMultiPolygon)]) {
        let boxes = items.map(\.shape.boundingBox)
        var order = Array(items.indices)
        Self.strSort(&order, boxes: boxes)
        entries = order.map { Entry(id: items[$0].id, shape: items[$0].shape, order: $0) }
        entryBoxes = order.map { i in
            let b = boxes[i]
            return Node(minLon: b.minLon, minLat: b.minLat, maxLon: b.maxLon, maxLat: b.maxLat, start: Int32(i), count: 0)
        }
        var built: [[Node]] = []
        var below = entryBoxes
        repeat {
            var level: [Node] = []
            level.reserveCapacity(below.count / Self.nodeCapacity + 1)
            var start = 0
            while start < below.count {
                let end = min(start + Self.nodeCapacity, below.count)
                var n = Node(minLon: .infinity, minLat: .infinity, maxLon: -.infinity, maxLat: -.infinity, start: Int32(start), count: Int32(end - start))
                for c in below[start..<end] {
                    n.minLon = min(n.minLon, c.minLon); n.minLat = min(n.minLat, c.minLat)
                    n.maxLon = max(n.maxLon, c.maxLon); n.maxLat = max(n.maxLat, c.maxLat)
                }
                level.append(n)
                start = end
            }
            built.append(level)
            below = level
        } while below.count > 1
        levels = items.isEmpty ? [] : built
    }

    /// Sort-Tile-Recursive: slices by longitude, each slice sorted by latitude, so that
    /// consecutive runs of `nodeCapacity` boxes are spatially tight. Later levels keep the order.
    private static func strSort(_ order: inout [Int], boxes: [BoundingBox]) {
        let n = order.count
        guard n > nodeCapacity else { return }
        let leaves = (n + nodeCapacity - 1) / nodeCapacity
        let slices = Int(Double(leaves).squareRoot().rounded(.up))
        let perSlice = slices * nodeCapacity
        func cx(_ i: Int) -> Double { boxes[i].minLon + boxes[i].maxLon }
        func cy(_ i: Int) -> Double { boxes[i].minLat + boxes[i].maxLat }
        order.sort { cx($0) < cx($1) }
        var start = 0
        while start < n {
            let end = min(start + perSlice, n)
            order[start..<end].sort { cy($0) < cy($1) }
            start = end
        }
    }

    /// The shape holding `p`, or nil.
    public func locate(_ p: GeoPoint) -> ID? {
        var strict: Entry?
        var edge: Entry?
        visit(p) { e in
            if strict == nil || e.order < strict!.order, e.shape.contains(p) { strict = e }
        }
        if let strict { return strict.id }
        visit(p) { e in
            if edge == nil || e.order < edge!.order, e.shape.onBoundary(p) { edge = e }
        }
        return edge?.id
    }

    /// Ids of every shape whose bounding box holds `p` (before the exact test).
    public func candidates(_ p: GeoPoint) -> [ID] {
        var out: [ID] = []
        visit(p) { out.append($0.id) }
        return out
    }

    private func visit(_ p: GeoPoint, _ body: (Entry) -> Void) {
        guard let top = levels.last else { return }
        let lon = p.lon, lat = p.lat
        // Depth-first over (level, node) pairs; the tree is shallow (log16 n).
        var stack: [(Int, Int)] = []
        stack.reserveCapacity(32)
        for i in top.indices where top[i].contains(lon, lat) { stack.append((levels.count - 1, i)) }
        while let (level, index) = stack.popLast() {
            let node = levels[level][index]
            let range = Int(node.start)..<Int(node.start + node.count)
            if level == 0 {
                for i in range where entryBoxes[i].contains(lon, lat) { body(entries[i]) }
            } else {
                let below = levels[level - 1]
                for i in range where below[i].contains(lon, lat) { stack.append((level - 1, i)) }
            }
        }
    }

    /// The reference answer: every shape tested in the given order.
    public static func bruteForceLocate(_ p: GeoPoint, in items: [(id: ID, shape: GeoMultiPolygon)]) -> ID? {
        items.first { $0.shape.contains(p) }?.id ?? items.first { $0.shape.onBoundary(p) }?.id
    }
}
