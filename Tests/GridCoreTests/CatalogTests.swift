import Foundation
import XCTest
@testable import GridCore

final class CatalogTests: XCTestCase {
    func testPinyinInitialsOfServiceNames() {
        XCTAssertEqual(PinyinInitials.of("低保申请"), "dbsq")
        XCTAssertEqual(PinyinInitials.of("残疾人证办理"), "cjrzbl")
        XCTAssertEqual(PinyinInitials.of("社会保障卡申领"), "shbzksl")
        XCTAssertEqual(PinyinInitials.of("医保异地就医备案"), "ybydjyba")
        XCTAssertEqual(PinyinInitials.of("65 岁以上老年人免费体检"), "65syslnrmftj", "digits kept, spaces dropped")
        XCTAssertEqual(PinyinInitials.of("户口迁移（投靠）"), "hkqytk", "punctuation gives nothing")
        XCTAssertEqual(PinyinInitials.of("株洲醴陵"), "zzll", "characters outside GB 2312 level 1 from the extra table")
        // Every initial letter's first and last characters.
        for (text, initials) in [("啊", "a"), ("芭", "b"), ("擦", "c"), ("搭", "d"), ("蛾", "e"), ("发", "f"), ("噶", "g"), ("哈", "h"), ("击", "j"),
                                 ("喀", "k"), ("垃", "l"), ("妈", "m"), ("拿", "n"), ("哦", "o"), ("啪", "p"), ("期", "q"), ("然", "r"), ("撒", "s"),
                                 ("塌", "t"), ("挖", "w"), ("昔", "x"), ("压", "y"), ("匝", "z"), ("座", "z")] {
            XCTAssertEqual(PinyinInitials.of(text), initials, text)
        }
    }

    func testSearchFindsByNameKeywordDepartmentAndInitialsBestFirst() {
        let entries = [
            ServiceEntry(code: "MZ001", name: "最低生活保障申请", department: "区民政局", keywords: "低保 救助 困难"),
            ServiceEntry(code: "MZ012", name: "低保家庭年度复核", department: "区民政局", keywords: "低保 复核"),
            ServiceEntry(code: "RS001", name: "社会保障卡申领", department: "区人社局", keywords: "社保卡 办卡"),
            ServiceEntry(code: "GA001", name: "居民身份证申领", department: "区公安分局", keywords: "身份证"),
        ]
        XCTAssertEqual(ServiceSearch.rank("低保", entries).map(\.code), ["MZ012", "MZ001"], "name before keyword")
        XCTAssertEqual(ServiceSearch.rank("shbzk", entries).map(\.code), ["RS001"], "initials of the name")
        XCTAssertEqual(ServiceSearch.rank("sbk", entries).map(\.code), ["RS001"], "initials of a keyword")
        XCTAssertEqual(ServiceSearch.rank("SBK", entries).map(\.code), ["RS001"], "upper case typed")
        XCTAssertEqual(ServiceSearch.rank("公安", entries).map(\.code), ["GA001"], "department")
        XCTAssertEqual(ServiceSearch.rank("ga001", entries).map(\.code), ["GA001"], "code")
        XCTAssertEqual(ServiceSearch.rank("身份 申领", entries).map(\.code), ["GA001"], "every character somewhere in the name")
        XCTAssertEqual(ServiceSearch.rank("", entries).count, 4)
        XCTAssertEqual(ServiceSearch.rank("飞机", entries).count, 0)
    }

    func testImportChecksEveryRowAndKeepsAllOrNothing() {
        let head = CatalogImport.header
        let good = ["MZ001", "最低生活保障申请", "区民政局", "民政", "低收入家庭", "户口簿；身份证", "申请；审核；审批", "30 个工作日", "", "社区服务站", "是", "低保"]
        var (items, problems) = CatalogImport.parse([head, good])
        XCTAssertEqual(problems, [])
        XCTAssertEqual(items.first?.materials, ["户口簿", "身份证"])
        XCTAssertEqual(items.first?.fees, "不收费", "empty fees mean free")
        XCTAssertEqual(items.first?.agentHandled, true)
        var bad = good
        bad[0] = "MZ 001"; bad[5] = ""; bad[10] = "也许"
        var dup = good
        dup[1] = "另一个"
        (items, problems) = CatalogImport.parse([head, good, bad, dup])
        XCTAssertEqual(items, [], "one bad row: nothing")
        XCTAssertEqual(Set(problems.map(\.row)), [3, 4])
        XCTAssertTrue(problems.contains { $0.description == "第 3 行：帮办代办应为“是”或“否”" || $0.description.hasPrefix("第 3 行：编码") })
        XCTAssertTrue(problems.contains { $0.description == "第 4 行：编码 MZ001 与第 2 行重复" })
        (_, problems) = CatalogImport.parse([["名称"], ["x"]])
        XCTAssertTrue(problems.first?.reason.hasPrefix("缺少列：编码") ?? false)
        XCTAssertEqual(CatalogImport.parse([]).problems.first?.reason, "文件是空的")
    }
}
