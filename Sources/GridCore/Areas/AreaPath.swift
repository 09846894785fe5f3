import Foundation

/// Materialized path of an area: the ids from the root down, e.g. `/1/5/23/`.
/// Subtree queries are a prefix match (`path LIKE '/1/5/%'`), done in SQL on an indexed column.
public struct AreaPath: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let ids: [Int]

    public init(ids: [Int]) { self.ids = ids }

    public init?(_ text: String) {
        guard text.hasPrefix("/"), text.hasSuffix("/"), text.count >= 3 else { return nil }
        var ids: [Int] = []
        for part in text.dropFirst().dropLast().split(separator: "/", omittingEmptySubsequences: false) {
            guard let id = Int(part), id > 0 else { return nil }
            ids.append(id)
        }
        self.ids = ids
    }

    public var description: String { "/" + ids.map(String.init).joined(separator: "/") + "/" }
    public var depth: Int { ids.count }
    public var leafID: Int? { ids.last }
    public var parent: AreaPath? { ids.count > 1 ? AreaPath(ids: Array(ids.dropLast())) : nil }

    public func appending(_ id: Int) -> AreaPath { AreaPath(ids: ids + [id]) }

    /// True when `other` is this area or lies below it.
    public func contains(_ other: AreaPath) -> Bool {
        other.ids.count >= ids.count && Array(other.ids.prefix(ids.count)) == ids
    }

    /// The path `self` gets when the subtree rooted at `from` moves to become `to`.
    public func rebased(from: AreaPath, to: AreaPath) -> AreaPath? {
        guard from.contains(self) else { return nil }
        return AreaPath(ids: to.ids + ids.dropFirst(from.ids.count))
    }

    /// The LIKE pattern matching this subtree. Paths hold only digits and slashes, so no escaping.
    public var subtreePattern: String { description + "%" }

    public static func < (lhs: AreaPath, rhs: AreaPath) -> Bool { lhs.description < rhs.description }
}
