import Foundation
import XCTest
@testable import GridCore

/// Hotline work orders at the edge, callback back-off, and messages pasted from WeChat groups.
final class IntegrationTests: XCTestCase {
    func testHotlineOrdersAreCheckedAtTheEdge() throws {
        let order = try HotlineOrder(source: "12345", orderNo: "ZZ-2026/0001", caller: " ", phone: nil, content: "小区门口夜间施工噪声扰民。已持续一周",
                                     address: "", categoryText: "噪音扰民", receivedAt: nil)
        XCTAssertEqual(order.source.channel, .hotline12345)
        XCTAssertEqual(order.caller, "来电群众", "an anonymous caller")
        XCTAssertNil(order.address)
        XCTAssertEqual(order.title, "小区门口夜间施工噪声扰民")
        XCTAssertEqual(HotlineSource(text: "市长热线"), .mayor)
        XCTAssertEqual(HotlineSource(text: "96361"), .service96361)
        func problem(_ f: () throws -> HotlineOrder) -> HotlineOrder.Problem? {
            do { _ = try f(); return nil } catch let e as HotlineOrder.Problem { return e } catch { return nil }
        }
        XCTAssertEqual(problem { try HotlineOrder(source: "110", orderNo: "1", caller: nil, phone: nil, content: "x", address: nil, categoryText: "y", receivedAt: nil) },
                       .badSource("110"))
        XCTAssertEqual(problem { try HotlineOrder(source: "12345", orderNo: "1; DROP TABLE", caller: nil, phone: nil, content: "x", address: nil, categoryText: "y", receivedAt: nil) },
                       .badOrderNo)
        XCTAssertEqual(problem { try HotlineOrder(source: "12345", orderNo: "1", caller: nil, phone: nil, content: "  ", address: nil, categoryText: "y", receivedAt: nil) },
                       .missing("content"))
        XCTAssertEqual(problem { try HotlineOrder(source: "12345", orderNo: "1", caller: nil, phone: nil, content: String(repeating: "长", count: 2001), address: nil, categoryText: "y", receivedAt: nil) },
                       .tooLong("content", 2000))
    }

    func testCallbacksBackOffToAnHourAndNeverGiveUp() {
        XCTAssertEqual((1...8).map { CallbackRetry.delay(afterAttempts: $0) }, [60, 120, 240, 480, 960, 1920, 3600, 3600])
        XCTAssertEqual(CallbackRetry.delay(afterAttempts: 500), 3600)
    }

    func testPastedGroupMessagesGiveSenderBodyAndTitle() {
        let m = PastedMessage("[11-22 10:01] 清水小区业主群-王阿姨：3栋楼道堆满杂物，消防通道堵了。物业一直不管\n有照片")
        XCTAssertEqual(m?.sender, "清水小区业主群-王阿姨")
        XCTAssertEqual(m?.title, "3栋楼道堆满杂物，消防通道堵了")
        XCTAssertEqual(m?.body, "3栋楼道堆满杂物，消防通道堵了。物业一直不管\n有照片")
        XCTAssertEqual(PastedMessage("2026-11-22 08:15 张师傅: 路灯不亮")?.sender, "张师傅")
        XCTAssertEqual(PastedMessage("【视频巡查告警】 占道经营 建设路与红旗路口")?.sender, nil)
        XCTAssertEqual(PastedMessage("【视频巡查告警】 占道经营 建设路与红旗路口")?.title, "占道经营 建设路与红旗路口")
        XCTAssertEqual(PastedMessage("时间 10:30 有人在河边烧垃圾")?.sender, nil, "a colon inside a time is not a sender")
        XCTAssertNil(PastedMessage("  \n "))
    }
}
