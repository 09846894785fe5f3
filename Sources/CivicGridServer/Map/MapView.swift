import GridCore

/// An inline SVG map of areas, drawn server-side so it works without scripts or tiles.
struct MapView: Encodable {
    struct Shape: Encodable {
        let d: String
        let href: String?
        let label: String
        let x: String
        let y: String
        let highlighted: Bool
        /// 0–4: how much is going on there (the big screen shades areas by open cases).
        var heat = 0
        var figure = ""
    }

    let width: Int
    let height: Int
    var shapes: [Shape]
    let showLabels: Bool
    /// Label size in view-box units, so labels read the same however the map is scaled.
    let fontSize: String
    /// A reported position, when there is one.
    let pin: Pin?

    struct Pin: Encodable { let x: String; let y: String }

    /// nil when none of the areas has a boundary.
    init?(areas: [(area: Area, href: String?)], highlight: Int? = nil, width: Double = 800, height maxHeight: Double = 600, pin: GeoPoint? = nil) {
        let drawable = areas.compactMap { item in item.area.boundary.map { (item.area, item.href, $0) } }
        guard let box = drawable.map({ $0.2.boundingBox }).reduce(nil, { ($0?.union($1)) ?? $1 }) else { return nil }
        let projection = SVGProjection(box: box, width: width, maxHeight: maxHeight)
        self.width = Int(projection.width)
        height = Int(projection.height)
        showLabels = drawable.count <= 60
        fontSize = String(format: "%.0f", max(7, min(16, max(projection.width, projection.height) / 40)))
        self.pin = pin.flatMap { p in
            guard box.contains(p) else { return nil }
            let (x, y) = projection.project(p)
            return Pin(x: String(format: "%.0f", x), y: String(format: "%.0f", y))
        }
        shapes = drawable.map { area, href, polygon in
            let (x, y) = projection.project(polygon.labelPoint)
            return Shape(d: projection.pathData(polygon), href: href, label: area.name,
                         x: String(format: "%.0f", x), y: String(format: "%.0f", y), highlighted: area.id == highlight)
        }
    }
}
