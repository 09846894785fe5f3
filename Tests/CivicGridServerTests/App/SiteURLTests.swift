import Foundation
import XCTVapor
@testable import CivicGridServer

/// Routes and links come from one enum: every case is served, every served path is a case, templates
/// name only cases that exist (with the right number of values), and no page or handler spells a path itself.
final class SiteURLTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func pattern(_ components: [PathComponent]) -> String {
        "/" + components.map { if case .parameter = $0 { ":" } else { $0.description } }.joined(separator: "/")
    }

    func testEveryCaseIsRegisteredAndEveryRouteIsACase() async throws {
        try await withApp { app in
            // setup
            let registered = Set(app.routes.all.map { pattern($0.path) })
            let cases = Set(SiteURL.all.map { pattern($0.pathComponents) })
            // validate
            XCTAssertEqual(cases.subtracting(registered), [], "SiteURL cases nobody serves")
            XCTAssertEqual(registered.subtracting(cases), [], "routes registered without a SiteURL case")
            XCTAssertEqual(Set(SiteURL.all.map(\.name)).count, SiteURL.all.count, "one name per case")
        }
    }

    func testLinksAreEncodedAndTemplateNamesAreChecked() {
        XCTAssertEqual(SiteURL.portalTrack(code: "A B/C").path, "/r/track/A%20B%2FC")
        XCTAssertEqual(SiteURL.field.path, "/m/", "the phone app's service worker scope")
        XCTAssertEqual(SiteURL.staffMember(.placeholder).path(["notice": "a+b&c"]),
                       "/staff/00000000-0000-0000-0000-000000000000?notice=a%2Bb%26c")
        XCTAssertEqual(SiteURL.link(named: "caseAct", values: ["X"]), "/cases/X/act")
        XCTAssertNil(SiteURL.link(named: "caseAct", values: []), "too few values")
        XCTAssertNil(SiteURL.link(named: "caseAct", values: ["X", "Y"]), "too many values")
        XCTAssertNil(SiteURL.link(named: "caseActs", values: ["X"]), "unknown name")
        XCTAssertTrue(SiteURL.caseAct(.placeholder).matches("/cases/123/act"))
        XCTAssertFalse(SiteURL.caseAct(.placeholder).matches("/cases/123"))
        XCTAssertEqual(SiteURL.apiUserRole(.placeholder, role: .placeholder).openAPIPath, "/api/v1/users/{id}/roles/{role}")
    }

    func testTemplatesNameOnlyExistingRoutesAndSpellNoPaths() throws {
        let views = Self.root.appendingPathComponent("Resources/Views")
        let publicFiles = Self.root.appendingPathComponent("Public")
        let call = try NSRegularExpression(pattern: #"#url\(\s*"([A-Za-z0-9]+)"((?:\s*,\s*[^,)]+)*)\s*\)"#)
        let literal = try NSRegularExpression(pattern: ##"(?:href|action|src|data-[a-z-]+)="(/[^"#?]*)"##)
        var checked = 0
        for file in try FileManager.default.subpathsOfDirectory(atPath: views.path) where file.hasSuffix(".leaf") {
            let text = try String(contentsOf: views.appendingPathComponent(file), encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for match in call.matches(in: text, range: range) {
                let name = String(text[Range(match.range(at: 1), in: text)!])
                let rest = String(text[Range(match.range(at: 2), in: text)!])
                let values = rest.split(separator: ",").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { _ in "x" }
                XCTAssertNotNil(SiteURL.link(named: name, values: values), "\(file): #url(\"\(name)\"…) with \(values.count) value(s)")
                checked += 1
            }
            for match in literal.matches(in: text, range: range) {
                let path = String(text[Range(match.range(at: 1), in: text)!])
                XCTAssertTrue(FileManager.default.fileExists(atPath: publicFiles.path + path),
                              "\(file) spells the path \(path): take it from #url(…) (only files in Public/ are written out)")
            }
        }
        XCTAssertGreaterThan(checked, 150, "the templates' links were found")
    }

    func testSwiftSourcesSpellNoRoutePathOutsideSiteURL() throws {
        let sources = Self.root.appendingPathComponent("Sources/CivicGridServer")
        let firstSegments = Set(SiteURL.all.compactMap { url -> String? in
            if case .constant(let text) = url.segments.first { return text } else { return nil }
        })
        let literal = try NSRegularExpression(pattern: #""/([a-z0-9.-]+)"#)
        for file in try FileManager.default.subpathsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") {
            guard file != "App/SiteURL.swift" else { continue }
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in literal.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let first = String(text[Range(match.range(at: 1), in: text)!])
                XCTAssertFalse(firstSegments.contains(first), "\(file) spells a route path starting /\(first): use SiteURL")
            }
        }
    }
}

/// The subtree condition is written once (`ScopeSQL`, Platform/Database), so every place that narrows to an
/// area uses the same rule and the same index.
final class ScopeSQLTests: XCTestCase {
    func testNoSubtreeConditionIsWrittenOutsideTheScopeHelper() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources/CivicGridServer")
        let spelled = try NSRegularExpression(pattern: #"path LIKE|\\\.\$path =~"#)
        for file in try FileManager.default.subpathsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") {
            guard file != "Platform/Database/ScopeSQL.swift" else { continue }
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            let found = spelled.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            XCTAssertEqual(found, 0, "\(file) writes a subtree condition itself: use ScopeSQL / filter(within:) / filter(areaWithin:)")
        }
    }
}
