import Fluent
import Foundation
import GridCore
import Vapor

/// 重复诉求: finds open cases of the same category near a case in space and time, from any
/// channel, and merges a duplicate into the case being worked. The duplicate is closed as
/// 不予受理（重复诉求） in the same transaction that links it, so its reporter follows the master.
struct DuplicateService {
    let db: any Database
    let app: Application

    struct Found {
        let record: Case
        let match: DuplicateRule.Match
    }

    var settings: DuplicateRule.Settings { app.state.config.duplicates }

    /// Open cases the user can see that look like the same problem as `c`, nearest first.
    func candidates(for c: Case, user: CurrentUser) async throws -> [Found] {
        guard let lat = c.latitude, let lon = c.longitude else { return [] }
        let point = GeoPoint(lon: lon, lat: lat)
        let box = Distance.box(around: point, metres: settings.radiusMetres)
        let window = settings.windowHours * 3600
        let rows = try await CaseService.visible(to: user, on: db)
            .filter(\Case.$category.$id == c.$category.id)
            .filter(\Case.$reportedAt >= c.reportedAt.addingTimeInterval(-window))
            .filter(\Case.$reportedAt <= c.reportedAt.addingTimeInterval(window))
            .filter(\Case.$status ~~ CaseStatus.allCases.filter(\.isOpen))
            .filter(\Case.$mergedIntoID == nil)
            .filter(\Case.$latitude >= box.minLat).filter(\Case.$latitude <= box.maxLat)
            .filter(\Case.$longitude >= box.minLon).filter(\Case.$longitude <= box.maxLon)
            .limit(200).all()
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!.uuidString, $0) })
        let matches = DuplicateRule.matches(
            for: .init(id: c.id?.uuidString, category: c.$category.id.uuidString, point: point, at: c.reportedAt),
            among: rows.compactMap { r in
                guard let la = r.latitude, let lo = r.longitude else { return nil }
                return .init(id: r.id!.uuidString, category: r.$category.id.uuidString, point: GeoPoint(lon: lo, lat: la),
                             reportedAt: r.reportedAt, isOpen: r.status.isOpen, mergedInto: r.mergedIntoID?.uuidString)
            }, settings: settings)
        return matches.compactMap { m in byID[m.id].map { Found(record: $0, match: m) } }
    }

    /// Closes `duplicateID` as a repeat of `masterID` and links it.
    @discardableResult
    func merge(_ duplicateID: UUID, into masterID: UUID, by user: CurrentUser, now: Date) async throws -> Case {
        guard duplicateID != masterID else { throw Abort(.unprocessableEntity, reason: "不能把事件并入它自己") }
        let service = CaseService(db: db, app: app)
        let master = try await service.require(masterID, for: user)
        let duplicate = try await service.require(duplicateID, for: user)
        guard master.status.isOpen, master.mergedIntoID == nil else {
            throw Abort(.unprocessableEntity, reason: "事件 \(master.code) 已办结或已并入其他事件，不能作为主事件")
        }
        guard duplicate.mergedIntoID == nil else { throw Abort(.conflict, reason: "事件 \(duplicate.code) 已经并入其他事件") }
        // The operator judges it the same problem: another category is allowed, and the master's wins.
        let category = master.$category.id
        var note = "与事件 \(master.code) 重复，已并入该事件办理，进度随主事件更新"
        if duplicate.$category.id != category, let name = try await CaseCategory.find(category, on: db)?.name {
            note += "（类别随主事件改为“\(name)”）"
        }
        return try await service.perform(.reject(.duplicate, note), on: duplicateID, by: user, now: now) {
            $0.mergedIntoID = masterID
            $0.$category.id = category
        }
    }

    /// Cases merged into `master`, oldest first.
    func merged(into master: UUID) async throws -> [Case] {
        try await Case.query(on: db).filter(\.$mergedIntoID == master).sort(\.$reportedAt).all()
    }
}
