import CQRencode
import Foundation

/// A QR symbol made by Debian's libqrencode: a square of dark and light modules, drawn by us as
/// SVG (for pages and print) or PBM (for decoders in tests).
public struct QRCode: Sendable, Equatable {
    public enum Correction: Sendable { case low, medium, quartile, high }

    public let size: Int
    /// Row-major, `size × size`, true = dark.
    public let modules: [Bool]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case empty, tooLong
        public var description: String { self == .empty ? "二维码内容为空" : "二维码内容过长" }
    }

    /// Encodes UTF-8 text (8-bit mode, smallest version that fits).
    public init(_ text: String, correction: Correction = .medium) throws {
        guard !text.isEmpty else { throw Failure.empty }
        let level: QRecLevel = switch correction {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
        guard let code = QRcode_encodeString8bit(text, 0, level) else { throw Failure.tooLong }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        size = width
        modules = data.map { $0 & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }

    /// One path of unit squares (runs of dark modules merged per row) with a 4-module quiet zone;
    /// scales to any size without blurring.
    public func svg(pixels: Int? = nil, title: String? = nil) -> String {
        let quiet = 4, total = size + 2 * quiet
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else { column += 1; continue }
                let start = column
                while column < size && isDark(row: row, column: column) { column += 1 }
                path += "M\(start + quiet) \(row + quiet)h\(column - start)v1h-\(column - start)z"
            }
        }
        let dimension = pixels.map { " width=\"\($0)\" height=\"\($0)\"" } ?? ""
        let label = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(total)\"\(dimension) shape-rendering=\"crispEdges\" role=\"img\">"
            + label + "<rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    /// Plain PBM (P1), `scale` pixels per module, with the quiet zone: what zbarimg reads in tests.
    public func pbm(scale: Int = 4) -> String {
        let quiet = 4, total = (size + 2 * quiet) * scale
        var lines = ["P1", "\(total) \(total)"]
        for y in 0..<total {
            let row = y / scale - quiet
            var line = ""
            line.reserveCapacity(total * 2)
            for x in 0..<total {
                let column = x / scale - quiet
                let dark = row >= 0 && row < size && column >= 0 && column < size && isDark(row: row, column: column)
                line += dark ? "1 " : "0 "
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
