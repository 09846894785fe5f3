import XCTest
@testable import GridCore

/// The address matcher on a small city: three communities of four grids, six roads, buildings on
/// numbered addresses — and a few hundred ways people write those addresses.
final class AddressMatcherTests: XCTestCase {
    static let communities = ["新桥社区", "清水社区", "响石社区"]
    static let roads = ["建设北路", "响石路", "铜霞路", "田心大道", "清水塘路", "人民北路"]

    /// Grid g (1…12) lies along road (g-1) % 6, numbers 2–22 or 30–50 (two grids share each road).
    static let book: AddressBook = {
        var grids: [AddressBook.Grid] = [], buildings: [AddressBook.Building] = []
        for g in 1...12 {
            let community = communities[(g - 1) / 4]
            grids.append(.init(id: g, name: "\(community)第\((g - 1) % 4 + 1)网格", community: community))
            let road = roads[(g - 1) % 6], base = g <= 6 ? 2 : 30
            for k in 0..<6 { buildings.append(.init(id: "b\(g)-\(k)", gridID: g, name: "\(k + 1)栋", address: "\(road)\(base + k * 4)号")) }
        }
        return AddressBook(grids: grids, buildings: buildings)
    }()

    static let typos: [Character: Character] = ["建": "见", "设": "没", "响": "向", "石": "实", "铜": "桐", "霞": "夏", "田": "甜", "心": "新",
                                                "清": "青", "水": "小", "塘": "唐", "人": "入", "民": "明"]

    static func chinese(_ n: Int) -> String {
        let d = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        if n < 10 { return d[n] }
        if n < 20 { return "十" + (n % 10 == 0 ? "" : d[n % 10]) }
        return d[n / 10] + "十" + (n % 10 == 0 ? "" : d[n % 10])
    }

    static func fullWidth(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value >= 0x30 && $0.value <= 0x39 ? Character(UnicodeScalar($0.value + 0xFEE0)!) : Character($0) })
    }

    /// (text, expected grid) for every building and grid, written the ways residents and hotline operators write them.
    static var cases: [(String, Int)] {
        var out: [(String, Int)] = []
        for g in 1...12 {
            let road = roads[(g - 1) % 6], base = g <= 6 ? 2 : 30, stem = AddressText.stem(ofRoad: road)
            for k in 0..<6 {
                let n = base + k * 4
                var typo = Array(road)
                typo[1] = typos[typo[1]] ?? typo[1]
                out += [
                    ("\(road)\(n)号", g), ("\(road)\(n)号\(k + 1)栋", g), ("\(stem)\(n)号", g), (fullWidth("\(road)\(n)号"), g),
                    ("株洲市石峰区\(road)\(n)号2单元301", g), ("\(road)\(chinese(n))号", g), ("\(String(typo))\(n)号", g),
                    ("\(road)\(n)号附近", g), ("\(road) \(n) 号门口", g), ("\(road)\(n)号\(k + 1)号楼", g), ("\(road)\(n + 1)号", g),
                ]
            }
            let community = communities[(g - 1) / 4], i = (g - 1) % 4 + 1
            let short = AddressText.stem(ofCommunity: community)
            out += [("\(community)第\(i)网格", g), ("\(short)\(i)网格", g), ("\(community)第\(chinese(i))网格", g), ("石峰区\(community)第\(i)网格", g)]
        }
        return out
    }

    func testAccuracyOnAFewHundredWaysOfWritingAnAddress() {
        let all = Self.cases
        var sure = 0, top1 = 0, top3 = 0, wrongSure: [String] = []
        for (text, grid) in all {
            let m = Self.book.match(text)
            if case .found(let p) = m {
                if p.gridID == grid { sure += 1 } else { wrongSure.append("\(text) → \(p.gridID) (want \(grid))") }
            }
            if m.places.first?.gridID == grid { top1 += 1 } else { print("missed: \(text) → \(m.places.map(\.gridID)) (want \(grid))") }
            if m.places.prefix(3).contains(where: { $0.gridID == grid }) { top3 += 1 }
        }
        let n = Double(all.count)
        print(String(format: "address matcher: %d strings, found unasked %.1f %%, top-1 %.1f %%, top-3 %.1f %%, wrong and sure %d",
                     all.count, Double(sure) * 100 / n, Double(top1) * 100 / n, Double(top3) * 100 / n, wrongSure.count))
        XCTAssertGreaterThanOrEqual(all.count, 300)
        XCTAssertGreaterThanOrEqual(Double(top1) / n, 0.97)
        XCTAssertGreaterThanOrEqual(Double(top3) / n, 0.99)
        XCTAssertGreaterThanOrEqual(Double(sure) / n, 0.85, "most addresses need no question")
        XCTAssertLessThanOrEqual(wrongSure.count, 2, wrongSure.joined(separator: "\n"))
    }

    func testAnExactAddressFindsItsBuilding() {
        XCTAssertEqual(Self.book.match("建设北路6号"), .found(AddressPlace(gridID: 1, label: "建设北路6号 2栋", buildingID: "b1-1", score: 1)))
    }

    func testARoadThroughTwoGridsIsAChoice() {
        guard case .choices(let places) = Self.book.match("建设北路") else { return XCTFail("a choice") }
        XCTAssertEqual(Set(places.map(\.gridID)), [1, 7])
        XCTAssertTrue(places.allSatisfy { $0.label.hasPrefix("建设北路") })
    }

    func testACommunityAloneOffersItsGrids() {
        guard case .choices(let places) = Self.book.match("清水社区") else { return XCTFail("a choice") }
        XCTAssertEqual(places.map(\.gridID), [5, 6, 7, 8])
    }

    func testACommunityNarrowsARoad() {
        // 建设北路 runs through grid 1 (新桥) and grid 7 (清水).
        XCTAssertEqual(Self.book.match("清水社区建设北路").places.first?.gridID, 7)
    }

    func testARoadNamedLikeACommunityIsTheRoad() {
        let book = AddressBook(grids: [.init(id: 1, name: "清水社区第1网格", community: "清水社区"), .init(id: 2, name: "湘江社区第1网格", community: "湘江社区")],
                               buildings: [.init(id: "a", gridID: 1, name: "3栋", address: "清水路3号"), .init(id: "b", gridID: 2, name: "1栋", address: "清水路9号")])
        XCTAssertEqual(Set(book.match("清水路").places.map(\.gridID)), [1, 2])
        XCTAssertEqual(book.match("清水路9号").places.first?.gridID, 2)
        XCTAssertEqual(book.match("清水社区清水路").places.map(\.gridID), [1])
    }

    func testNothingLikeAnAddress() {
        XCTAssertEqual(Self.book.match("有人乱扔垃圾"), .notFound)
        XCTAssertEqual(Self.book.match(""), .notFound)
        XCTAssertEqual(Self.book.match("路"), .notFound)
    }

    func testNormalization() {
        XCTAssertEqual(AddressText.normalize("建设北路１２号 三号楼 二单元"), "建设北路12号3栋2单元")
        XCTAssertEqual(AddressText.normalize("新桥社区第十二网格"), "新桥社区第12网格")
        XCTAssertEqual(AddressText.normalize("一中门口"), "一中", "a numeral that is a name stays")
        XCTAssertEqual(AddressText.stem(ofRoad: "田心大道"), "田心")
        XCTAssertEqual(AddressText.stem(ofRoad: "北路"), "北路", "too short to strip")
        XCTAssertEqual(AddressText.roadAndNumber("响石路38号").road, "响石路")
        XCTAssertEqual(AddressText.roadAndNumber("响石路38号").number, 38)
    }
}
