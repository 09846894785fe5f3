import Foundation

/// A message an operator copies from a WeChat group (or the text of a video-patrol alert) to turn
/// into a case: `[时间] 昵称：内容` or `昵称: 内容`, possibly over several lines.
public struct PastedMessage: Equatable, Sendable {
    public let sender: String?
    public let body: String
    /// The first sentence of the body, at most 40 characters: a title for the case list.
    public let title: String

    public init?(_ text: String) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard var first = lines.first else { return nil }
        // A leading time stamp: "[11-22 10:01]", "【10:01】" or "2026-11-22 10:01".
        if let r = first.range(of: #"^[\[【][^\]】]{1,25}[\]】]\s*"#, options: .regularExpression) { first.removeSubrange(r) }
        else if let r = first.range(of: #"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s+"#, options: .regularExpression) { first.removeSubrange(r) }
        var sender: String?
        // The first colon that is not inside a time ("10:30").
        let chars = Array(first)
        let colonOffset = chars.indices.first { i in
            (chars[i] == "：" || chars[i] == ":") && !(i > 0 && i + 1 < chars.count && chars[i - 1].isNumber && chars[i + 1].isNumber)
        }
        if let offset = colonOffset, case let colon = first.index(first.startIndex, offsetBy: offset), (1...20).contains(first.distance(from: first.startIndex, to: colon)),
           !first[..<colon].contains(where: { $0.isWhitespace && $0 != " " }) {
            let name = first[..<colon].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, !name.allSatisfy({ $0.isNumber || $0 == " " }) {
                sender = name
                first = String(first[first.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        let body = ([first] + lines.dropFirst()).filter { !$0.isEmpty }.joined(separator: "\n")
        guard !body.isEmpty else { return nil }
        self.sender = sender
        self.body = String(body.prefix(2000))
        let sentence = body.split(whereSeparator: { "。！？!?\n".contains($0) }).first.map(String.init) ?? body
        title = String(sentence.trimmingCharacters(in: .whitespaces).prefix(40))
    }
}
