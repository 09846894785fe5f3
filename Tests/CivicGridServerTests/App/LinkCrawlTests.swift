import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Every page of the demo, as its users reach it: starting at 首页 and following every internal
/// link (and reading every form's action), no page answers 404 or 5xx. A renamed route or a
/// template with a stale `href` fails here.
final class LinkCrawlTests: XCTestCase {
    func testEveryInternalLinkOfTheDemoLeadsSomewhere() async throws {
        try await withApp { app in
            _ = try await DemoSeeder(app: app).seedIfEmpty(cases: 40, days: 20, peoplePerGrid: 1, now: testNow)
            var broken: [String] = []
            var visitedTotal = 0
            for username in ["admin", "qu-zx", "sq01-zx", "wg001", "bm-cg1", "13907311001"] {
                let browser = app.browser()
                let login = try await browser.login(username, password: DemoCity.password)
                XCTAssertEqual(login.status, .seeOther, username)
                let (visited, bad) = try await crawl(browser, from: ["/", "/m/", "/r"], limit: 140)
                visitedTotal += visited
                broken += bad.map { "\(username): \($0)" }
            }
            let (visited, bad) = try await crawl(app.browser(), from: ["/r", "/login", "/register"], limit: 60)
            visitedTotal += visited
            broken += bad.map { "anonymous: \($0)" }
            XCTAssertGreaterThan(visitedTotal, 150, "the crawl reached the pages")
            XCTAssertEqual(broken, [], "links that lead nowhere")
        }
    }

    /// Breadth-first over GET links; form actions are checked to name a registered route.
    func crawl(_ browser: Browser, from starts: [String], limit: Int) async throws -> (Int, [String]) {
        var queue = starts, seen = Set(starts), bad: [String] = []
        var visited = 0
        let routes = browser.app.routes
        while !queue.isEmpty, visited < limit {
            let path = queue.removeFirst()
            let response = try await browser.get(path)
            visited += 1
            if response.status == .notFound || response.status.code >= 500 {
                bad.append("\(path) → \(response.status.code)")
                continue
            }
            guard response.headers.contentType?.subType == "html" else { continue }
            let html = response.body.string
            for link in Self.values(of: "href", in: html) where Self.isCrawlable(link) {
                let target = Self.normalized(link, from: path)
                if !seen.contains(target) { seen.insert(target); queue.append(target) }
            }
            for (method, action) in Self.forms(in: html) where action.hasPrefix("/") {
                let known = routes.has(method, Self.normalized(action, from: path))
                if !known { bad.append("form on \(path) sends \(method.rawValue) \(action), which is no route") }
            }
        }
        return (visited, bad)
    }

    /// Each `<form>`'s method (GET unless it says post) and action.
    static func forms(in html: String) -> [(HTTPMethod, String)] {
        guard let regex = try? NSRegularExpression(pattern: #"<form\b[^>]*>"#) else { return [] }
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { m in
            guard let r = Range(m.range, in: html) else { return nil }
            let tag = String(html[r])
            guard let action = values(of: "action", in: tag).first else { return nil }
            return (tag.lowercased().contains(#"method="post""#) ? .POST : .GET, action)
        }
    }

    static func values(of attribute: String, in html: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: attribute + #"="([^"]*)""#) else { return [] }
        let range = NSRange(html.startIndex..., in: html)
        return regex.matches(in: html, range: range).compactMap { Range($0.range(at: 1), in: html).map { String(html[$0]) } }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
    }

    /// Internal pages only: not files, downloads, exports or the event stream, not sign-out.
    static func isCrawlable(_ link: String) -> Bool {
        guard link.hasPrefix("/"), !link.hasPrefix("//") else { return false }
        let path = String(link.split(separator: "?", maxSplits: 1).first ?? "")
        for skip in ["/events", "/logout", "/css/", "/js/", "/m/sw.js", "/favicon", "/photos/", "/visit-photos/", "/agent-documents/"] where path.hasPrefix(skip) { return false }
        for ending in [".css", ".js", ".png", ".svg", ".csv", ".xlsx", ".json", ".xml", ".webmanifest", "/photo", "/export", "/template"] where path.hasSuffix(ending) {
            return false
        }
        return !path.contains("/export")
    }

    static func normalized(_ link: String, from page: String) -> String {
        var l = link
        if let hash = l.firstIndex(of: "#") { l = String(l[..<hash]) }
        if l.hasPrefix("?") { l = String(page.split(separator: "?").first ?? "") + l }
        return l.isEmpty ? page : l
    }
}
