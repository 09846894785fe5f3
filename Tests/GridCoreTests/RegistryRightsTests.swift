import XCTest
@testable import GridCore

/// One rule for registry changes, whatever the channel (form, phone, import, cross-check, API).
final class RegistryRightsTests: XCTestCase {
    func may(_ change: RegistryChange, _ record: RegistryRecord, _ roles: Role...) -> Bool {
        RegistryRights.may(change, record, roles: Set(roles))
    }

    func testTheCommunitysCommandCenterKeepsItsRegistryAsItsGridWorkersDo() {
        for record in [RegistryRecord.person, .household, .building, .house, .organization, .component, .specialGroup] {
            for role in [Role.gridWorker, .gridLeader, .operator, .administrator] {
                XCTAssertTrue(may(.create, record, role), "\(role) creates \(record)")
                XCTAssertTrue(may(.update, record, role), "\(role) changes \(record)")
            }
        }
    }

    func testVisitsAreFieldWorkAndNeverRewritten() {
        XCTAssertTrue(may(.create, .visit, .gridWorker))
        XCTAssertTrue(may(.create, .visit, .informant))
        XCTAssertFalse(may(.create, .visit, .operator), "the command center does not record visits it did not make")
        for role in Role.allCases {
            XCTAssertFalse(may(.update, .visit, role), "\(role)")
            XCTAssertFalse(may(.close, .visit, role), "\(role)")
        }
    }

    func testEndingARecordIsForThoseWhoAnswerForTheGrid() {
        XCTAssertTrue(may(.close, .component, .gridLeader))
        XCTAssertTrue(may(.close, .person, .operator))
        XCTAssertFalse(may(.close, .person, .gridWorker))
        XCTAssertFalse(may(.close, .building, .informant))
        XCTAssertTrue(may(.close, .specialGroup, .gridWorker), "the worker who follows the person ends the follow-up")
    }

    func testRolesWithoutARegistryChangeNothing() {
        for role in [Role.handler, .leader, .supervisor, .mediator, .gridPolice, .patrol] {
            XCTAssertFalse(RegistryRights.mayChangeAnything([role]), "\(role)")
        }
        XCTAssertFalse(RegistryRights.mayChangeAnything([]))
        XCTAssertTrue(RegistryRights.mayChangeAnything([.informant]))
    }

    func testWhoMayImportAListMayCreateWhatItHolds() {
        // Bulk lists are for list managers; what a list creates is decided by the same rule as a form.
        for role in Role.allCases where RegistryRules.mayManageLists([role]) {
            for kind in ImportKind.allCases {
                XCTAssertTrue(kind.records.allSatisfy { RegistryRights.may(.create, $0, roles: [role]) }, "\(role) imports \(kind)")
            }
        }
        XCTAssertEqual(ImportKind.people.records, [.person, .household])
    }

    func testTheRefusalNamesTheChangeAndTheRecord() {
        XCTAssertEqual(RegistryRights.refusal(.create, .person), "您的岗位不能登记人口")
        XCTAssertEqual(RegistryRights.refusal(.close, .specialGroup), "您的岗位不能注销特殊人群")
    }
}
