/// Column-driven validation of registry imports (CSV or XLSX). Every problem is reported with the
/// spreadsheet row number (the header is row 1), the column and a reason, so that a clerk can fix the
/// file; the server writes nothing unless the whole file is valid.
public struct ImportIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public let row: Int
    public let column: String
    public let reason: String
    public init(row: Int, column: String, reason: String) { self.row = row; self.column = column; self.reason = reason }
    public var description: String { "第 \(row) 行「\(column)」：\(reason)" }
}

/// A validated cell value.
public enum ImportValue: Equatable, Sendable {
    case text(String)
    case int(Int)
    case number(Double)
    case identity(IdentityNumber)
    case phone(String)
    case creditCode(CreditCode)
    case term(String)  // raw value of a RegistryTerm

    public var text: String? {
        switch self {
        case .text(let s), .phone(let s), .term(let s): s
        case .int(let i): String(i)
        case .number(let d): String(d)
        case .identity(let id): id.value
        case .creditCode(let c): c.value
        }
    }
}

public struct ImportColumn: Sendable {
    public let key: String
    public let header: String
    public let aliases: [String]
    public let required: Bool
    public let hint: String
    let parse: @Sendable (String) -> Result<ImportValue, ImportProblem>

    public init(_ key: String, _ header: String, aliases: [String] = [], required: Bool = false, hint: String = "",
                parse: @escaping @Sendable (String) -> Result<ImportValue, ImportProblem>) {
        self.key = key; self.header = header; self.aliases = aliases; self.required = required; self.hint = hint; self.parse = parse
    }

    public struct ImportProblem: Error { public let reason: String; public init(_ reason: String) { self.reason = reason } }

    static func text(_ key: String, _ header: String, aliases: [String] = [], required: Bool = false, maxLength: Int = 100) -> ImportColumn {
        ImportColumn(key, header, aliases: aliases, required: required) { s in
            s.count <= maxLength ? .success(.text(s)) : .failure(.init("不能超过 \(maxLength) 个字"))
        }
    }

    static func int(_ key: String, _ header: String, required: Bool = false, range: ClosedRange<Int>) -> ImportColumn {
        ImportColumn(key, header, required: required, hint: "\(range.lowerBound)–\(range.upperBound) 的整数") { s in
            guard let v = Int(s), range.contains(v) else { return .failure(.init("应为 \(range.lowerBound)–\(range.upperBound) 的整数")) }
            return .success(.int(v))
        }
    }

    static func number(_ key: String, _ header: String, aliases: [String] = [], required: Bool = false, range: ClosedRange<Double>) -> ImportColumn {
        ImportColumn(key, header, aliases: aliases, required: required) { s in
            guard let v = Double(s), range.contains(v) else { return .failure(.init("应为 \(range.lowerBound)–\(range.upperBound) 之间的数")) }
            return .success(.number(v))
        }
    }

    static func term<T: RegistryTerm>(_ key: String, _ header: String, _ type: T.Type, required: Bool = false) -> ImportColumn {
        ImportColumn(key, header, required: required, hint: T.choices) { s in
            guard let v = T(text: s) else { return .failure(.init("应为以下之一：\(T.choices)")) }
            return .success(.term(v.rawValue))
        }
    }

    static func identity(_ key: String, _ header: String, aliases: [String] = [], required: Bool = false) -> ImportColumn {
        ImportColumn(key, header, aliases: aliases, required: required, hint: "18 位，末位可为 X") { s in
            if s.contains("E+") || s.contains("e+") { return .failure(.init("被表格软件当成了数字（\(s)），请把该列设为文本后重新填写")) }
            do { return .success(.identity(try IdentityNumber(s))) } catch { return .failure(.init(String(describing: error))) }
        }
    }

    static func phone(_ key: String, _ header: String, aliases: [String] = [], required: Bool = false) -> ImportColumn {
        ImportColumn(key, header, aliases: aliases, required: required, hint: "11 位手机或带区号固话") { s in
            guard let p = PhoneNumber.normalize(s) else { return .failure(.init("不是有效的手机号或固定电话")) }
            return .success(.phone(p))
        }
    }

    static func creditCode(_ key: String, _ header: String, required: Bool = false) -> ImportColumn {
        ImportColumn(key, header, aliases: ["信用代码"], required: required, hint: "18 位") { s in
            do { return .success(.creditCode(try CreditCode(s))) } catch { return .failure(.init(String(describing: error))) }
        }
    }
}

public struct ImportRow: Equatable, Sendable {
    /// Spreadsheet row number (header = 1).
    public let row: Int
    public let values: [String: ImportValue]
    public init(row: Int, values: [String: ImportValue]) { self.row = row; self.values = values }

    public subscript(key: String) -> ImportValue? { values[key] }
    public func text(_ key: String) -> String? { values[key]?.text }
}

/// What can be imported, with its columns (the template's header row).
public enum ImportKind: String, CaseIterable, Sendable, Codable {
    case people, buildings, houses, organizations, components

    public var displayName: String {
        switch self { case .people: "人口"; case .buildings: "楼栋"; case .houses: "房屋"; case .organizations: "单位组织"; case .components: "城市部件" }
    }

    /// Lists naming people (residents; an organisation's contact person): exported only with a stated purpose, logged.
    public var holdsPersonalData: Bool { self == .people || self == .organizations }

    /// Columns that identify a row: the same key twice in one file is refused.
    public var uniqueKey: [String] {
        switch self {
        case .people: ["idNumber"]
        case .buildings: ["gridCode", "name"]
        case .houses: ["gridCode", "building", "number"]
        case .organizations: ["creditCode"]
        case .components: ["code"]
        }
    }

    public var columns: [ImportColumn] {
        let grid = ImportColumn.text("gridCode", "网格编码", aliases: ["网格代码"], required: true, maxLength: 20)
        switch self {
        case .people:
            return [grid,
                    .text("name", "姓名", required: true, maxLength: 40),
                    .identity("idNumber", "身份证号", aliases: ["公民身份号码", "证件号码"], required: true),
                    .phone("phone", "联系电话", aliases: ["手机号", "电话"]),
                    .term("kind", "人口类型", PersonKind.self, required: true),
                    .text("householdNumber", "户号", maxLength: 30),
                    .term("relation", "与户主关系", HouseholdRelation.self),
                    .text("building", "楼栋", maxLength: 40),
                    .text("house", "房号", maxLength: 20),
                    .text("employment", "工作单位或就业情况", aliases: ["就业情况"], maxLength: 80),
                    .text("tags", "标签", maxLength: 100)]
        case .buildings:
            return [grid,
                    .text("name", "楼栋名称", required: true, maxLength: 40),
                    .text("address", "地址", required: true, maxLength: 120),
                    .number("longitude", "经度", range: 73...136),
                    .number("latitude", "纬度", range: 3...54),
                    .int("floors", "层数", required: true, range: 1...200),
                    .int("units", "单元数", range: 1...50)]
        case .houses:
            return [grid,
                    .text("building", "楼栋", required: true, maxLength: 40),
                    .text("number", "房号", required: true, maxLength: 20),
                    .number("areaSquareMetres", "面积（㎡）", aliases: ["面积"], range: 1...100_000),
                    .term("use", "用途", HouseUse.self, required: true),
                    .term("ownership", "产权性质", Ownership.self),
                    .term("occupancy", "居住状态", Occupancy.self, required: true)]
        case .organizations:
            return [grid,
                    .text("name", "单位名称", aliases: ["名称"], required: true, maxLength: 80),
                    .term("kind", "类型", OrganizationKind.self, required: true),
                    .creditCode("creditCode", "统一社会信用代码", required: true),
                    .text("address", "地址", required: true, maxLength: 120),
                    .text("contactName", "联系人", maxLength: 40),
                    .phone("contactPhone", "联系电话"),
                    .int("employees", "从业人数", range: 0...1_000_000)]
        case .components:
            return [grid,
                    .term("kind", "部件类型", ComponentKind.self, required: true),
                    .text("code", "部件编号", required: true, maxLength: 40),
                    .number("longitude", "经度", required: true, range: 73...136),
                    .number("latitude", "纬度", required: true, range: 3...54),
                    .term("state", "状态", ComponentState.self),
                    .text("note", "备注", maxLength: 200)]
        }
    }

    public var templateHeader: [String] { columns.map(\.header) }
}

public enum RegistryImport {
    public struct Outcome: Sendable {
        public var rows: [ImportRow] = []
        public var issues: [ImportIssue] = []
        public var isValid: Bool { issues.isEmpty }
    }

    /// Validates a table (header first). Stops collecting after `maxIssues` problems.
    public static func validate(_ table: [[String]], kind: ImportKind, maxIssues: Int = 200) -> Outcome {
        var validator = Validator(header: table.first, kind: kind, maxIssues: maxIssues)
        var outcome = Outcome()
        if validator.acceptsRows {
            for (offset, cells) in table.dropFirst().enumerated() {
                if let row = validator.check(cells, row: offset + 2) { outcome.rows.append(row) }
                if validator.isFull { break }
            }
        }
        validator.finish()
        outcome.issues = validator.issues
        return outcome
    }

    /// Checks a file a row at a time, keeping only what later rows are compared with (the unique
    /// keys seen, compactly) and the problems found: a million-row file is validated in a few MB.
    public struct Validator: Sendable {
        public let kind: ImportKind
        public let maxIssues: Int
        public private(set) var issues: [ImportIssue] = []
        /// Data rows read (rows of empty cells not counted).
        public private(set) var rowsRead = 0
        private var anyRow = false
        private let columns: [ImportColumn]
        private var positions: [Int?] = []
        private let uniqueHeader: String
        private var seenIdentities: [UInt64: Int32] = [:]
        private var seenKeys: [String: Int] = [:]

        /// Whether rows are compared for duplicates (a second read of an already checked file, backed
        /// by the database's unique indexes, can skip it and the memory it takes).
        private let tracksDuplicates: Bool

        /// `header` is the file's first row (nil for an empty file).
        public init(header: [String]?, kind: ImportKind, maxIssues: Int = 200, tracksDuplicates: Bool = true) {
            self.kind = kind
            self.maxIssues = maxIssues
            self.tracksDuplicates = tracksDuplicates
            columns = kind.columns
            uniqueHeader = columns.first { $0.key == kind.uniqueKey.last! }!.header
            guard let header else {
                issues.append(ImportIssue(row: 1, column: "表头", reason: "文件是空的")); return
            }
            let names = header.map { $0.trimmedSpaces }
            for column in columns {
                let i = names.firstIndex { $0 == column.header || column.aliases.contains($0) || $0 == column.key }
                if i == nil, column.required { issues.append(ImportIssue(row: 1, column: column.header, reason: "缺少必填列")) }
                positions.append(i)
            }
        }

        /// False when the header already failed: the rows cannot be read.
        public var acceptsRows: Bool { issues.isEmpty || (issues.first!.row > 1) }
        public var isFull: Bool { issues.count >= maxIssues }

        /// Checks one data row (`row` is its spreadsheet row number); the typed row when it is good.
        public mutating func check(_ cells: [String], row rowNumber: Int) -> ImportRow? {
            guard acceptsRows, !isFull else { return nil }
            anyRow = true
            if cells.allSatisfy({ $0.trimmedWhitespace.isEmpty }) { return nil }  // a row of empty cells is skipped
            rowsRead += 1
            var values: [String: ImportValue] = [:]
            values.reserveCapacity(columns.count)
            var rowOK = true
            for (column, position) in zip(columns, positions) {
                let raw = position.flatMap { $0 < cells.count ? cells[$0] : nil }?.trimmedWhitespace ?? ""
                if raw.isEmpty {
                    if column.required { issues.append(ImportIssue(row: rowNumber, column: column.header, reason: "必填")); rowOK = false }
                    continue
                }
                switch column.parse(raw) {
                case .success(let v): values[column.key] = v
                case .failure(let p): issues.append(ImportIssue(row: rowNumber, column: column.header, reason: p.reason)); rowOK = false
                }
            }
            guard rowOK else { return nil }
            if tracksDuplicates, let first = firstRow(withKeyOf: values, at: rowNumber) {
                issues.append(ImportIssue(row: rowNumber, column: uniqueHeader, reason: "与第 \(first) 行重复"))
                return nil
            }
            return ImportRow(row: rowNumber, values: values)
        }

        /// Records a problem found outside the cells (by the server: grid codes, numbers already registered).
        public mutating func report(_ issue: ImportIssue) {
            guard !isFull else { return }
            issues.append(issue)
        }

        /// After the last row: a file with a header and nothing else is refused.
        public mutating func finish() {
            if acceptsRows, !anyRow, issues.isEmpty { issues.append(ImportIssue(row: 2, column: "—", reason: "没有数据行")) }
        }

        /// The row that already had this unique key, or nil (and the key is remembered). An identity
        /// number is kept as one 64-bit integer (17 digits and the check character), exactly.
        private mutating func firstRow(withKeyOf values: [String: ImportValue], at rowNumber: Int) -> Int? {
            let key = kind.uniqueKey
            if key.count == 1, case .identity(let id)? = values[key[0]], let packed = id.packed {
                if let first = seenIdentities[packed] { return Int(first) }
                seenIdentities[packed] = Int32(truncatingIfNeeded: rowNumber)
                return nil
            }
            let text = key.map { values[$0]?.text ?? "" }.joined(separator: "\u{1F}")
            if let first = seenKeys[text] { return first }
            seenKeys[text] = rowNumber
            return nil
        }
    }
}

extension IdentityNumber {
    /// The number as one integer: the 17 digits × 11 + the check character's position; nil if not 18 ASCII characters.
    public var packed: UInt64? {
        var n: UInt64 = 0, i = 0
        for b in value.utf8 {
            if i == 17 { return n * 11 + UInt64(b == UInt8(ascii: "X") ? 10 : UInt64(b &- 0x30)) }
            guard b >= 0x30, b <= 0x39 else { return nil }
            n = n * 10 + UInt64(b - 0x30); i += 1
        }
        return nil
    }
}

extension String {
    /// Without leading and trailing white space (Unicode White_Space, which includes the full-width
    /// space and line ends); returns `self` untouched in the usual case of nothing to trim.
    var trimmedWhitespace: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        guard first.properties.isWhitespace || last.properties.isWhitespace else { return self }
        let scalars = unicodeScalars.drop { $0.properties.isWhitespace }
        let kept = scalars.reversed().drop { $0.properties.isWhitespace }.reversed()
        var out = String.UnicodeScalarView()
        out.append(contentsOf: kept)
        return String(out)
    }

    /// Without leading and trailing spaces and tabs (header names).
    var trimmedSpaces: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace && s != "\n" && s != "\r" }
        guard isSpace(first) || isSpace(last) else { return self }
        let kept = unicodeScalars.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        var out = String.UnicodeScalarView()
        out.append(contentsOf: kept)
        return String(out)
    }
}
