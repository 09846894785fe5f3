/// Hierarchical area codes (网格编码): a parent's code followed by a fixed-width sequence,
/// so a code alone tells its whole ancestry (`430204` 石峰区 → `430204001` 街道 → `430204001002` 社区 …).
public enum AreaCode {
    /// The code of the `sequence`-th child at `level` below `parentCode`.
    public static func child(of parentCode: String, level: AreaLevel, sequence: Int) throws(AreaRuleViolation) -> String {
        let width = level.codeWidth
        let limit = Int(pow10(width))
        guard sequence > 0, sequence < limit else { throw .codeSequenceExhausted(parentCode: parentCode, width: width) }
        let digits = String(sequence)
        return parentCode + String(repeating: "0", count: width - digits.count) + digits
    }

    /// Checks a code typed by an administrator against its level and parent.
    public static func validate(_ code: String, level: AreaLevel, parentCode: String?) throws(AreaRuleViolation) {
        guard !code.isEmpty, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalidCode(code, "编码只能由数字组成") }
        if let parentCode {
            guard code.hasPrefix(parentCode) else { throw .invalidCode(code, "编码必须以上级编码 \(parentCode) 开头") }
            guard code.count == parentCode.count + level.codeWidth else {
                throw .invalidCode(code, "本级编码应在上级编码后增加 \(level.codeWidth) 位数字")
            }
            guard code.dropFirst(parentCode.count).contains(where: { $0 != "0" }) else {
                throw .invalidCode(code, "本级序号不能全为 0")
            }
        } else {
            guard (4...12).contains(code.count) else { throw .invalidCode(code, "顶级编码应为 4–12 位数字（如行政区划代码）") }
        }
    }

    /// The first free sequence number below a parent, given the codes its children already use.
    public static func nextSequence(after siblingCodes: [String], parentCode: String, level: AreaLevel) -> Int {
        let used = siblingCodes.compactMap { code -> Int? in
            guard code.hasPrefix(parentCode), code.count == parentCode.count + level.codeWidth else { return nil }
            return Int(code.dropFirst(parentCode.count))
        }
        return (used.max() ?? 0) + 1
    }

    private static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 10 } }
}
