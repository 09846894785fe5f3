import GridCore
import XCTest

final class HexTests: XCTestCase {
    func testBytesBecomeLowerCaseHex() {
        XCTAssertEqual([UInt8]().withUnsafeBytes { Hex.lowercase($0) }, "")
        XCTAssertEqual([UInt8]([0x00, 0x0F, 0xA5, 0xFF, 0x10]).withUnsafeBytes { Hex.lowercase($0) }, "000fa5ff10")
        let all = (0...255).map { UInt8($0) }.withUnsafeBytes { Hex.lowercase($0) }
        XCTAssertEqual(all.count, 512)
        XCTAssertEqual(all, (0...255).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
    }
}
