import Foundation

/// The hotlines that send us work orders (工单) and want status changes back.
public enum HotlineSource: String, CaseIterable, Sendable, Codable {
    case hotline12345 = "12345"
    case mayor
    case service96361 = "96361"

    /// Accepts the names the hotline systems use for themselves.
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "12345", "12345热线", "hotline12345": self = .hotline12345
        case "mayor", "市长热线", "mayorhotline": self = .mayor
        case "96361", "96361便民热线", "servicehotline96361": self = .service96361
        default: return nil
        }
    }

    public var channel: Channel {
        switch self {
        case .hotline12345: .hotline12345
        case .mayor: .mayorHotline
        case .service96361: .serviceHotline96361
        }
    }

    public var displayName: String { channel.displayName }
}

/// One work order as the hotline sends it, checked at the edge.
public struct HotlineOrder: Sendable, Equatable {
    public let source: HotlineSource
    public let orderNo: String
    public let caller: String
    public let phone: String?
    public let content: String
    public let address: String?
    public let categoryText: String
    public let receivedAt: Date?

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing(String), tooLong(String, Int), badSource(String), badOrderNo
        public var description: String {
            switch self {
            case .missing(let f): "缺少 \(f)"
            case .tooLong(let f, let n): "\(f) 不能超过 \(n) 个字"
            case .badSource(let s): "未知的热线来源 \(s)：应为 12345、mayor 或 96361"
            case .badOrderNo: "orderNo 只能包含字母、数字和 -_/，不超过 64 个字符"
            }
        }
    }

    public init(source: String?, orderNo: String?, caller: String?, phone: String?, content: String?, address: String?,
                categoryText: String?, receivedAt: Date?) throws(Problem) {
        func required(_ value: String?, _ name: String, max: Int) throws(Problem) -> String {
            let v = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !v.isEmpty else { throw .missing(name) }
            guard v.count <= max else { throw .tooLong(name, max) }
            return v
        }
        let sourceText = try required(source, "source", max: 20)
        guard let s = HotlineSource(text: sourceText) else { throw .badSource(sourceText) }
        self.source = s
        let no = try required(orderNo, "orderNo", max: 64)
        guard no.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_/".contains($0)) }) else { throw .badOrderNo }
        self.orderNo = no
        self.content = try required(content, "content", max: 2000)
        self.categoryText = try required(categoryText, "categoryText", max: 60)
        let c = (caller ?? "").trimmingCharacters(in: .whitespaces)
        guard c.count <= 40 else { throw .tooLong("caller", 40) }
        self.caller = c.isEmpty ? "来电群众" : c
        let a = (address ?? "").trimmingCharacters(in: .whitespaces)
        guard a.count <= 120 else { throw .tooLong("address", 120) }
        self.address = a.isEmpty ? nil : a
        let p = (phone ?? "").trimmingCharacters(in: .whitespaces)
        self.phone = p.isEmpty ? nil : p
        self.receivedAt = receivedAt
    }

    /// A title for the case list: the first clause of what the caller said.
    public var title: String {
        let first = content.split(whereSeparator: { "。！？；\n".contains($0) }).first.map(String.init) ?? content
        let t = String(first.prefix(40))
        return t.count >= 2 ? t : categoryText
    }
}

/// When to try a failed callback again: 1, 2, 4 … minutes, at most an hour apart, for ever — an
/// update is never dropped because the other side was down.
public enum CallbackRetry {
    public static func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(max(0, attempts - 1))))
    }
}
