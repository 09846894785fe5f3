import Foundation
import GridCore

/// Charts drawn on the server as SVG (no chart library): bars for one series and a line for a
/// second, with a few labelled ticks. Text is escaped; the result goes into pages as-is. Hand-written
/// on purpose: no server-side Swift chart package is available, and pages must render without script.
struct SVGChart {
    struct Point { let label: String; let bar: Int; let line: Int }

    var width = 720.0
    var height = 220.0
    var barLabel = "受理"
    var lineLabel = "办结"
    /// CSS classes on the bars and the line (the big screen's dark theme restyles them).
    var theme = "chart"

    func render(_ points: [Point]) -> String {
        let left = 36.0, bottom = 22.0, top = 18.0, right = 8.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxValue = max(1, points.map { max($0.bar, $0.line) }.max() ?? 1)
        let step = Self.niceStep(maxValue)
        let top_ = Int((Double(maxValue) / Double(step)).rounded(.up)) * step
        func y(_ v: Int) -> Double { top + plotH - plotH * Double(v) / Double(max(top_, 1)) }
        let slot = plotW / Double(max(points.count, 1))
        var out = "<svg class=\"\(theme)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(Self.escape(barLabel))与\(Self.escape(lineLabel))趋势\">"
        // Grid lines and value ticks.
        var v = 0
        while v <= top_ {
            let yy = String(format: "%.1f", y(v))
            out += "<line class=\"grid\" x1=\"\(Int(left))\" x2=\"\(Int(width - right))\" y1=\"\(yy)\" y2=\"\(yy)\"/>"
            out += "<text class=\"tick\" x=\"\(Int(left - 4))\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(v)</text>"
            v += step
        }
        // Bars.
        for (i, p) in points.enumerated() {
            let x = left + slot * Double(i) + slot * 0.15, w = max(1, slot * 0.7)
            out += String(format: "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">", x, y(p.bar), w, max(0, top + plotH - y(p.bar)))
                + "<title>\(Self.escape(p.label)) \(Self.escape(barLabel)) \(p.bar)，\(Self.escape(lineLabel)) \(p.line)</title></rect>"
        }
        // Line.
        if points.count > 1 {
            let coords = points.enumerated().map { i, p in String(format: "%.1f,%.1f", left + slot * (Double(i) + 0.5), y(p.line)) }
            out += "<polyline class=\"line\" fill=\"none\" points=\"\(coords.joined(separator: " "))\"/>"
        }
        // A label every few slots so they never collide.
        let every = max(1, Int((Double(points.count) / (plotW / 64)).rounded(.up)))
        for (i, p) in points.enumerated() where i % every == 0 {
            out += String(format: "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", left + slot * (Double(i) + 0.5), height - 6)
                + Self.escape(p.label) + "</text>"
        }
        out += "<g class=\"legend\"><rect class=\"bar\" x=\"\(Int(width - 150))\" y=\"2\" width=\"10\" height=\"10\"/><text x=\"\(Int(width - 136))\" y=\"11\">\(Self.escape(barLabel))</text>"
        out += "<line class=\"line\" x1=\"\(Int(width - 84))\" x2=\"\(Int(width - 70))\" y1=\"7\" y2=\"7\"/><text x=\"\(Int(width - 66))\" y=\"11\">\(Self.escape(lineLabel))</text></g>"
        return out + "</svg>"
    }

    /// 1, 2, 5 × 10ⁿ so there are at most about five grid lines.
    static func niceStep(_ maxValue: Int) -> Int {
        var magnitude = 1
        while magnitude * 10 <= maxValue { magnitude *= 10 }
        for m in [1, 2, 5, 10] where maxValue / (m * magnitude) <= 5 { return m * magnitude }
        return 10 * magnitude
    }

    static func escape(_ s: String) -> String { XMLText.escape(s) }
}
