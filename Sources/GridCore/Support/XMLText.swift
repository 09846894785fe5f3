/// Text and attribute values for XML 1.0 (Open311 XML, XLSX parts, SVG charts): the five special
/// characters escaped, and the control characters XML 1.0 cannot carry (all below U+0020 but tab,
/// LF and CR) dropped rather than producing an invalid document.
public enum XMLText {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case let c where c.value < 0x20 && c != "\n" && c != "\r" && c != "\t": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
