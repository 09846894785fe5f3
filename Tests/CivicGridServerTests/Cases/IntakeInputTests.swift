import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// What each channel fills into the one report input, side by side (`Cases/Intake/IntakeInput.swift`).
final class IntakeInputTests: XCTestCase {
    let category = UUID()

    func testTheAPINamesItsChannelAndAGridWorkersReportWaitsForApproval() throws {
        // setup
        var body = CaseAPIController.ReportBody(categoryID: category, title: "井盖破损", channel: "gridWorker")
        body.datum = "gcj02"
        // act
        let input = try CaseService.ReportInput.api(body)
        // validate
        XCTAssertEqual(input.channel, .gridWorker)
        XCTAssertTrue(input.needsApproval)
        XCTAssertEqual(input.datum, .gcj02)
        XCTAssertEqual(input.description, "")
        body.channel = "hotline12345"; body.needsApproval = nil
        XCTAssertFalse(try CaseService.ReportInput.api(body).needsApproval)
        body.channel = "pigeon"
        XCTAssertThrowsError(try CaseService.ReportInput.api(body))
        body.channel = "resident"; body.datum = "bd09"
        XCTAssertThrowsError(try CaseService.ReportInput.api(body))
    }

    func testThePhoneIsAlwaysAGridWorkerThroughTheLeaderWithItsKey() throws {
        // setup
        var form = FieldController.ReportForm()
        form.description = "  路灯不亮，三盏  "; form.grid = "12"; form.latitude = "27.86"; form.longitude = "113.14"
        // act
        let input = try CaseService.ReportInput.phone(form, categoryID: category, categoryName: "路灯", clientKey: "k-1")
        // validate
        XCTAssertEqual(input.channel, .gridWorker)
        XCTAssertTrue(input.needsApproval)
        XCTAssertEqual(input.clientKey, "k-1")
        XCTAssertEqual(input.description, "路灯不亮，三盏")
        XCTAssertEqual(input.title, FieldController.title(category: "路灯", description: "路灯不亮，三盏"))
        XCTAssertEqual(input.gridID, 12)
        XCTAssertEqual(input.latitude, 27.86)
        XCTAssertNil(input.onSiteNote)
        form.mode = "onsite"
        XCTAssertThrowsError(try CaseService.ReportInput.phone(form, categoryID: category, categoryName: "路灯", clientKey: "k"), "on the spot needs a note")
        form.onSiteNote = "已更换灯泡"
        XCTAssertEqual(try CaseService.ReportInput.phone(form, categoryID: category, categoryName: "路灯", clientKey: "k").onSiteNote, "已更换灯泡")
        form.description = "灯"
        XCTAssertThrowsError(try CaseService.ReportInput.phone(form, categoryID: category, categoryName: "路灯", clientKey: "k"))
        form.description = "路灯不亮"; form.latitude = "north"
        XCTAssertThrowsError(try CaseService.ReportInput.phone(form, categoryID: category, categoryName: "路灯", clientKey: "k"))
    }

    func testThePortalTakesTheBuildingsPlaceAndNamesAnAnonymousResident() throws {
        // setup
        let building = Building()
        building.id = UUID(); building.$grid.id = 9; building.name = "3栋"; building.address = "清水路 12 号"
        building.latitude = 27.8; building.longitude = 113.1
        var form = PortalController.ReportForm()
        form.description = "楼道灯坏了两个星期"
        // act
        let input = try CaseService.ReportInput.portal(form, categoryID: category, categoryName: "楼道", building: building, signedIn: false)
        // validate
        XCTAssertEqual(input.channel, .resident)
        XCTAssertFalse(input.needsApproval)
        XCTAssertEqual(input.gridID, 9)
        XCTAssertEqual(input.latitude, 27.8)
        XCTAssertEqual(input.address, "清水路 12 号 3栋")
        XCTAssertEqual(input.buildingID, building.id)
        XCTAssertEqual(input.reporterName, "匿名居民")
        XCTAssertNil(try CaseService.ReportInput.portal(form, categoryID: category, categoryName: "楼道", building: nil, signedIn: true).reporterName)
        form.description = "灯坏"
        XCTAssertThrowsError(try CaseService.ReportInput.portal(form, categoryID: category, categoryName: "楼道", building: nil, signedIn: true))
    }

    func testOpen311IsLocatedByPositionAndNamesTheRequester() throws {
        // setup
        let c = CaseCategory()
        c.id = category; c.name = "路面破损"
        var form = Open311Controller.PostForm()
        form.lat = "27.86"; form.long = "113.14"; form.description = "人行道塌陷"; form.last_name = "王"; form.first_name = "芳"
        // act
        let input = try CaseService.ReportInput.open311(form, category: c, households: "3", keyName: "市民通 App")
        // validate
        XCTAssertEqual(input.channel, .open311)
        XCTAssertEqual(input.reporterName, "王芳")
        XCTAssertEqual(input.description, "人行道塌陷（受影响约 3 户）")
        XCTAssertEqual(input.title, "人行道塌陷")
        XCTAssertNil(input.gridID)
        form.first_name = nil; form.last_name = nil; form.description = nil
        let bare = try CaseService.ReportInput.open311(form, category: c, households: nil, keyName: "市民通 App")
        XCTAssertEqual(bare.reporterName, "市民通 App")
        XCTAssertEqual(bare.title, "路面破损")
        XCTAssertThrowsError(try CaseService.ReportInput.open311(form, category: c, households: "many", keyName: "k"))
        form.lat = nil
        XCTAssertThrowsError(try CaseService.ReportInput.open311(form, category: c, households: nil, keyName: "k"))
    }

    func testAHotlineOrderKeepsItsNumberAndItsLine() throws {
        // setup
        let order = try HotlineOrder(source: "mayor", orderNo: "SZ-2026-0001", caller: "李先生", phone: "13800000000",
                                 content: "小区门口垃圾满溢，已三天无人清运", address: "建设路 8 号", categoryText: "环境卫生", receivedAt: nil)
        // act
        let input = CaseService.ReportInput.hotline(order, categoryID: category, gridID: 4, latitude: nil, longitude: nil)
        // validate
        XCTAssertEqual(input.channel, HotlineSource.mayor.channel)
        XCTAssertEqual(input.externalRef, "SZ-2026-0001")
        XCTAssertEqual(input.reporterName, "李先生")
        XCTAssertEqual(input.title, order.title)
        XCTAssertEqual(input.gridID, 4)
        XCTAssertFalse(input.needsApproval)
    }
}
