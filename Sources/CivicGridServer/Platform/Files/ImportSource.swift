import Foundation
import GridCore

/// A registry list to import, read as often as needed — checked on upload, checked again and
/// written on confirmation — a batch of rows at a time, never all rows at once: a CSV streams from
/// memory or from disk in 1 MB reads; an XLSX (at most 1,048,576 rows by the format) is parsed whole.
struct ImportSource: Sendable {
    enum Storage: Sendable {
        case csv([UInt8])
        case csvFile(String)
        case table([[String]])
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// The uploaded bytes; the format is sniffed (a ZIP is XLSX), not trusted from the name.
    init(bytes: [UInt8]) throws {
        if Spreadsheet.isXLSX(bytes) || Spreadsheet.isLegacyXLS(bytes) { storage = .table(try Spreadsheet.read(bytes)) } else { storage = .csv(bytes) }
    }

    /// A file on disk: a CSV is read as it is consumed.
    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Spreadsheet.Problem(description: "无法读取文件 \(path)") }
        let head = Array(handle.readData(ofLength: 4))
        try? handle.close()
        if Spreadsheet.isXLSX(head) || Spreadsheet.isLegacyXLS(head) {
            storage = .table(try Spreadsheet.read(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        } else {
            storage = .csvFile(path)
        }
    }

    /// The same CSV read as GB 18030 (Excel on a Chinese Windows saves "CSV" as GBK), re-encoded as UTF-8.
    func decodedAsGB18030() throws -> ImportSource {
        let bytes: [UInt8]
        switch storage {
        case .csv(let b): bytes = b
        case .csvFile(let path): bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        case .table: return self
        }
        guard !bytes.contains(0), let text = LegacyText.decodeGB18030(bytes) else {
            throw Spreadsheet.Problem(description: CSVTable.Problem.notText.description)
        }
        return ImportSource(storage: .csv(Array(text.utf8)))
    }

    /// The first rows as a table (header included): the preview on the job page.
    func prefix(_ count: Int) throws -> [[String]] {
        do {
            let reader = try makeReader()
            guard let header = reader.header else { return [] }
            return [header] + (try reader.next(count - 1)).map(\.cells)
        } catch CSVTable.Problem.notUTF8 {
            return try decodedAsGB18030().prefix(count)
        }
    }

    func makeReader() throws -> Reader { try Reader(storage) }

    /// Rows in order, numbered as the spreadsheet numbers them (the header is row 1).
    final class Reader {
        private(set) var header: [String]?
        private var storage: Storage
        private var csv = CSVReader()
        private var offset = 0
        private var handle: FileHandle?
        private var finished = false
        private var buffered: [[String]] = []
        private var bufferStart = 0
        private var rowNumber = 1

        static let chunkSize = 1 << 20

        fileprivate init(_ storage: Storage) throws {
            self.storage = storage
            if case .csvFile(let path) = storage {
                guard let handle = FileHandle(forReadingAtPath: path) else { throw Spreadsheet.Problem(description: "无法读取文件") }
                self.handle = handle
            }
            header = try next(1, header: true).first?.cells
        }

        deinit { try? handle?.close() }

        /// Up to `max` rows; none at the end of the file.
        func next(_ max: Int) throws -> [(row: Int, cells: [String])] {
            try next(max, header: false)
        }

        private func next(_ max: Int, header: Bool) throws -> [(row: Int, cells: [String])] {
            var out: [(row: Int, cells: [String])] = []
            out.reserveCapacity(min(max, 10_000))
            func take() {
                while out.count < max, bufferStart < buffered.count {
                    out.append((header ? 1 : rowNumber + 1, buffered[bufferStart]))
                    if !header { rowNumber += 1 }
                    bufferStart += 1
                }
                if bufferStart == buffered.count { buffered.removeAll(keepingCapacity: true); bufferStart = 0 }
            }
            take()
            while out.count < max, !finished {
                try fill()
                take()
            }
            return out
        }

        /// Reads the next piece of the file into `buffered`.
        private func fill() throws {
            do {
                switch storage {
                case .table(let rows):
                    buffered = rows; finished = true
                    storage = .table([])
                case .csv(let bytes):
                    if offset < bytes.count {
                        let end = min(offset + Self.chunkSize, bytes.count)
                        try csv.feed(bytes[offset..<end]) { buffered.append($0) }
                        offset = end
                    } else {
                        try csv.finish { buffered.append($0) }
                        finished = true
                    }
                case .csvFile:
                    let data = handle!.readData(ofLength: Self.chunkSize)
                    if data.isEmpty {
                        try csv.finish { buffered.append($0) }
                        finished = true
                    } else {
                        try data.withUnsafeBytes { bytes in try csv.feed(bytes) { buffered.append($0) } }
                    }
                }
            } catch let problem as CSVTable.Problem {
                if problem == .notUTF8 { throw problem }  // the caller retries as GB 18030
                throw Spreadsheet.Problem(description: problem.description)
            }
        }
    }
}
