/// A table read from or written to CSV (RFC 4180: quoted fields, doubled quotes, CR/LF or LF line
/// ends, a UTF-8 byte-order mark tolerated). Rows are arrays of cells; the first row is the header.
public struct CSVTable: Equatable, Sendable {
    public var rows: [[String]]

    public init(rows: [[String]]) { self.rows = rows }

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case notUTF8
        case notText
        public var description: String {
            switch self {
            case .unterminatedQuote(let line): "CSV 第 \(line) 行的引号没有闭合"
            case .notUTF8: "文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或上传 XLSX"
            case .notText: "文件既不是 UTF-8 也不是 GBK 编码的文本，无法读取：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或上传 XLSX"
            }
        }
    }

    /// How the bytes were read: UTF-8 (with or without a BOM), or GBK/GB 18030 from Chinese Excel.
    public private(set) var encoding = "UTF-8"

    public init(bytes: [UInt8]) throws(Problem) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) {
            try self.init(parsing: text)
            return
        }
        // Not UTF-8: Excel on a Chinese Windows saves "CSV" as GBK. Binary data (NUL bytes) is not text at all.
        guard !body.contains(0), let text = LegacyText.decodeGB18030(Array(body)) else { throw .notText }
        try self.init(parsing: text)
        encoding = "GBK"
    }

    public init(parsing text: String) throws(Problem) {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false, fieldStarted = false
        var line = 1, quoteLine = 1
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !fieldStarted || field.isEmpty:
                inQuotes = true; fieldStarted = true; quoteLine = line
            case ",":
                row.append(field); field = ""; fieldStarted = false
            case "\r":
                if let n = next(), n != "\n" { pending = n }
                fallthrough
            case "\n":
                row.append(field); field = ""; fieldStarted = false
                rows.append(row); row = []
                line += 1
            default:
                field.unicodeScalars.append(c); fieldStarted = true
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine) }
        if fieldStarted || !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        // Blank lines (Excel leaves them at the end) are not rows.
        self.rows = rows.filter { !($0.count == 1 && $0[0].isEmpty) }
    }

    /// CSV text with CRLF line ends and a UTF-8 BOM, so that Excel opens Chinese correctly.
    public var csv: String {
        "\u{FEFF}" + rows.map { $0.map(Self.quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        // A leading = + - @ would make a spreadsheet run it as a formula: prefix with a quote.
        var f = field
        if let first = f.first, "=+-@".contains(first), Double(f) == nil { f = "'" + f }
        guard f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return f }
        return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
