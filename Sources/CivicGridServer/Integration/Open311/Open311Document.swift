import Foundation
import GridCore

/// A GeoReport v2 response body, written as JSON or as XML from the same tree, with keys in the
/// order the specification lists them.
indirect enum Open311Value {
    case object([(String, Open311Value)])
    /// A list; in XML each item is wrapped in an element of this name (`service`, `request`, `error` …).
    case list(item: String, [Open311Value])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func optional(_ text: String?) -> Open311Value { text.map(Open311Value.string) ?? .null }

    // MARK: JSON

    var json: String {
        switch self {
        case .object(let fields): "{" + fields.map { Self.quote($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
        case .list(_, let items): "[" + items.map(\.json).joined(separator: ",") + "]"
        case .string(let s): Self.quote(s)
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: XML

    func xml(root: String) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + element(root)
    }

    private func element(_ name: String) -> String {
        switch self {
        case .object(let fields): "<\(name)>" + fields.map { $0.1.element($0.0) }.joined() + "</\(name)>"
        case .list(let item, let items): "<\(name)>" + items.map { $0.element(item) }.joined() + "</\(name)>"
        case .string(let s): "<\(name)>\(Self.escape(s))</\(name)>"
        case .number: "<\(name)>\(json)</\(name)>"
        case .bool(let b): "<\(name)>\(b)</\(name)>"
        case .null: "<\(name)/>"
        }
    }

    static func escape(_ s: String) -> String { XMLText.escape(s) }
}

/// `name.json` or `name.xml`.
enum Open311Format: String {
    case json, xml

    static func split(_ file: String) -> (name: String, format: Open311Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Open311Format(rawValue: String(file[file.index(after: dot)...]).lowercased()) else {
            return nil
        }
        return (String(file[..<dot]), format)
    }

    var contentType: String { self == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }
}

/// An error as GeoReport v2 specifies: `[{code, description}]` with the HTTP status.
struct Open311Error: Error {
    let status: Int
    let description: String

    var body: Open311Value {
        .list(item: "error", [.object([("code", .number(Double(status))), ("description", .string(description))])])
    }
}
