import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GridCore
import ZIPFoundation

/// Reads and writes the spreadsheets clerks exchange: CSV (UTF-8) and XLSX (Office Open XML, the
/// first worksheet; shared and inline strings, numbers as written). No formulas are evaluated.
enum Spreadsheet {
    enum Format: String, Sendable {
        case csv, xlsx
        var contentType: String {
            self == .csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        init?(fileName: String) {
            let lower = fileName.lowercased()
            if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { self = .csv } else if lower.hasSuffix(".xlsx") { self = .xlsx } else { return nil }
        }
    }

    struct Problem: Error, CustomStringConvertible { let description: String }

    /// Rows of the file; the format is sniffed from the bytes (a ZIP is XLSX), not trusted from the name.
    static func read(_ bytes: [UInt8]) throws -> [[String]] {
        if isXLSX(bytes) { return try readXLSX(Data(bytes)) }
        if isLegacyXLS(bytes) { throw Problem(description: "不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 或 CSV UTF-8") }
        do { return try CSVTable(bytes: bytes).rows } catch { throw Problem(description: String(describing: error)) }
    }

    /// A ZIP container: Office Open XML.
    static func isXLSX(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }
    /// An OLE compound file: the old binary .xls.
    static func isLegacyXLS(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) }

    static func write(_ rows: [[String]], as format: Format) throws -> Data {
        switch format {
        case .csv: Data(CSVTable(rows: rows).csv.utf8)
        case .xlsx: try writeXLSX(rows)
        }
    }

    // MARK: XLSX

    static func readXLSX(_ data: Data) throws -> [[String]] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw Problem(description: "XLSX 文件已损坏，无法打开") }
        func entry(_ path: String) throws -> Data? {
            guard let e = archive[path] else { return nil }
            var out = Data()
            _ = try archive.extract(e, skipCRC32: false) { out.append($0) }
            return out
        }
        guard let workbook = try entry("xl/workbook.xml") else { throw Problem(description: "不是 Excel 工作簿（缺少 xl/workbook.xml）") }
        // The first sheet's part: workbook → r:id → relationship target.
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let rid = XMLScan.firstAttribute(in: workbook, element: "sheet", attribute: "r:id"),
           let rels = try entry("xl/_rels/workbook.xml.rels"),
           let target = XMLScan.relationshipTarget(in: rels, id: rid) {
            sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        guard let sheet = try entry(sheetPath) else { throw Problem(description: "工作簿中没有工作表") }
        let shared = try entry("xl/sharedStrings.xml").map(XMLScan.sharedStrings) ?? []
        return XMLScan.sheetRows(sheet, shared: shared)
    }

    static func writeXLSX(_ rows: [[String]]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """)
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
            """)
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (r, row) in rows.enumerated() {
            sheet += "<row r=\"\(r + 1)\">"
            for (c, value) in row.enumerated() where !value.isEmpty {
                // Every cell is text, so ID numbers keep all 18 digits.
                sheet += "<c r=\"\(columnName(c))\(r + 1)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(XMLScan.escape(value))</t></is></c>"
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        try add("xl/worksheets/sheet1.xml", sheet)
        guard let data = archive.data else { throw Problem(description: "无法生成 XLSX") }
        return data
    }

    /// 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 { let r = (n - 1) % 26; name = String(UnicodeScalar(65 + r)!) + name; n = (n - 1) / 26 }
        return name
    }

    static func columnIndex(ofCell reference: String) -> Int? {
        var n = 0, seen = false
        for u in reference.unicodeScalars {
            guard (65...90).contains(u.value) else { break }
            n = n * 26 + Int(u.value - 64); seen = true
        }
        return seen ? n - 1 : nil
    }
}

/// Small event-driven readers for the three XLSX parts we need.
private final class XMLScan: NSObject, XMLParserDelegate {
    static func escape(_ s: String) -> String { XMLText.escape(s) }

    private var onStart: (String, [String: String]) -> Void = { _, _ in }
    private var onEnd: (String) -> Void = { _ in }
    private var onText: (String) -> Void = { _ in }

    private func run(_ data: Data) {
        let parser = XMLParser(data: data)
        parser.delegate = self
        parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        onStart(name, attributes)
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { onEnd(name) }
    func parser(_ parser: XMLParser, foundCharacters string: String) { onText(string) }

    static func firstAttribute(in data: Data, element: String, attribute: String) -> String? {
        let scan = XMLScan()
        var found: String?
        scan.onStart = { name, attrs in if found == nil, name == element { found = attrs[attribute] } }
        scan.run(data)
        return found
    }

    static func relationshipTarget(in data: Data, id: String) -> String? {
        let scan = XMLScan()
        var found: String?
        scan.onStart = { name, attrs in if name == "Relationship", attrs["Id"] == id { found = attrs["Target"] } }
        scan.run(data)
        return found
    }

    static func sharedStrings(_ data: Data) -> [String] {
        let scan = XMLScan()
        var strings: [String] = [], current = "", inT = false, inRPh = false
        scan.onStart = { name, _ in
            switch name { case "si": current = ""; case "t": inT = true; case "rPh": inRPh = true; default: break }
        }
        scan.onEnd = { name in
            switch name { case "si": strings.append(current); case "t": inT = false; case "rPh": inRPh = false; default: break }
        }
        scan.onText = { if inT && !inRPh { current += $0 } }
        scan.run(data)
        return strings
    }

    static func sheetRows(_ data: Data, shared: [String]) -> [[String]] {
        let scan = XMLScan()
        var rows: [[String]] = [], row: [String] = []
        var column = 0, type = "", value = "", capture = false
        scan.onStart = { name, attrs in
            switch name {
            case "row": row = []
            case "c":
                column = attrs["r"].flatMap(Spreadsheet.columnIndex(ofCell:)) ?? row.count
                type = attrs["t"] ?? ""; value = ""
            case "v", "t": capture = true
            default: break
            }
        }
        scan.onText = { if capture { value += $0 } }
        scan.onEnd = { name in
            switch name {
            case "v", "t": capture = false
            case "c":
                var text = value
                if type == "s", let i = Int(value), i < shared.count { text = shared[i] }
                if type == "b" { text = value == "1" ? "TRUE" : "FALSE" }
                if type.isEmpty || type == "n", let d = Double(value), d == d.rounded(), abs(d) < 1e15 { text = String(Int(d)) }
                while row.count < column { row.append("") }
                if row.count == column { row.append(text) } else if column < row.count { row[column] = text }
            case "row": rows.append(row)
            default: break
            }
        }
        scan.run(data)
        return rows
    }
}
