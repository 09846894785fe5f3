import Foundation
import GridCore
import XMLCoder

/// GeoReport v2 bodies are typed values (`Open311Bodies.swift`), written by JSONEncoder and by XMLCoder's
/// encoder from the same types. A list is an array in JSON and, in XML, an element holding one element
/// per item (`<services><service>…</service></services>`); a field without a value is JSON null and an
/// empty XML element, as the specification lists every field.
enum Open311Format: String {
    case json, xml

    /// `name.json` or `name.xml`.
    static func split(_ file: String) -> (name: String, format: Open311Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Open311Format(rawValue: String(file[file.index(after: dot)...]).lowercased()) else {
            return nil
        }
        return (String(file[..<dot]), format)
    }

    var contentType: String { self == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }

    /// The body as this format writes it; `root` names the XML document element.
    func write(_ body: any Encodable, root: String) throws -> String {
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return String(decoding: try encoder.encode(body), as: UTF8.self)
        case .xml:
            let encoder = XMLEncoder()
            encoder.userInfo[Open311List<String>.xmlKey] = true
            let data = try encoder.encode(AnyEncodable(body), withRootKey: root, header: XMLHeader(version: 1.0, encoding: "utf-8"))
            // XML 1.0 cannot carry control characters, escaped or not: a pasted message's stray ones are dropped.
            var text = String.UnicodeScalarView()
            for scalar in String(decoding: data, as: UTF8.self).unicodeScalars where scalar.value >= 0x20 || [0x09, 0x0A, 0x0D].contains(scalar.value) {
                text.append(scalar)
            }
            return String(text)
        }
    }
}

/// A list: an array in JSON; in XML one `item` element per entry inside the field's (or the root's) element.
struct Open311List<Item: Encodable>: Encodable {
    static var xmlKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "open311.xml")! }

    let item: String
    let items: [Item]

    init(_ item: String, _ items: [Item]) {
        self.item = item
        self.items = items
    }

    func encode(to encoder: any Encoder) throws {
        if encoder.userInfo[Self.xmlKey] as? Bool == true {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(items, forKey: Key(item))
        } else {
            var container = encoder.singleValueContainer()
            try container.encode(items)
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

extension KeyedEncodingContainer {
    /// A field the specification lists: its value, or null (an empty XML element) when it has none.
    mutating func field<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// An error as GeoReport v2 specifies: `[{code, description}]` with the HTTP status.
struct Open311Error: Error {
    let status: Int
    let description: String

    var body: Open311List<Open311Bodies.ErrorItem> { Open311List("error", [.init(code: status, description: description)]) }
}
