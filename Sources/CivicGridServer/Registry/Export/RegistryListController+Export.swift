import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// 导出: masked lists with a stated purpose (logged), CSV or XLSX, and the import templates.
extension RegistryListController {
    // MARK: Export

    static let exportLimit = 200_000

    /// Any list as CSV or XLSX, scoped, with ID numbers and phones masked.
    @Sendable static func export(req: Request) async throws -> Response {
        let user = try manager(req)
        let file = try req.parameters.require("file")
        guard let dot = file.lastIndex(of: "."), let kind = ImportKind(rawValue: String(file[..<dot])),
              let format = Spreadsheet.Format(rawValue: String(file[file.index(after: dot)...])) else { throw Abort(.notFound) }
        let purpose = (req.query[String.self, at: "purpose"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if kind.holdsPersonalData, !(2...100).contains(purpose.count) {
            throw Abort(.unprocessableEntity, reason: "导出\(kind.displayName)名单含个人信息，请填写导出用途（2–100 字），导出将记入访问日志")
        }
        let registry = req.registry
        let gridID = req.query[Int.self, at: "grid"]
        let grids = Dictionary(try await registry.grids(for: user).map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        func code(_ id: Int) -> String { grids[id]?.code ?? "" }
        var rows: [[String]] = [kind.templateHeader]
        switch kind {
        case .people:
            var q = registry.people(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            let people = try await q.sort(\.$gridID).sort(\.$name).limit(exportLimit).with(\.$household).all()
            rows += people.map { p in
                [code(p.gridID), p.name, registry.maskedID(p), registry.maskedPhone(p) ?? "", p.kind.displayName, p.household?.number ?? "",
                 p.relation?.displayName ?? "", "", "", p.employment ?? "", p.tags]
            }
        case .buildings:
            var q = registry.buildings(user)
            if let gridID { q = q.filter(\.$grid.$id == gridID) }
            rows += try await q.sort(\.$name).limit(exportLimit).all().map { b in
                [code(b.$grid.id), b.name, b.address, b.longitude.map { String($0) } ?? "", b.latitude.map { String($0) } ?? "", String(b.floors), String(b.units)]
            }
        case .houses:
            var q = RegistryService.scoped(House.query(on: req.db).join(Area.self, on: \House.$gridID == \Area.$id), user.scope)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.with(\.$building).limit(exportLimit).all().map { h in
                [code(h.gridID), h.building.name, h.number, h.areaSquareMetres.map { String($0) } ?? "", h.use.displayName, h.ownership?.displayName ?? "", h.occupancy.displayName]
            }
        case .organizations:
            var q = registry.organizations(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.sort(\.$name).limit(exportLimit).all().map { o in
                [code(o.gridID), o.name, o.kind.displayName, o.creditCode, o.address, o.contactName ?? "",
                 o.contactPhoneSealed.flatMap { try? req.state.cipher.open($0) }.map(PhoneNumber.mask) ?? "", o.employees.map(String.init) ?? ""]
            }
        case .components:
            var q = registry.components(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.sort(\.$code).limit(exportLimit).all().map { c in
                [code(c.gridID), c.kind.displayName, c.code, String(c.longitude), String(c.latitude), c.state.displayName, c.note ?? ""]
            }
        }
        let scopeName = gridID.flatMap { grids[$0]?.name } ?? "辖区"
        if kind.holdsPersonalData {
            // PIPL: a list of people leaves the system only for a stated purpose, and the export is on record.
            try await AccessLog(actorID: user.id, subjectType: "export", subjectID: kind.rawValue, field: "export", at: req.now,
                                reason: purpose, subjectLabel: "\(scopeName)\(kind.displayName) \(rows.count - 1) 条").create(on: req.db)
        }
        return try download(Spreadsheet.write(rows, as: format), name: "\(scopeName)\(kind.displayName).\(format.rawValue)", format: format)
    }
}
