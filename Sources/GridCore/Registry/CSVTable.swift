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
        do {
            self.init(rows: try CSVReader.rows(bytes))
        } catch Problem.notUTF8 {
            // Not UTF-8: Excel on a Chinese Windows saves "CSV" as GBK. Binary data (NUL bytes) is not text at all.
            guard !bytes.contains(0), let text = LegacyText.decodeGB18030(bytes) else { throw .notText }
            try self.init(parsing: text)
            encoding = "GBK"
        } catch {
            throw error as! Problem
        }
    }

    public init(parsing text: String) throws(Problem) {
        do { self.init(rows: try CSVReader.rows(text.utf8)) } catch { throw error as! Problem }
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
/// Reads CSV (RFC 4180) a piece at a time: bytes go in as they arrive (a whole file, or 1 MB reads
/// of one), complete rows come out, so a million-row file never has to be held as rows. The rules
/// are `CSVTable`'s: quoted fields, doubled quotes, CR/LF or LF line ends, a UTF-8 byte-order mark
/// skipped, blank lines dropped. Every field must be UTF-8 (`Problem.notUTF8` otherwise).
/// Hand-written on purpose: the listed CSV packages (SwiftCSV, CSV.swift) read a whole string or a
/// pull stream, not bytes pushed as they arrive, and the import's memory bound depends on that.
public struct CSVReader: Sendable {
    private var field: [UInt8] = []
    private var row: [String] = []
    private var inQuotes = false, fieldStarted = false
    /// A `"` inside quotes: the next byte says whether it was an escaped quote or the closing one.
    private var quoteInQuotes = false
    /// A CR ended the row: a LF right after it belongs to the same line end.
    private var afterCR = false
    private var started = false
    private var bom: [UInt8] = []
    private var line = 1, quoteLine = 1

    public init() { field.reserveCapacity(64) }

    /// Reads `bytes`, handing each complete row to `emit`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: ([String]) throws -> Void) throws {
        var index = 0
        if !started {
            // The byte-order mark may arrive split across reads: hold up to three bytes until it is settled.
            while index < bytes.count, bom.count < 3, [0xEF, 0xBB, 0xBF].starts(with: bom + [bytes[index]]) {
                bom.append(bytes[index]); index += 1
            }
            if bom.count < 3, index == bytes.count { return }
            started = true
            if bom.count < 3 {
                let held = bom
                bom = []
                try held.withUnsafeBytes { try feedBody($0, emit) }
            }
        }
        try feedBody(UnsafeRawBufferPointer(rebasing: bytes[index...]), emit)
    }

    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ emit: ([String]) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, emit) }
    }

    private mutating func feedBody(_ bytes: UnsafeRawBufferPointer, _ emit: ([String]) throws -> Void) throws {
        for byte in bytes {
            if quoteInQuotes {
                quoteInQuotes = false
                if byte == UInt8(ascii: "\"") { field.append(byte); continue }
                inQuotes = false  // the quote closed the field; this byte is read normally below
            } else if inQuotes {
                if byte == UInt8(ascii: "\"") { quoteInQuotes = true; continue }
                if byte == UInt8(ascii: "\n") { line += 1 }
                field.append(byte)
                continue
            }
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\""):
                if !fieldStarted || field.isEmpty { inQuotes = true; fieldStarted = true; quoteLine = line } else { field.append(byte) }
            case UInt8(ascii: ","):
                try endField()
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                try endField()
                try endRow(emit)
                line += 1
                afterCR = byte == UInt8(ascii: "\r")
            default:
                field.append(byte); fieldStarted = true
            }
        }
    }

    /// The end of the input: the last row (without a line end), or an unterminated quote.
    public mutating func finish(_ emit: ([String]) throws -> Void) throws {
        if !started, !bom.isEmpty {
            started = true
            let held = bom
            bom = []
            try held.withUnsafeBytes { try feedBody($0, emit) }
        }
        if quoteInQuotes { quoteInQuotes = false; inQuotes = false }
        if inQuotes { throw CSVTable.Problem.unterminatedQuote(line: quoteLine) }
        if fieldStarted || !field.isEmpty || !row.isEmpty {
            try endField()
            try endRow(emit)
        }
    }

    private mutating func endField() throws {
        guard let text = String(validating: field, as: UTF8.self) else { throw CSVTable.Problem.notUTF8 }
        row.append(text)
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
    }

    private mutating func endRow(_ emit: ([String]) throws -> Void) throws {
        let done = row
        row = []
        row.reserveCapacity(done.count)
        if done.count == 1, done[0].isEmpty { return }  // a blank line (Excel leaves them at the end) is not a row
        try emit(done)
    }

    /// Every row of `bytes` (UTF-8).
    public static func rows(_ bytes: some Collection<UInt8>) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [[String]] = []
        try reader.feed(ArraySlice(bytes)) { rows.append($0) }
        try reader.finish { rows.append($0) }
        return rows
    }
}
