/// 数据比对: our registry against another agency's list (e.g. police household registration),
/// matched by identity number.
public enum CrossCheck {
    public struct Record: Equatable, Sendable {
        public let idNumber: String
        public let name: String
        public let address: String?
        public init(idNumber: String, name: String, address: String?) { self.idNumber = idNumber; self.name = name; self.address = address }
    }

    public enum Finding: Equatable, Sendable {
        case onlyTheirs(Record)
        case onlyOurs(Record)
        case mismatch(idNumber: String, field: Field, ours: String, theirs: String)
    }

    public enum Field: String, Sendable, Codable {
        case name, address
        public var displayName: String { self == .name ? "姓名" : "地址" }
    }

    /// Theirs missing here, ours missing there, then field differences; each group in ID order.
    /// Addresses are compared loosely (spaces, full-width digits and letters ignored); an address
    /// missing on either side is not a mismatch.
    public static func compare(ours: [Record], theirs: [Record]) -> [Finding] {
        let ourByID = Dictionary(ours.map { ($0.idNumber, $0) }, uniquingKeysWith: { a, _ in a })
        let theirByID = Dictionary(theirs.map { ($0.idNumber, $0) }, uniquingKeysWith: { a, _ in a })
        var findings: [Finding] = []
        for id in theirByID.keys.sorted() where ourByID[id] == nil { findings.append(.onlyTheirs(theirByID[id]!)) }
        for id in ourByID.keys.sorted() where theirByID[id] == nil { findings.append(.onlyOurs(ourByID[id]!)) }
        for id in ourByID.keys.sorted() {
            guard let o = ourByID[id], let t = theirByID[id] else { continue }
            if normalize(o.name) != normalize(t.name) { findings.append(.mismatch(idNumber: id, field: .name, ours: o.name, theirs: t.name)) }
            if let oa = o.address, let ta = t.address, !oa.isEmpty, !ta.isEmpty, normalize(oa) != normalize(ta) {
                findings.append(.mismatch(idNumber: id, field: .address, ours: oa, theirs: ta))
            }
        }
        return findings
    }

    /// Drops whitespace and folds full-width ASCII (０-９, Ａ-Ｚ, －) to half-width.
    public static func normalize(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.compactMap { u -> Unicode.Scalar? in
            if u.properties.isWhitespace || u.value == 0x3000 { return nil }
            if (0xFF01...0xFF5E).contains(u.value) { return Unicode.Scalar(u.value - 0xFEE0) }
            return u
        })).uppercased()
    }
}
