import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Reads and changes the area tree. Every read is filtered by scope in SQL; every change is one
/// transaction, checked against `AreaRules` first.
struct AreaService {
    let db: any Database
    let levels: LevelScheme

    // MARK: Queries

    /// The area if it lies in scope; otherwise nil, so callers answer 404 and reveal nothing.
    func find(_ id: Int, in scope: AccessScope) async throws -> Area? {
        try await Area.query(on: db).filter(\.$id == id).within(scope).first()
    }

    func require(_ id: Int, in scope: AccessScope) async throws -> Area {
        guard let area = try await find(id, in: scope) else { throw Abort(.notFound, reason: "区域不存在或不在您的管辖范围内") }
        return area
    }

    /// The area a page asked for (`?area=`), checked against the scope; without one, the user's
    /// topmost area. Users with no area at all are refused.
    func chosen(_ id: Int?, in scope: AccessScope) async throws -> Area {
        if let id { return try await require(id, in: scope) }
        if let root = try await scopeRoots(scope).first { return root }
        throw Abort(.forbidden, reason: "您没有管辖区域")
    }

    /// The topmost areas the user may see.
    func scopeRoots(_ scope: AccessScope) async throws -> [Area] {
        let ids = scope.areaPaths.compactMap(\.leafID)
        guard !ids.isEmpty else { return [] }
        return try await Area.query(on: db).filter(\.$id ~~ ids).sort(\.$code).all()
    }

    func children(of id: Int, in scope: AccessScope) async throws -> [Area] {
        try await Area.query(on: db).filter(\.$parent.$id == id).within(scope).sort(\.$code).all()
    }

    /// Ancestors from the root down (excluding the area itself), whether or not in scope: the
    /// breadcrumb shows their names; links are drawn only for those in scope.
    func ancestors(of area: Area) async throws -> [Area] {
        let ids = Array(area.areaPath.ids.dropLast())
        guard !ids.isEmpty else { return [] }
        let rows = try await Area.query(on: db).filter(\.$id ~~ ids).all()
        return ids.compactMap { id in rows.first { $0.id == id } }
    }

    /// Count of children per parent id, in one grouped query.
    func childCounts(of parentIDs: [Int]) async throws -> [Int: Int] {
        guard !parentIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable { let parent_id: Int; let n: Int }
        let rows = try await sql.select().column("parent_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Area.schema).where("parent_id", .in, parentIDs).groupBy("parent_id").all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.parent_id, $0.n) })
    }

    /// Areas in the whole subtree per level, for the overview of a scope root.
    func subtreeLevelCounts(_ area: Area) async throws -> [AreaLevel: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable { let level: String; let n: Int }
        let rows = try await sql.select().column("level").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(Area.schema).where("path", .like, area.areaPath.subtreePattern).groupBy("level").all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in AreaLevel(rawValue: row.level).map { ($0, row.n) } })
    }

    /// Areas of one level inside the scope, e.g. the candidate parents for a move.
    func areas(at level: AreaLevel, in scope: AccessScope) async throws -> [Area] {
        try await Area.query(on: db).filter(\.$level == level).within(scope).sort(\.$code).all()
    }

    // MARK: Changes

    struct Draft {
        var name: String
        var code: String?
        var boundaryGeoJSON: String?
        var responsibleUsername: String?
    }

    /// Creates an area below `parent` (or a root when nil). Level follows from the parent; an empty
    /// code gets the next free sequence.
    func create(_ draft: Draft, parent: Area?) async throws -> Area {
        let name = try AreaRules.validName(draft.name)
        let level = parent.map { levels.childLevel(of: $0.level) } ?? levels.root
        guard let level else { throw AreaRuleViolation.wrongLevelUnderParent(child: parent!.level, parent: parent!.level, expected: nil) }
        try AreaRules.checkPlacement(level: level, parentLevel: parent?.level, scheme: levels)
        let boundary = try normalizedBoundary(draft.boundaryGeoJSON, parent: parent)
        return try await db.transaction { tx in
            let code: String
            if let typed = draft.code?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
                try AreaCode.validate(typed, level: level, parentCode: parent?.code)
                code = typed
            } else {
                guard let parent else { throw AreaRuleViolation.invalidCode("", "顶级区域必须填写编码") }
                code = try await nextCode(under: parent, level: level, on: tx)
            }
            try await ensureCodeFree(code, except: nil, on: tx)
            let responsibleID = try await responsibleID(draft.responsibleUsername, on: tx)
            let area = Area(code: code, name: name, level: level, parentID: parent?.id, boundaryGeoJSON: boundary, responsibleID: responsibleID)
            try await area.create(on: tx)
            area.path = (parent?.areaPath ?? AreaPath(ids: [])).appending(try area.requireID()).description
            try await area.save(on: tx)
            return area
        }
    }

    /// Renames, re-codes (the subtree's codes follow), re-draws the boundary, changes the responsible person.
    func update(_ area: Area, with draft: Draft) async throws {
        let name = try AreaRules.validName(draft.name)
        let boundary = try normalizedBoundary(draft.boundaryGeoJSON, parent: try await area.$parent.get(on: db))
        try await db.transaction { tx in
            if let typed = draft.code?.trimmingCharacters(in: .whitespaces), !typed.isEmpty, typed != area.code {
                let parentCode = try await area.$parent.get(on: tx)?.code
                try AreaCode.validate(typed, level: area.level, parentCode: parentCode)
                try await ensureCodeFree(typed, except: nil, on: tx)
                try await rewriteSubtree(of: area, newPath: area.areaPath, newCode: typed, on: tx)
                area.code = typed
            }
            area.name = name
            area.boundaryGeoJSON = boundary
            area.$responsible.id = try await responsibleID(draft.responsibleUsername, on: tx)
            try await area.save(on: tx)
        }
    }

    /// Moves a subtree below a new parent. Paths and codes of every area below follow in the same
    /// transaction: either the whole subtree moves or nothing does.
    func move(_ area: Area, to newParent: Area) async throws {
        try AreaRules.checkMove(path: area.areaPath, level: area.level, newParentPath: newParent.areaPath,
                                newParentLevel: newParent.level, scheme: levels)
        guard area.$parent.id != newParent.id else { return }
        try await db.transaction { tx in
            let newCode = try await nextCode(under: newParent, level: area.level, on: tx)
            let newPath = newParent.areaPath.appending(try area.requireID())
            try await rewriteSubtree(of: area, newPath: newPath, newCode: newCode, on: tx)
            try await Area.query(on: tx).set(\.$parent.$id, to: newParent.id).filter(\.$id == area.requireID()).update()
        }
    }

    func delete(_ area: Area) async throws {
        try await db.transaction { tx in
            let children = try await Area.query(on: tx).filter(\.$parent.$id == area.requireID()).count()
            let staff = try await RoleAssignment.query(on: tx).filter(\.$area.$id == area.requireID()).count()
            try AreaRules.checkDelete(childCount: children, staffCount: staff)
            try await area.delete(on: tx)
        }
    }

    // MARK: Helpers

    /// One UPDATE rewrites the path and code prefixes of the whole subtree.
    private func rewriteSubtree(of area: Area, newPath: AreaPath, newCode: String, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else { return }
        let oldPath = area.areaPath.description, oldCode = area.code
        try await sql.raw("""
            UPDATE \(ident: Area.schema)
            SET path = \(bind: newPath.description) || substr(path, \(unsafeRaw: String(oldPath.count + 1))),
                code = \(bind: newCode) || substr(code, \(unsafeRaw: String(oldCode.count + 1)))
            WHERE \(ScopeSQL.within(area.areaPath, table: "areas"))
            """).run()
    }

    private func nextCode(under parent: Area, level: AreaLevel, on tx: any Database) async throws -> String {
        let siblings = try await Area.query(on: tx).filter(\.$parent.$id == parent.requireID()).all(\.$code)
        return try AreaCode.child(of: parent.code, level: level,
                                  sequence: AreaCode.nextSequence(after: siblings, parentCode: parent.code, level: level))
    }

    private func ensureCodeFree(_ code: String, except id: Int?, on tx: any Database) async throws {
        var query = Area.query(on: tx).filter(\.$code == code)
        if let id { query = query.filter(\.$id != id) }
        if try await query.count() > 0 { throw AreaRuleViolation.duplicateCode(code) }
    }

    private func responsibleID(_ username: String?, on tx: any Database) async throws -> UUID? {
        guard let username = username?.trimmingCharacters(in: .whitespaces).lowercased(), !username.isEmpty else { return nil }
        guard let user = try await User.query(on: tx).filter(\.$username == username).filter(\.$kind == .staff).first() else {
            throw Abort(.unprocessableEntity, reason: "责任人账号 \(username) 不存在")
        }
        return user.id
    }

    /// The boundary as stored (6 decimals), after the same checks as a GeoJSON import.
    private func normalizedBoundary(_ text: String?, parent: Area?) throws -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        let shape = try GeoMultiPolygon(geoJSON: text)
        try shape.validate(inside: parent?.boundary)
        return shape.geoJSON
    }
}
