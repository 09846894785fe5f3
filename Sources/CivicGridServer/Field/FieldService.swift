import Fluent
import Foundation
import GridCore
import Vapor

/// The grid worker's phone and the residents' front door: client-key receipts for offline sync,
/// patrol check-ins, grid notices, the public card of a grid, building QR tokens and the
/// account anonymous resident reports are filed under.
struct FieldService {
    let db: any Database
    let app: Application
    var now: Date { app.state.clock.now() }

    // MARK: Offline sync: each client key once

    /// A key from a phone: 8–64 letters, digits and dashes (the app sends a UUID).
    static func validKey(_ raw: String?) throws -> String? {
        guard let key = raw?.trimmingCharacters(in: .whitespaces), !key.isEmpty else { return nil }
        guard (8...64).contains(key.count), key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw Abort(.badRequest, reason: "同步标识格式不正确")
        }
        return key
    }

    static func receipt(_ key: String, user: CurrentUser, on db: any Database) async throws -> ClientReceipt? {
        try await ClientReceipt.query(on: db).filter(\.$userID == user.id).filter(\.$clientKey == key).first()
    }

    /// Claims the key inside the record's transaction; the unique (user, key) index stops a racing twin.
    static func claim(_ key: String, kind: ClientReceipt.Kind, target: String, user: CurrentUser, at: Date, on tx: any Database) async throws {
        let r = ClientReceipt()
        r.userID = user.id; r.clientKey = key; r.kind = kind; r.targetID = target; r.createdAt = at
        try await r.create(on: tx)
    }

    /// Runs `write` once per key: a key seen before (or claimed by a racing twin) answers with the
    /// first record's id and `duplicate = true`.
    static func once(_ key: String?, user: CurrentUser, on db: any Database,
                     _ write: () async throws -> String) async throws -> (id: String, duplicate: Bool) {
        guard let key else { return (try await write(), false) }
        if let earlier = try await receipt(key, user: user, on: db) { return (earlier.targetID ?? "", true) }
        do {
            return (try await write(), false)
        } catch let again as CaseService.AlreadyReceived {
            return (again.targetID, true)
        } catch {
            if let earlier = try? await receipt(key, user: user, on: db) { return (earlier.targetID ?? "", true) }
            throw error
        }
    }

    // MARK: Patrols

    struct CheckInInput {
        var gridID: Int
        var latitude: Double?
        var longitude: Double?
        var note: String
        var clientKey: String?
        /// When the phone recorded it (offline check-ins arrive later); not in the future, at most 7 days old.
        var recordedAt: Date?
        /// What the patrol found at each item of the grid's checklist it looked at.
        var findings: [Finding] = []
    }

    struct Finding { var itemID: UUID; var ok: Bool; var note: String }

    func checkIn(_ input: CheckInInput, by user: CurrentUser) async throws -> PatrolCheckIn {
        guard user.assignments.contains(where: { [.gridWorker, .gridLeader].contains($0.role) }) else {
            throw Abort(.forbidden, reason: "只有网格员、网格长可以巡查打卡")
        }
        guard let grid = try await AreaService(db: db, levels: app.state.levels).find(input.gridID, in: user.scope),
              [.grid, .microGrid].contains(grid.level) else {
            throw Abort(.unprocessableEntity, reason: "所选网格不存在或不在您的管辖范围内")
        }
        let note = input.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500 else { throw Abort(.unprocessableEntity, reason: "巡查情况不超过 500 字") }
        var inside: Bool?
        if let lat = input.latitude, let lon = input.longitude {
            guard (-90...90).contains(lat), (-180...180).contains(lon) else { throw Abort(.unprocessableEntity, reason: "经纬度超出范围") }
            inside = try await app.state.gridLocator.locate(GeoPoint(lon: lon, lat: lat), on: db) == grid.id
        }
        let at = try Self.recordedTime(input.recordedAt, now: now)
        let itemIDs = input.findings.map(\.itemID)
        let items = itemIDs.isEmpty ? [] : try await PatrolChecklistItem.query(on: db).filter(\.$id ~~ itemIDs).filter(\.$gridID == grid.requireID()).all()
        guard items.count == Set(itemIDs).count else { throw Abort(.unprocessableEntity, reason: "巡查项不属于所选网格，请刷新后重试") }
        let titles = Dictionary(items.map { ($0.id!, $0.title) }, uniquingKeysWith: { a, _ in a })
        do {
            try PatrolChecklist.validate(input.findings.map { .init(item: titles[$0.itemID] ?? "", ok: $0.ok, note: $0.note) })
        } catch { throw Abort(.unprocessableEntity, reason: error.description) }
        let c = PatrolCheckIn()
        c.id = UUID(); c.gridID = try grid.requireID(); c.userID = user.id; c.userName = user.displayName
        c.at = at; c.day = LocalDate(at).description; c.latitude = input.latitude; c.longitude = input.longitude
        c.insideGrid = inside; c.note = note; c.receivedAt = now
        try await db.writeTransaction { tx in
            try await c.create(on: tx)
            for f in input.findings {
                let r = PatrolItemResult()
                r.checkInID = c.id!; r.itemID = f.itemID; r.gridID = c.gridID; r.ok = f.ok
                r.note = f.note.trimmingCharacters(in: .whitespacesAndNewlines); r.at = at
                try await r.create(on: tx)
            }
            if let key = input.clientKey { try await Self.claim(key, kind: .patrol, target: c.id!.uuidString, user: user, at: now, on: tx) }
        }
        return c
    }

    // MARK: Daily patrol checklists

    struct ChecklistInput {
        var gridID: Int
        var title: String
        var kind: String
        var place: String
        var categoryID: String?
    }

    /// The grid's worker or leader (or the community above) adds an item to the grid's checklist.
    func addChecklistItem(_ input: ChecklistInput, by user: CurrentUser) async throws -> PatrolChecklistItem {
        let grid = try await noticeGrid(input.gridID, user: user)
        guard let kind = PatrolChecklist.Kind(rawValue: input.kind) else { throw Abort(.unprocessableEntity, reason: "请选择巡查项类型") }
        let existing = try await PatrolChecklistItem.query(on: db).filter(\.$gridID == grid.requireID()).filter(\.$active == true).count()
        do { try PatrolChecklist.validateItem(title: input.title, place: input.place, existing: existing) } catch {
            throw Abort(.unprocessableEntity, reason: error.description)
        }
        var category: UUID?
        if let raw = input.categoryID.flatMap(nonEmpty) {
            guard let id = UUID(uuidString: raw), let c = try await CaseCategory.find(id, on: db), c.$parent.id != nil else {
                throw Abort(.unprocessableEntity, reason: "请选择具体的事件类别（二级分类）")
            }
            category = c.id
        }
        let item = PatrolChecklistItem()
        item.gridID = try grid.requireID(); item.title = input.title.trimmingCharacters(in: .whitespaces); item.kind = kind
        item.place = input.place.trimmingCharacters(in: .whitespaces); item.categoryID = category
        item.position = existing + 1; item.active = true; item.createdAt = now
        try await item.create(on: db)
        return item
    }

    func retireChecklistItem(_ id: UUID, by user: CurrentUser) async throws {
        guard let item = try await PatrolChecklistItem.find(id, on: db), item.active else { throw Abort(.notFound, reason: "巡查项不存在") }
        _ = try await noticeGrid(item.gridID, user: user)
        item.active = false
        try await item.save(on: db)
    }

    static func checklists(grids: [Int], on db: any Database) async throws -> [PatrolChecklistItem] {
        guard !grids.isEmpty else { return [] }
        return try await PatrolChecklistItem.query(on: db).filter(\.$gridID ~~ grids).filter(\.$active == true)
            .sort(\.$gridID).sort(\.$position).all()
    }

    /// The time a phone says it recorded something: kept if plausible, else refused.
    static func recordedTime(_ given: Date?, now: Date) throws -> Date {
        guard let given else { return now }
        guard given <= now.addingTimeInterval(5 * 60) else { throw Abort(.unprocessableEntity, reason: "记录时间晚于当前时间，请检查手机时间") }
        guard now.timeIntervalSince(given) <= 7 * 86_400 else { throw Abort(.unprocessableEntity, reason: "离线记录超过 7 天，请重新填写") }
        return min(given, now)
    }

    // MARK: Notices

    func postNotice(gridID: Int, title: String, body: String, by user: CurrentUser) async throws -> GridNotice {
        let grid = try await noticeGrid(gridID, user: user)
        let t = title.trimmingCharacters(in: .whitespacesAndNewlines), b = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...60).contains(t.count) else { throw Abort(.unprocessableEntity, reason: "公告标题需 2–60 个字") }
        guard (2...2000).contains(b.count) else { throw Abort(.unprocessableEntity, reason: "公告内容需 2–2000 个字") }
        let n = GridNotice()
        n.gridID = try grid.requireID(); n.authorID = user.id; n.authorName = user.displayName
        n.title = t; n.body = b; n.createdAt = now
        try await n.create(on: db)
        return n
    }

    func withdrawNotice(_ id: UUID, by user: CurrentUser) async throws -> GridNotice {
        guard let n = try await GridNotice.find(id, on: db) else { throw Abort(.notFound) }
        _ = try await noticeGrid(n.gridID, user: user)
        guard n.withdrawnAt == nil else { throw Abort(.conflict, reason: "该公告已撤回") }
        n.withdrawnAt = now
        try await n.save(on: db)
        return n
    }

    /// Notices are posted by the grid's worker or leader, or by the community above it.
    private func noticeGrid(_ gridID: Int, user: CurrentUser) async throws -> Area {
        guard user.kind == .staff, !user.roles.isDisjoint(with: [.gridWorker, .gridLeader, .operator, .administrator]) else {
            throw Abort(.forbidden, reason: "网格公告由本网格的网格员、网格长或社区发布")
        }
        guard let grid = try await AreaService(db: db, levels: app.state.levels).find(gridID, in: user.scope),
              [.grid, .microGrid].contains(grid.level) else { throw Abort(.notFound, reason: "网格不存在或不在您的管辖范围内") }
        return grid
    }

    static func liveNotices(grids: [Int], limit: Int = 10, on db: any Database) async throws -> [GridNotice] {
        guard !grids.isEmpty else { return [] }
        return try await GridNotice.query(on: db).filter(\.$gridID ~~ grids).filter(\.$withdrawnAt == nil)
            .sort(\.$createdAt, .descending).limit(limit).all()
    }

    // MARK: A grid's public card

    struct PublicPerson: Encodable {
        let role: String
        let name: String
        let workPhone: String?
        let photo: String?
    }

    /// Who looks after a grid, as shown to residents: names, duty phones, photos — nothing else.
    static func publicTeam(of grid: Area, on db: any Database) async throws -> [PublicPerson] {
        var areaIDs = [try grid.requireID()]
        if let parent = grid.$parent.id { areaIDs.append(parent) }
        let rows = try await RoleAssignment.query(on: db).filter(\.$area.$id ~~ areaIDs)
            .filter(\.$role ~~ [.gridWorker, .gridLeader]).with(\.$user).all()
        let order: [Role] = [.gridWorker, .gridLeader]
        return rows.filter { $0.user.active }
            .sorted { (order.firstIndex(of: $0.role) ?? 9, $0.user.displayName) < (order.firstIndex(of: $1.role) ?? 9, $1.user.displayName) }
            .map { row in
                PublicPerson(role: row.role == .gridWorker ? "网格员" + (row.employment.map { "（\($0.displayName)）" } ?? "") : "网格长",
                             name: row.user.displayName, workPhone: row.user.workPhone,
                             photo: row.user.photoPath == nil ? nil : SiteURL.portalStaffPhoto(row.user.id!).path)
            }
    }

    // MARK: Building QR tokens

    /// Gives each building without one a short public token (8 characters of the tracking alphabet).
    func assignQRTokens(_ buildings: [Building]) async throws {
        let missing = buildings.filter { $0.qrToken == nil }
        guard !missing.isEmpty else { return }
        try await db.transaction { tx in
            for b in missing {
                b.qrToken = String(TrackingCode.generate().value.prefix(8))
                try await b.save(on: tx)
            }
        }
    }

    static func validToken(_ raw: String) -> String? {
        let t = raw.uppercased()
        return t.count == 8 && t.allSatisfy({ TrackingCode.alphabet.contains($0) }) ? t : nil
    }

    // MARK: The portal's account

    static let portalUsername = "svc-portal"

    /// Anonymous resident reports are filed under one account that cannot sign in; the reporter's
    /// name and (sealed) phone are on the case.
    func portalUser() async throws -> CurrentUser {
        if let u = try await User.query(on: db).filter(\.$username == Self.portalUsername).first() {
            return try await CurrentUser.load(u, via: .webSession, on: db)
        }
        let u = User(username: Self.portalUsername, displayName: "居民随手拍（未登录）", kind: .resident,
                     passwordHash: "!" + TokenMaker.random(), active: false)
        do { try await u.create(on: db) } catch {
            // Another request created it first.
            guard let existing = try await User.query(on: db).filter(\.$username == Self.portalUsername).first() else { throw error }
            return try await CurrentUser.load(existing, via: .webSession, on: db)
        }
        return try await CurrentUser.load(u, via: .webSession, on: db)
    }
}
