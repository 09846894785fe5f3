import XCTest
@testable import GridCore

final class AreaPathTests: XCTestCase {
    func testParsesAndPrintsPaths() {
        let path = AreaPath("/1/5/23/")
        XCTAssertEqual(path?.ids, [1, 5, 23])
        XCTAssertEqual(path?.description, "/1/5/23/")
        XCTAssertEqual(path?.depth, 3)
        XCTAssertEqual(path?.leafID, 23)
        XCTAssertEqual(path?.parent, AreaPath("/1/5/"))
        XCTAssertEqual(path?.subtreePattern, "/1/5/23/%")
    }

    func testRejectsMalformedPaths() {
        for bad in ["", "/", "//", "1/2/", "/1/2", "/1//2/", "/a/", "/0/", "/-3/"] {
            XCTAssertNil(AreaPath(bad), bad)
        }
    }

    func testContainsIsPrefixOnWholeIDsOnly() {
        let street = AreaPath("/1/5/")!
        XCTAssertTrue(street.contains(AreaPath("/1/5/")!))
        XCTAssertTrue(street.contains(AreaPath("/1/5/23/99/")!))
        XCTAssertFalse(street.contains(AreaPath("/1/51/")!), "a string prefix that is not an id prefix")
        XCTAssertFalse(street.contains(AreaPath("/1/")!))
        XCTAssertFalse(street.contains(AreaPath("/2/5/")!))
    }

    func testRebasingMovesTheWholeSubtree() {
        let from = AreaPath("/1/5/23/")!, to = AreaPath("/1/7/23/")!
        XCTAssertEqual(AreaPath("/1/5/23/230/")!.rebased(from: from, to: to), AreaPath("/1/7/23/230/"))
        XCTAssertEqual(from.rebased(from: from, to: to), to)
        XCTAssertNil(AreaPath("/1/5/24/")!.rebased(from: from, to: to))
    }
}

final class AreaCodeTests: XCTestCase {
    func testChildCodesAppendFixedWidthSequences() throws {
        XCTAssertEqual(try AreaCode.child(of: "430204", level: .street, sequence: 1), "430204001")
        XCTAssertEqual(try AreaCode.child(of: "430204001", level: .community, sequence: 12), "430204001012")
        XCTAssertEqual(try AreaCode.child(of: "430204001012", level: .grid, sequence: 7), "430204001012007")
        XCTAssertEqual(try AreaCode.child(of: "430204001012007", level: .microGrid, sequence: 3), "43020400101200703")
    }

    func testSequenceMustFitTheWidth() {
        XCTAssertThrowsError(try AreaCode.child(of: "430204", level: .street, sequence: 1000))
        XCTAssertThrowsError(try AreaCode.child(of: "430204", level: .street, sequence: 0))
        XCTAssertThrowsError(try AreaCode.child(of: "43020400101200703", level: .microGrid, sequence: 100))
    }

    func testValidationExplainsWhatIsWrong() {
        XCTAssertNoThrow(try AreaCode.validate("430204001", level: .street, parentCode: "430204"))
        XCTAssertThrowsError(try AreaCode.validate("43020400A", level: .street, parentCode: "430204"))
        XCTAssertThrowsError(try AreaCode.validate("430205001", level: .street, parentCode: "430204")) { error in
            XCTAssertTrue((error as! AreaRuleViolation).description.contains("430204"))
        }
        XCTAssertThrowsError(try AreaCode.validate("4302040001", level: .street, parentCode: "430204"))
        XCTAssertThrowsError(try AreaCode.validate("430204000", level: .street, parentCode: "430204"))
        XCTAssertNoThrow(try AreaCode.validate("430204", level: .district, parentCode: nil))
        XCTAssertNoThrow(try AreaCode.validate("430204", level: .district, parentCode: "4302"))
        XCTAssertThrowsError(try AreaCode.validate("43", level: .district, parentCode: nil))
    }

    func testNextSequenceFollowsTheHighestUsed() {
        XCTAssertEqual(AreaCode.nextSequence(after: [], parentCode: "430204", level: .street), 1)
        XCTAssertEqual(AreaCode.nextSequence(after: ["430204001", "430204003"], parentCode: "430204", level: .street), 4)
        XCTAssertEqual(AreaCode.nextSequence(after: ["999", "430204002"], parentCode: "430204", level: .street), 3)
    }
}

final class AreaRulesTests: XCTestCase {
    let scheme = LevelScheme.standard

    func testNamesAreTrimmedAndRequired() throws {
        XCTAssertEqual(try AreaRules.validName("  清水社区 "), "清水社区")
        XCTAssertThrowsError(try AreaRules.validName("   ")) { XCTAssertEqual($0 as? AreaRuleViolation, .nameRequired) }
        XCTAssertThrowsError(try AreaRules.validName(String(repeating: "网", count: 61)))
    }

    func testPlacementFollowsTheLevelScheme() {
        XCTAssertNoThrow(try AreaRules.checkPlacement(level: .street, parentLevel: .district, scheme: scheme))
        XCTAssertNoThrow(try AreaRules.checkPlacement(level: .city, parentLevel: nil, scheme: scheme))
        XCTAssertThrowsError(try AreaRules.checkPlacement(level: .grid, parentLevel: .street, scheme: scheme))
        XCTAssertThrowsError(try AreaRules.checkPlacement(level: .street, parentLevel: nil, scheme: scheme))
        XCTAssertThrowsError(try AreaRules.checkPlacement(level: .microGrid, parentLevel: .grid, scheme: scheme)) {
            XCTAssertEqual($0 as? AreaRuleViolation, .levelNotInScheme(.microGrid))
        }
        XCTAssertNoThrow(try AreaRules.checkPlacement(level: .microGrid, parentLevel: .grid, scheme: .withMicroGrids))
    }

    func testMovesCannotCreateCycles() {
        let community = AreaPath("/1/2/5/20/")!
        XCTAssertThrowsError(try AreaRules.checkMove(path: community, level: .community, newParentPath: AreaPath("/1/2/5/20/")!,
                                                     newParentLevel: .street, scheme: scheme)) {
            XCTAssertEqual($0 as? AreaRuleViolation, .moveIntoOwnSubtree)
        }
        XCTAssertThrowsError(try AreaRules.checkMove(path: AreaPath("/1/2/5/")!, level: .street, newParentPath: AreaPath("/1/2/5/20/")!,
                                                     newParentLevel: .community, scheme: scheme))
        XCTAssertThrowsError(try AreaRules.checkMove(path: AreaPath("/1/")!, level: .city, newParentPath: AreaPath("/9/")!,
                                                     newParentLevel: .city, scheme: scheme)) { XCTAssertEqual($0 as? AreaRuleViolation, .moveRoot) }
        XCTAssertNoThrow(try AreaRules.checkMove(path: community, level: .community, newParentPath: AreaPath("/1/2/6/")!,
                                                 newParentLevel: .street, scheme: scheme))
        XCTAssertThrowsError(try AreaRules.checkMove(path: community, level: .community, newParentPath: AreaPath("/1/2/")!,
                                                     newParentLevel: .district, scheme: scheme))
    }

    func testDeletionNeedsAnEmptyArea() {
        XCTAssertNoThrow(try AreaRules.checkDelete(childCount: 0, staffCount: 0))
        XCTAssertThrowsError(try AreaRules.checkDelete(childCount: 2, staffCount: 0)) { XCTAssertEqual($0 as? AreaRuleViolation, .hasChildren(count: 2)) }
        XCTAssertThrowsError(try AreaRules.checkDelete(childCount: 0, staffCount: 1))
    }

    func testRecodeReplacesOnlyTheRootPrefix() {
        XCTAssertEqual(AreaRules.recode("430204001012007", oldRootCode: "430204001012", newRootCode: "430204002009"), "430204002009007")
        XCTAssertEqual(AreaRules.recode("430204003001", oldRootCode: "430204001", newRootCode: "430204002"), "430204003001")
    }
}

final class LevelSchemeTests: XCTestCase {
    func testStandardSchemeNamesAndNeighbours() {
        let scheme = LevelScheme.standard
        XCTAssertEqual(scheme.root, .city)
        XCTAssertEqual(scheme.childLevel(of: .street), .community)
        XCTAssertNil(scheme.childLevel(of: .grid))
        XCTAssertEqual(scheme.parentLevel(of: .grid), .community)
        XCTAssertNil(scheme.parentLevel(of: .city))
        XCTAssertEqual(scheme.name(of: .street), "街道(镇)")
    }

    func testParsesConfiguredDepthAndNames() throws {
        let scheme = try LevelScheme.parse("district, street=镇街, community, grid, microGrid")
        XCTAssertEqual(scheme.levels, [.district, .street, .community, .grid, .microGrid])
        XCTAssertEqual(scheme.name(of: .street), "镇街")
        XCTAssertEqual(scheme.name(of: .grid), "网格")
        XCTAssertThrowsError(try LevelScheme.parse("grid,street"))
        XCTAssertThrowsError(try LevelScheme.parse("district,village"))
        XCTAssertThrowsError(try LevelScheme.parse("street,street"))
    }
}
