import XCTest
@testable import GridCore

final class IdentityNumberTests: XCTestCase {
    func testValidNumberYieldsBirthDateGenderAndMask() throws {
        let id = try IdentityNumber("11010519491231002X")
        XCTAssertEqual(id.birthDate, LocalDate(year: 1949, month: 12, day: 31))
        XCTAssertEqual(id.gender, .female)
        XCTAssertEqual(id.regionCode, "110105")
        XCTAssertEqual(id.masked, "1101**********002X")
        XCTAssertEqual(id.lastFour, "002X")
        XCTAssertEqual(id.age(on: LocalDate(year: 2026, month: 12, day: 30)), 76)
        XCTAssertEqual(id.age(on: LocalDate(year: 2026, month: 12, day: 31)), 77)
    }

    func testLowerCaseXAndSpacesAreNormalized() throws {
        XCTAssertEqual(try IdentityNumber(" 110105 19491231 002x ").value, "11010519491231002X")
    }

    func testEveryCheckCharacterIsComputed() throws {
        // One generated number per check character: the computed check must be accepted, every other refused.
        for seq in 0..<200 {
            let id = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1985, month: 6, day: 15), sequence: seq)
            XCTAssertEqual(id.gender, seq % 2 == 1 ? .male : .female)
            for wrong in IdentityNumber.checkCharacters where wrong != id.value.last! {
                XCTAssertThrowsError(try IdentityNumber(String(id.value.dropLast()) + String(wrong))) { error in
                    XCTAssertEqual(error as? IdentityNumber.Problem, .checkCharacterMismatch(expected: id.value.last!, found: wrong))
                }
            }
        }
    }

    func testProblemsAreNamed() {
        func problem(_ s: String) -> IdentityNumber.Problem? {
            do { _ = try IdentityNumber(s); return nil } catch { return error }
        }
        XCTAssertEqual(problem(""), .empty)
        XCTAssertEqual(problem("43020419900101123"), .wrongLength(17))
        XCTAssertEqual(problem("430204900101123"), .wrongLength(15))
        XCTAssertEqual(problem("43020419900101123Y"), .notDigits)
        XCTAssertEqual(problem("4302041990010112A4"), .notDigits)
        XCTAssertEqual(problem("990204199001011234"), .unknownRegion("99"))
        XCTAssertEqual(problem("430204199002301234"), .invalidBirthDate("19900230"))
        XCTAssertEqual(problem("430204179001011234"), .invalidBirthDate("17900101"))
        XCTAssertTrue(problem("430204199001011234").map { if case .checkCharacterMismatch = $0 { true } else { false } } ?? false)
        XCTAssertEqual(IdentityNumber.Problem.wrongLength(15).description, "请填写 18 位身份证号（15 位旧号码请先升位）")
    }
}

final class CreditCodeTests: XCTestCase {
    func testPublishedCodesAreValid() throws {
        XCTAssertEqual(try CreditCode("91350100M000100Y43").value, "91350100M000100Y43")
        XCTAssertEqual(try CreditCode("91110000802100433b").value, "91110000802100433B")
    }

    func testProblems() {
        func problem(_ s: String) -> CreditCode.Problem? {
            do { _ = try CreditCode(s); return nil } catch { return error }
        }
        XCTAssertEqual(problem(""), .empty)
        XCTAssertEqual(problem("91350100M000100Y4"), .wrongLength(17))
        XCTAssertEqual(problem("91350100M000100YI3"), .invalidCharacter("I"))
        XCTAssertEqual(problem("91AB0100M000100Y43"), .invalidRegion)
        XCTAssertEqual(problem("91350100M000100Y44"), .checkCharacterMismatch(expected: "3", found: "4"))
    }

    func testMakeCompletesTheCheckCharacter() throws {
        let code = CreditCode.make("91430204MA4L00012")
        XCTAssertEqual(try CreditCode(code.value), code)
    }
}

final class CSVTableTests: XCTestCase {
    func testQuotesNewlinesBOMAndCRLF() throws {
        let bytes = Array("\u{FEFF}姓名,备注\r\n张三,\"他说\"\"你好\"\",然后走了\"\r\n李四,\"两行\n文字\"\r\n\r\n".utf8)
        let table = try CSVTable(bytes: bytes)
        XCTAssertEqual(table.rows, [["姓名", "备注"], ["张三", "他说\"你好\",然后走了"], ["李四", "两行\n文字"]])
    }

    func testRoundTripAndFormulaInjectionIsDefused() throws {
        let table = CSVTable(rows: [["a", "b,c"], ["=cmd()", "-3"], ["\"q\"", ""]])
        let back = try CSVTable(parsing: String(table.csv.dropFirst()))
        XCTAssertEqual(back.rows, [["a", "b,c"], ["'=cmd()", "-3"], ["\"q\"", ""]])
    }

    func testUnterminatedQuoteAndBinaryAreRefused() {
        XCTAssertThrowsError(try CSVTable(parsing: "a,b\n\"open,c\n")) { XCTAssertEqual($0 as? CSVTable.Problem, .unterminatedQuote(line: 2)) }
        XCTAssertThrowsError(try CSVTable(bytes: [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x1A, 0x0A])) { XCTAssertEqual($0 as? CSVTable.Problem, .notText) }
        XCTAssertThrowsError(try CSVTable(bytes: [0x61, 0xFF, 0xFF, 0x62])) { XCTAssertEqual($0 as? CSVTable.Problem, .notText) }
    }

    /// Excel on a Chinese Windows saves "CSV" as GBK: read as it is, not refused.
    func testGBKFilesFromExcelAreRead() throws {
        // 姓名,身份证号 / 张三,4302… in GBK, as Excel writes them.
        let gbk: [UInt8] = [0xD0, 0xD5, 0xC3, 0xFB, 0x2C, 0xC9, 0xED, 0xB7, 0xDD, 0xD6, 0xA4, 0xBA, 0xC5, 0x0D, 0x0A, 0xD5, 0xC5, 0xC8, 0xFD, 0x2C, 0x34, 0x33, 0x30, 0x32]
        let table = try CSVTable(bytes: gbk)
        XCTAssertEqual(table.rows, [["姓名", "身份证号"], ["张三", "4302"]])
        XCTAssertEqual(table.encoding, "GBK")
        XCTAssertEqual(try CSVTable(bytes: Array("姓名\n张三".utf8)).encoding, "UTF-8")
        // Round trip through the encoder, rare characters (GB 18030 only) included.
        let text = "网格员,䶮,𠀀\n清水塘街道,石峰区,株洲"
        let encoded = try XCTUnwrap(LegacyText.encodeGB18030(text))
        XCTAssertNil(String(validating: encoded, as: UTF8.self), "really not UTF-8")
        XCTAssertEqual(try CSVTable(bytes: encoded).rows, try CSVTable(parsing: text).rows)
    }
}

/// The streaming reader must read a file fed in any pieces exactly as it reads it whole.
final class CSVReaderTests: XCTestCase {
    let text = "\u{FEFF}姓名,备注\r\n张三,\"他说\"\"你好\"\",然后走了\"\r\n李四,\"两行\r\n文字\"\r\n\r\n王五,\n,末行无换行"

    func rows(_ bytes: [UInt8], pieces size: Int) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [[String]] = []
        for start in stride(from: 0, to: bytes.count, by: size) {
            try reader.feed(bytes[start..<min(start + size, bytes.count)]) { rows.append($0) }
        }
        try reader.finish { rows.append($0) }
        return rows
    }

    func testAnySplitOfTheBytesGivesTheSameRows() throws {
        let bytes = Array(text.utf8)
        let whole = try CSVReader.rows(bytes)
        XCTAssertEqual(whole, [["姓名", "备注"], ["张三", "他说\"你好\",然后走了"], ["李四", "两行\r\n文字"], ["王五", ""], ["", "末行无换行"]])
        // Every piece size from one byte up: splits inside the BOM, a CR LF, a doubled quote and a multi-byte character.
        for size in 1...bytes.count { XCTAssertEqual(try rows(bytes, pieces: size), whole, "pieces of \(size)") }
    }

    func testABOMOnlyFileAndAFileShorterThanABOM() throws {
        XCTAssertEqual(try CSVReader.rows([0xEF, 0xBB, 0xBF]), [])
        XCTAssertEqual(try CSVReader.rows(Array("a".utf8)), [["a"]])
        XCTAssertThrowsError(try CSVReader.rows([0xEF, 0x41]), "a lone first byte of a BOM is not UTF-8") {
            XCTAssertEqual($0 as? CSVTable.Problem, .notUTF8)
        }
    }

    func testProblemsAreNamed() {
        XCTAssertThrowsError(try CSVReader.rows(Array("a\n\"b,c\nd".utf8))) { XCTAssertEqual($0 as? CSVTable.Problem, .unterminatedQuote(line: 2)) }
        XCTAssertThrowsError(try CSVReader.rows([0x61, 0x2C, 0xFF, 0x0A])) { XCTAssertEqual($0 as? CSVTable.Problem, .notUTF8) }
    }
}

final class RegistryImportStreamingTests: XCTestCase {
    func id(_ n: Int) -> String { IdentityNumber.make(region: "430204", birth: LocalDate(year: 1980 + n % 40, month: 1 + n % 12, day: 1 + n % 28), sequence: n % 1000).value }

    /// Row by row, the validator finds what the whole-table check finds: the duplicate by its first row.
    func testDuplicatesAreFoundAcrossBatchesByTheirFirstRow() {
        var validator = RegistryImport.Validator(header: ImportKind.people.templateHeader, kind: .people)
        var good = 0
        for n in 0..<3_000 {
            let idNumber = n == 2_500 ? id(17) : id(n)
            if validator.check(["G1", "张三", idNumber, "", "户籍人口", "", "", "", "", "", ""], row: n + 2) != nil { good += 1 }
        }
        validator.finish()
        XCTAssertEqual(good, 2_999)
        XCTAssertEqual(validator.rowsRead, 3_000)
        XCTAssertEqual(validator.issues, [ImportIssue(row: 2_502, column: "身份证号", reason: "与第 19 行重复")])
    }

    func testALowerCaseXIsTheSameNumberAsAnUpperCaseOne() throws {
        let withX = (0..<2_000).lazy.map { self.id($0) }.first { $0.hasSuffix("X") }!
        let lower = String(withX.dropLast()) + "x"
        XCTAssertEqual(try IdentityNumber(lower).value, withX)
        var validator = RegistryImport.Validator(header: ImportKind.people.templateHeader, kind: .people)
        _ = validator.check(["G1", "甲", withX, "", "户籍人口"], row: 2)
        XCTAssertNil(validator.check(["G1", "乙", lower, "", "户籍人口"], row: 3))
        XCTAssertEqual(validator.issues.first?.reason, "与第 2 行重复")
    }

    func testPackedIdentityIsExact() throws {
        let a = try IdentityNumber(id(1)), b = try IdentityNumber(id(2))
        XCTAssertNotEqual(a.packed, b.packed)
        XCTAssertEqual(a.packed, try IdentityNumber(a.value).packed)
    }

    /// The byte-level fast path gives the same verdicts (and the same named problems) as the general one.
    func testFastIdentityCheckAgreesWithTheGeneralOne() {
        let valid = id(5)
        XCTAssertEqual(try IdentityNumber(" \(valid) ").value, valid, "spaces are dropped by the general path")
        XCTAssertThrowsError(try IdentityNumber("43020419900230001X")) { XCTAssertEqual($0 as? IdentityNumber.Problem, .invalidBirthDate("19900230")) }
        XCTAssertThrowsError(try IdentityNumber("00020419900101001X")) { XCTAssertEqual($0 as? IdentityNumber.Problem, .unknownRegion("00")) }
        XCTAssertThrowsError(try IdentityNumber("43020418700101001X")) { XCTAssertEqual($0 as? IdentityNumber.Problem, .invalidBirthDate("18700101")) }
        XCTAssertNoThrow(try IdentityNumber(IdentityNumber.make(region: "430204", birth: LocalDate(year: 2000, month: 2, day: 29), sequence: 3).value))
        XCTAssertThrowsError(try IdentityNumber("430204190002290031")) { XCTAssertEqual($0 as? IdentityNumber.Problem, .invalidBirthDate("19000229")) }
        var wrong = Array(valid); wrong[17] = wrong[17] == "0" ? "1" : "0"
        XCTAssertThrowsError(try IdentityNumber(String(wrong))) {
            guard case .checkCharacterMismatch? = $0 as? IdentityNumber.Problem else { return XCTFail("\($0)") }
        }
    }

    func testPlainMobilesSkipTheCopy() {
        XCTAssertEqual(PhoneNumber.normalize("13907310001"), "13907310001")
        XCTAssertNil(PhoneNumber.normalize("12907310001"))
        XCTAssertEqual(PhoneNumber.normalize("+86 139 0731 0001"), "13907310001")
    }

    func testWhitespaceIsTrimmedOnlyWhenThere() {
        XCTAssertEqual("\u{3000}张三 \n".trimmedWhitespace, "张三")
        XCTAssertEqual(" \t".trimmedWhitespace, "")
        XCTAssertEqual("张 三".trimmedWhitespace, "张 三")
        XCTAssertEqual(" 姓名\t".trimmedSpaces, "姓名")
    }
}

final class RegistryImportTests: XCTestCase {
    let header = ImportKind.people.templateHeader
    func person(_ grid: String, _ name: String, _ id: String, phone: String = "", kind: String = "户籍人口") -> [String] {
        [grid, name, id, phone, kind, "H1", "户主", "1栋", "101", "", ""]
    }

    func testValidFileYieldsTypedRows() {
        let id = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1990, month: 1, day: 1), sequence: 12)
        let outcome = RegistryImport.validate([header, person("430204001001001", "张三", id.value, phone: "139-0731-0001")], kind: .people)
        XCTAssertTrue(outcome.isValid, "\(outcome.issues)")
        XCTAssertEqual(outcome.rows.first?.row, 2)
        XCTAssertEqual(outcome.rows.first?["idNumber"], .identity(id))
        XCTAssertEqual(outcome.rows.first?["phone"], .phone("13907310001"))
        XCTAssertEqual(outcome.rows.first?["kind"], .term("registered"))
        XCTAssertEqual(outcome.rows.first?["relation"], .term("head"))
    }

    func testEveryBadCellIsReportedWithRowAndColumn() {
        let good = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1970, month: 3, day: 9), sequence: 1).value
        let table = [header,
                     person("430204001001001", "张三", good),
                     person("430204001001001", "", "4.30204E+17", phone: "12345", kind: "外星人"),
                     person("430204001001001", "李四", good)]
        let outcome = RegistryImport.validate(table, kind: .people)
        XCTAssertFalse(outcome.isValid)
        XCTAssertEqual(outcome.issues.map { "\($0.row)|\($0.column)" },
                       ["3|姓名", "3|身份证号", "3|联系电话", "3|人口类型", "4|身份证号"])
        XCTAssertTrue(outcome.issues[1].reason.contains("当成了数字"))
        XCTAssertEqual(outcome.issues[4].reason, "与第 2 行重复")
    }

    func testMissingRequiredColumnAndEmptyFile() {
        XCTAssertEqual(RegistryImport.validate([], kind: .people).issues.first?.reason, "文件是空的")
        let outcome = RegistryImport.validate([["网格编码", "姓名"]], kind: .people)
        XCTAssertEqual(outcome.issues.map(\.column), ["身份证号", "人口类型"])
        XCTAssertEqual(RegistryImport.validate([header], kind: .people).issues.first?.reason, "没有数据行")
    }

    func testAliasesAndEnglishKeysAreAcceptedAndBlankRowsSkipped() {
        let id = IdentityNumber.make(region: "430204", birth: LocalDate(year: 2001, month: 2, day: 3), sequence: 7).value
        let outcome = RegistryImport.validate([["gridCode", "姓名", "公民身份号码", "人口类型"], ["", "", "", ""], ["G1", "王五", id, "migrant"]], kind: .people)
        XCTAssertTrue(outcome.isValid, "\(outcome.issues)")
        XCTAssertEqual(outcome.rows.map(\.row), [3])
    }

    func testEveryKindHasATemplateItsOwnValidatorAccepts() {
        let samples: [ImportKind: [String]] = [
            .buildings: ["G1", "1栋", "建设路1号", "113.1", "27.8", "6", "2"],
            .houses: ["G1", "1栋", "1-101", "89.5", "住宅", "私有", "出租"],
            .organizations: ["G1", "湘江超市", "个体户", "91350100M000100Y43", "建设路2号", "刘", "13907310002", "5"],
            .components: ["G1", "井盖", "JG-0001", "113.1", "27.8", "损坏", ""],
        ]
        for (kind, row) in samples {
            let outcome = RegistryImport.validate([kind.templateHeader, row], kind: kind)
            XCTAssertTrue(outcome.isValid, "\(kind): \(outcome.issues)")
        }
        let bad = RegistryImport.validate([ImportKind.houses.templateHeader, ["G1", "1栋", "1-101", "-3", "宫殿", "", "出租"]], kind: .houses)
        XCTAssertEqual(bad.issues.map(\.column), ["面积（㎡）", "用途"])
    }
}

final class CoverageTests: XCTestCase {
    func square(_ x: Double, _ y: Double, _ size: Double) -> GeoPolygon {
        try! GeoPolygon(rings: [[GeoPoint(lon: x, lat: y), GeoPoint(lon: x + size, lat: y), GeoPoint(lon: x + size, lat: y + size),
                                 GeoPoint(lon: x, lat: y + size), GeoPoint(lon: x, lat: y)]])
    }

    func testATilingHasNoFindings() {
        let parent = Coverage.Boundary(id: 0, name: "社区", polygon: square(113, 27, 0.02))
        let children = [
            Coverage.Boundary(id: 1, name: "一", polygon: square(113, 27, 0.01)),
            Coverage.Boundary(id: 2, name: "二", polygon: square(113.01, 27, 0.01)),
            Coverage.Boundary(id: 3, name: "三", polygon: square(113, 27.01, 0.01)),
            Coverage.Boundary(id: 4, name: "四", polygon: square(113.01, 27.01, 0.01)),
        ]
        XCTAssertEqual(Coverage.boundaryFindings(parent: parent, children: children), [])
    }

    func testOverlapGapOutsideAndMissing() {
        let parent = Coverage.Boundary(id: 0, name: "社区", polygon: square(113, 27, 0.02))
        let overlap = Coverage.boundaryFindings(parent: parent, children: [
            .init(id: 1, name: "一", polygon: square(113, 27, 0.012)),
            .init(id: 2, name: "二", polygon: square(113.01, 27, 0.01)),
        ])
        XCTAssertEqual(overlap, [.overlap(1, 2)])

        let identical = Coverage.boundaryFindings(parent: nil, children: [
            .init(id: 1, name: "一", polygon: square(113, 27, 0.01)), .init(id: 2, name: "二", polygon: square(113, 27, 0.01)),
        ])
        XCTAssertEqual(identical, [.overlap(1, 2)])

        let inside = Coverage.boundaryFindings(parent: nil, children: [
            .init(id: 1, name: "一", polygon: square(113, 27, 0.01)), .init(id: 2, name: "二", polygon: square(113.002, 27.002, 0.002)),
        ])
        XCTAssertEqual(inside, [.overlap(1, 2)])

        let gapped = Coverage.boundaryFindings(parent: parent, children: [
            .init(id: 1, name: "一", polygon: square(113, 27, 0.01)), .init(id: 2, name: "二", polygon: square(113.01, 27, 0.01)),
        ])
        guard case .gap(0, let sqm, let share)? = gapped.first else { return XCTFail("\(gapped)") }
        XCTAssertEqual(share, 0.5, accuracy: 0.01)
        XCTAssertGreaterThan(sqm, 1_000_000)

        let outside = Coverage.boundaryFindings(parent: parent, children: [.init(id: 5, name: "五", polygon: square(113.015, 27.015, 0.01))],
                                                childrenWithoutBoundary: [6])
        XCTAssertEqual(outside, [.missingBoundary(6), .outsideParent(5)])
    }

    func testTheDemoDistrictIsCoveredExactly() throws {
        let plan = DemoCity.generate()
        let byParent = Dictionary(grouping: plan.areas.filter { $0.parentCode != nil }, by: { $0.parentCode! })
        for (parentCode, children) in byParent {
            guard let parent = plan.areas.first(where: { $0.code == parentCode }) else { continue }
            let findings = Coverage.boundaryFindings(parent: .init(id: 0, name: parent.name, polygon: parent.boundary),
                                                     children: children.enumerated().map { .init(id: $0.offset + 1, name: $0.element.name, polygon: $0.element.boundary) })
            XCTAssertEqual(findings, [], parent.name)
        }
    }

    func testBuildingPlacement() {
        let grid = GeoMultiPolygon(square(113, 27, 0.01))
        XCTAssertNil(Coverage.placement(of: GeoPoint(lon: 113.005, lat: 27.005), gridBoundary: grid, hasGrid: true))
        XCTAssertNil(Coverage.placement(of: GeoPoint(lon: 113.01, lat: 27.005), gridBoundary: grid, hasGrid: true), "on the edge counts as inside")
        XCTAssertEqual(Coverage.placement(of: GeoPoint(lon: 113.02, lat: 27.005), gridBoundary: grid, hasGrid: true), .outsideGrid)
        XCTAssertEqual(Coverage.placement(of: nil, gridBoundary: grid, hasGrid: true), .noLocation)
        XCTAssertEqual(Coverage.placement(of: nil, gridBoundary: nil, hasGrid: false), .noGrid)
    }
}

final class VisitAndHistoryTests: XCTestCase {
    func testVisitDueDatesAcrossMonthsAndYears() {
        let filed = LocalDate(year: 2026, month: 1, day: 28)
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: nil, filedOn: filed, everyDays: 7), LocalDate(year: 2026, month: 2, day: 4))
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2026, month: 12, day: 20), filedOn: filed, everyDays: 30),
                       LocalDate(year: 2027, month: 1, day: 19))
        // A visit recorded before filing (imported history) does not count.
        XCTAssertEqual(VisitSchedule.nextDue(lastVisit: LocalDate(year: 2025, month: 12, day: 1), filedOn: filed, everyDays: 14),
                       LocalDate(year: 2026, month: 2, day: 11))
        let due = LocalDate(year: 2026, month: 3, day: 1)
        XCTAssertEqual(VisitSchedule.status(nextDue: due, today: LocalDate(year: 2026, month: 2, day: 27)), .onTrack(dueIn: 2))
        XCTAssertEqual(VisitSchedule.status(nextDue: due, today: due), .dueToday)
        XCTAssertEqual(VisitSchedule.status(nextDue: due, today: LocalDate(year: 2026, month: 3, day: 4)), .overdue(days: 3))
        XCTAssertEqual(SpecialGroupKind.elderlyAlone.visitEveryDays, 7)
        XCTAssertEqual(SpecialGroupKind.elderlyAlone.visitFrequencyText, "每周")
    }

    func testFieldChanges() {
        let changes = FieldChange.diff(["姓名": "张三", "电话": "139****0001", "标签": ""], ["姓名": "张三", "电话": "139****0002", "户号": "H2"])
        XCTAssertEqual(changes, [FieldChange(field: "户号", old: nil, new: "H2"), FieldChange(field: "电话", old: "139****0001", new: "139****0002")])
    }

    func testSpecialGroupVisibility() {
        XCTAssertTrue(RegistryRules.maySeeSpecialGroup(.communityCorrection, roles: [.gridWorker]))
        XCTAssertFalse(RegistryRules.maySeeSpecialGroup(.communityCorrection, roles: [.operator]))
        XCTAssertTrue(RegistryRules.maySeeSpecialGroup(.elderlyAlone, roles: [.operator]))
        XCTAssertFalse(RegistryRules.maySeeSpecialGroup(.elderlyAlone, roles: [.leader]))
        XCTAssertFalse(RegistryRules.mayRead([.handler]))
        XCTAssertTrue(RegistryRules.mayReveal([.gridWorker]))
        XCTAssertFalse(RegistryRules.mayReveal([.leader, .patrol]))
        XCTAssertEqual(SpecialGroupKind(text: "独居老人"), .elderlyAlone)
        XCTAssertEqual(SpecialGroupKind(text: "elderlyAlone"), .elderlyAlone)
    }
}

final class CrossCheckTests: XCTestCase {
    func testDiffFindsBothSidesAndMismatches() {
        let ours = [CrossCheck.Record(idNumber: "A", name: "张三", address: "建设路１号"),
                    CrossCheck.Record(idNumber: "B", name: "李四", address: "建设路2号"),
                    CrossCheck.Record(idNumber: "C", name: "王五", address: nil)]
        let theirs = [CrossCheck.Record(idNumber: "A", name: "张三", address: "建设路 1 号"),
                      CrossCheck.Record(idNumber: "B", name: "李肆", address: "建设路3号"),
                      CrossCheck.Record(idNumber: "D", name: "赵六", address: "长江路5号")]
        XCTAssertEqual(CrossCheck.compare(ours: ours, theirs: theirs), [
            .onlyTheirs(theirs[2]),
            .onlyOurs(ours[2]),
            .mismatch(idNumber: "B", field: .name, ours: "李四", theirs: "李肆"),
            .mismatch(idNumber: "B", field: .address, ours: "建设路2号", theirs: "建设路3号"),
        ])
        XCTAssertEqual(CrossCheck.compare(ours: ours, theirs: ours), [])
    }
}

final class DemoRegistryTests: XCTestCase {
    func testDemoGridsAreRealisticUniqueAndDeterministic() {
        let plan = DemoCity.generate()
        let grids = plan.areas.filter { $0.level == .grid }
        let today = LocalDate(year: 2026, month: 11, day: 18)
        var ids: Set<String> = []
        for (i, grid) in grids.prefix(3).enumerated() {
            let g = DemoRegistry.generate(gridCode: grid.code, gridIndex: i, gridName: grid.name, boundary: grid.boundary, people: 1700, today: today, holes: i == 0)
            XCTAssertEqual(g.people.count, i == 0 ? g.people.count : 1700)
            for p in g.people { XCTAssertTrue(ids.insert(p.identity.value).inserted, "ID numbers are unique across grids") }
            let men = g.people.filter { $0.identity.gender == .male }.count
            XCTAssertEqual(Double(men) / Double(g.people.count), 0.5, accuracy: 0.05)
            XCTAssertEqual(Double(g.people.count) / Double(g.households.count), 2.2, accuracy: 0.4, "about 2.2 people per household")
            for b in g.buildings where !b.onCommunity && b.key != g.buildings.count - 2 || i != 0 { XCTAssertTrue(grid.boundary.contains(b.location)) }
            let lived = Set(g.households.compactMap(\.house))
            let emptyButOccupied = g.houses.filter { $0.occupancy != .vacant && !lived.contains($0.key) }.count
            XCTAssertEqual(emptyButOccupied, i == 0 ? 3 : 0, "only the deliberate holes")
            XCTAssertTrue(g.members.contains { $0.kind == .elderlyAlone })
            XCTAssertTrue(g.members.contains { $0.kind == .disabled })
            XCTAssertEqual(Set(g.organizations.map(\.creditCode.value)).count, g.organizations.count)
        }
        let again = DemoRegistry.generate(gridCode: grids[1].code, gridIndex: 1, gridName: grids[1].name, boundary: grids[1].boundary, people: 1700, today: today, holes: false)
        XCTAssertEqual(again.people.first?.identity, DemoRegistry.generate(gridCode: grids[1].code, gridIndex: 1, gridName: grids[1].name, boundary: grids[1].boundary,
                                                                          people: 1700, today: today, holes: false).people.first?.identity)
    }
}
