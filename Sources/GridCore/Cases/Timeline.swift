import Crypto
import Foundation

/// One step of a case's trace (全面留痕), as hashed. Rows are only ever appended.
public struct TimelineRecord: Sendable, Equatable {
    public let caseCode: String
    public let seq: Int
    /// Whole seconds, so the value survives every database round trip unchanged.
    public let at: Date
    public let actorID: String
    public let actorName: String
    public let role: String
    public let level: String
    public let action: String
    public let fromStatus: String
    public let toStatus: String
    public let comment: String
    public let attachments: [String]

    public init(caseCode: String, seq: Int, at: Date, actorID: String, actorName: String, role: String, level: String,
                action: String, fromStatus: String, toStatus: String, comment: String, attachments: [String] = []) {
        self.caseCode = caseCode
        self.seq = seq
        self.at = Date(timeIntervalSince1970: at.timeIntervalSince1970.rounded(.down))
        self.actorID = actorID
        self.actorName = actorName
        self.role = role
        self.level = level
        self.action = action
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.comment = comment
        self.attachments = attachments
    }

    /// The fields in a fixed order, separated by a character no field may contain.
    var canonical: String {
        [caseCode, String(seq), String(Int64(at.timeIntervalSince1970)), actorID, actorName, role, level, action,
         fromStatus, toStatus, comment, attachments.joined(separator: ",")]
            .map { $0.utf8.contains(0x1F) ? $0.replacingOccurrences(of: "\u{1F}", with: " ") : $0 }.joined(separator: "\u{1F}")
    }
}

/// Hash chain over a case's timeline: each entry's hash covers its fields and the previous hash,
/// so changing, removing or reordering any row breaks every hash after it.
public enum TimelineChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(_ record: TimelineRecord, previous: String) -> String {
        let digest = SHA256.hash(data: Data((previous + "\u{1E}" + record.canonical).utf8))
        return digest.withUnsafeBytes { Hex.lowercase($0) }
    }

    public struct Break: Equatable, Sendable, CustomStringConvertible {
        public let caseCode: String
        public let seq: Int
        public let why: String
        public var description: String { "\(caseCode) 第 \(seq) 条：\(why)" }
        public init(caseCode: String, seq: Int, why: String) { self.caseCode = caseCode; self.seq = seq; self.why = why }
    }

    /// Checks one case's rows (any order); returns the first broken link, or nil when intact.
    public static func verify(_ rows: [(record: TimelineRecord, previousHash: String, hash: String)]) -> Break? {
        let sorted = rows.sorted { $0.record.seq < $1.record.seq }
        var previous = genesis
        for (index, row) in sorted.enumerated() {
            let code = row.record.caseCode
            guard row.record.seq == index + 1 else { return Break(caseCode: code, seq: row.record.seq, why: "序号不连续（应为 \(index + 1)）") }
            guard row.previousHash == previous else { return Break(caseCode: code, seq: row.record.seq, why: "前一条哈希不匹配") }
            guard hash(row.record, previous: previous) == row.hash else { return Break(caseCode: code, seq: row.record.seq, why: "内容与哈希不符，记录被改动") }
            previous = row.hash
        }
        return nil
    }
}
