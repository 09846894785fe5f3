import Fluent
import FluentSQL
import GridCore
import SQLKit

/// Every "inside this area's subtree" condition, in one place. An area's path is its ancestors' ids
/// ("/1/5/23/"), so a subtree is the paths starting with it: `LIKE '/1/5/%'`, served by the prefix
/// index `DialectSQL.pathIndex` (text_pattern_ops on PostgreSQL) — `QueryPlanTests` checks the plans.
/// Paths are `AreaPath`s (digits and slashes, never input), so the pattern needs no escaping and no
/// `ESCAPE` clause (which would stop SQLite from using the index).
enum ScopeSQL {
    /// `table.path LIKE '<path>%'` for raw SQL.
    static func within(_ path: AreaPath, table: String) -> SQLQueryString {
        "\(ident: table).\(ident: "path") LIKE \(bind: path.subtreePattern)"
    }

    /// Any of the scope's subtrees, `(a.path LIKE … OR a.path LIKE …)`; nothing for an empty scope.
    static func within(_ scope: AccessScope, table: String) -> SQLQueryString {
        guard !scope.areaPaths.isEmpty else { return "1 = 0" }
        var condition: SQLQueryString = "("
        for (i, root) in scope.areaPaths.enumerated() {
            condition += (i == 0 ? "" : " OR ") + within(root, table: table)
        }
        return condition + ")"
    }

    /// `descendant.path LIKE ancestor.path || '%'`: joins each row's area to every area above it (rollups).
    static func descendant(_ descendant: String, of ancestor: String) -> SQLQueryString {
        "\(ident: descendant).\(ident: "path") LIKE \(ident: ancestor).\(ident: "path") || '%'"
    }
}

extension QueryBuilder where Model == Area {
    /// Areas in the subtree of `path` (itself included).
    @discardableResult
    func filter(within path: AreaPath) -> Self { filter(\.$path =~ path.description) }

    /// Only areas inside the scope: one subtree condition per scope root; none for an empty scope.
    @discardableResult
    func within(_ scope: AccessScope) -> Self {
        guard !scope.areaPaths.isEmpty else { return filter(\.$id == -1) }
        return group(.or) { group in
            for root in scope.areaPaths { group.filter(\.$path =~ root.description) }
        }
    }
}

extension QueryBuilder {
    /// Rows whose joined `Area` lies in the subtree of `path`.
    @discardableResult
    func filter(areaWithin path: AreaPath) -> Self { filter(Area.self, \.$path =~ path.description) }

    /// Rows whose joined `Area` lies inside the scope; none for an empty scope.
    @discardableResult
    func filter(areaWithin scope: AccessScope) -> Self {
        guard !scope.areaPaths.isEmpty else { return filter(Area.self, \.$id == -1) }
        return group(.or) { $0.filter(anyAreaWithin: scope) }
    }

    /// Inside a `group(.or)`: one alternative per scope root, for the joined `Area` (none for an empty scope,
    /// so the group's other alternatives decide).
    @discardableResult
    func filter(anyAreaWithin scope: AccessScope) -> Self {
        for root in scope.areaPaths { filter(Area.self, \.$path =~ root.description) }
        return self
    }
}
