import Fluent
import Foundation
import GridCore
import Vapor

/// Reads and replaces the service catalogue.
struct CatalogService {
    let db: any Database

    struct Failure: Error, CustomStringConvertible, AbortError {
        let problems: [CatalogImport.Problem]
        var description: String { problems.prefix(20).map(\.description).joined(separator: "；") }
        var status: HTTPResponseStatus { .unprocessableEntity }
        var reason: String { "导入失败，没有写入任何事项：" + description }
    }

    /// Matching items, best first (all of them, by code, for an empty query).
    func search(_ query: String, category: String? = nil) async throws -> [ServiceItem] {
        var q = ServiceItem.query(on: db)
        if let category, !category.isEmpty { q = q.filter(\.$category == category) }
        let all = try await q.sort(\.$code).all()
        let text = query.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return all }
        let byCode = Dictionary(all.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        return ServiceSearch.rank(text, all.map(\.entry)).compactMap { byCode[$0.code] }
    }

    /// A spreadsheet of items: every row valid, then all written (new codes added, known codes updated) in one transaction.
    func importRows(_ rows: [[String]], at: Date) async throws -> (added: Int, updated: Int) {
        let (items, problems) = CatalogImport.parse(rows)
        guard problems.isEmpty else { throw Failure(problems: problems) }
        return try await db.transaction { tx in
            var added = 0, updated = 0
            let existing = Dictionary(try await ServiceItem.query(on: tx).all().map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            for record in items {
                let item = existing[record.code] ?? ServiceItem()
                if existing[record.code] == nil { added += 1 } else { updated += 1 }
                item.apply(record, at: at)
                try await item.save(on: tx)
            }
            return (added, updated)
        }
    }
}
