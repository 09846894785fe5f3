import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// Intake and every action on a case. The state machine in GridCore decides; this service loads
/// what it needs, and writes the outcome — case row, deadlines, inquiry, timeline entry,
/// notifications — in one transaction.
struct CaseService {
    let db: any Database
    let app: Application
    /// A machine built once by a caller doing many actions (the demo history); otherwise loaded per call.
    var preparedMachine: CaseMachine? = nil

    // MARK: Who is acting

    static func actor(_ user: CurrentUser) -> CaseActor {
        CaseActor(userID: user.id.uuidString, held: user.assignments.map {
            CaseActor.Held(role: $0.role, areaPath: $0.areaPath, areaLevel: $0.areaLevel, departmentID: $0.departmentID?.uuidString)
        })
    }

    func machine() async throws -> CaseMachine {
        if let preparedMachine { return preparedMachine }
        return CaseMachine(calendar: try await CalendarService.load(on: db), levels: app.state.levels)
    }

    // MARK: Reading

    /// Cases the user may see: their areas' subtrees (by the grid's path, in SQL), cases held by or
    /// co-handled by their departments, and cases they reported themselves.
    static func visible(to user: CurrentUser, on db: any Database) -> QueryBuilder<Case> {
        let departments = user.assignments.compactMap(\.departmentID)
        return Case.query(on: db).join(Area.self, on: \Case.$grid.$id == \Area.$id).group(.or) { group in
            for root in user.scope.areaPaths { group.filter(Area.self, \.$path =~ root.description) }
            for department in departments {
                group.filter(\Case.$holderDepartment.$id == department)
                group.filter(\Case.$lastDepartmentID == department)
                group.filter(\Case.$coHandlers ~~ department.uuidString)
            }
            group.filter(\Case.$reporter.$id == user.id)
        }
    }

    func require(_ id: UUID, for user: CurrentUser) async throws -> Case {
        guard let found = try await Self.visible(to: user, on: db).filter(\Case.$id == id).first() else {
            throw Abort(.notFound, reason: "事件不存在或不在您的管辖范围内")
        }
        return found
    }

    func snapshot(of c: Case, on db: any Database) async throws -> CaseSnapshot {
        let grid = try await c.$grid.get(on: db)
        let chain = try await Area.query(on: db).filter(\.$id ~~ grid.areaPath.ids).all()
        var ancestors: [AreaLevel: AreaPath] = [:]
        for area in chain { ancestors[area.level] = area.areaPath }
        func path(_ id: Int?) -> AreaPath? { id.flatMap { id in chain.first { $0.id == id }?.areaPath } }
        let holder: Holder
        if let department = c.$holderDepartment.id {
            holder = .department(department.uuidString)
        } else if let areaID = c.$holderArea.id, let area = chain.first(where: { $0.id == areaID }) {
            holder = .area(area.areaPath, area.level)
        } else {
            holder = .area(grid.areaPath, grid.level)
        }
        let category = try await c.$category.get(on: db)
        let onSiteOpen = try await CaseDeadline.query(on: db).filter(\.$case.$id == c.requireID()).filter(\.$kind == .onSite)
            .filter(\.$metAt == nil).filter(\.$endedAt == nil).count() > 0
        return CaseSnapshot(
            status: c.status, gridPath: grid.areaPath, ancestors: ancestors, holder: holder, coHandlers: c.coHandlerIDs.map(\.uuidString),
            dispatchedBy: path(c.dispatchedByAreaID), lastDepartment: c.lastDepartmentID?.uuidString,
            escalatedFrom: path(c.escalatedFromAreaID), escalatedTo: path(c.escalatedToAreaID), escalatedAt: c.escalatedAt,
            hasOpenInquiry: c.inquiryOpen, reporterID: c.$reporter.id?.uuidString, rated: c.satisfaction != nil,
            onSitePending: onSiteOpen, policy: category.policy)
    }

    // MARK: Intake

    struct ReportInput {
        var categoryID: UUID
        var title: String
        var description: String
        var channel: CaseChannel
        var urgency: Urgency = .normal
        var gridID: Int?
        var latitude: Double?
        var longitude: Double?
        var address: String?
        var reporterName: String?
        var reporterPhone: String?
        var externalRef: String?
        /// Set by a grid worker who fixed it on the spot (小事不出格).
        var onSiteNote: String?
        /// A grid worker's report that must leave the grid waits for the grid leader.
        var needsApproval = false
    }

    func report(_ input: ReportInput, by user: CurrentUser, photos: [PhotoStore.Stored] = [], now: Date) async throws -> Case {
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = input.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...100).contains(title.count) else { throw Abort(.unprocessableEntity, reason: "标题需 2–100 个字") }
        guard description.count <= 2000 else { throw Abort(.unprocessableEntity, reason: "描述不能超过 2000 个字") }
        try checkChannel(input.channel, user: user)
        if let lat = input.latitude, let lon = input.longitude {
            guard (-90...90).contains(lat), (-180...180).contains(lon) else { throw Abort(.unprocessableEntity, reason: "经纬度超出范围") }
        }
        guard let category = try await CaseCategory.find(input.categoryID, on: db), category.$parent.id != nil, category.active else {
            throw Abort(.unprocessableEntity, reason: "请选择具体的事件类别（二级分类）")
        }
        let grid = try await locateGrid(input, user: user)
        let phoneSealed = try sealedPhone(input.reporterPhone)
        let machine = try await machine()
        let snapshotAncestors = try await ancestors(of: grid)
        let start = machine.intake(channel: input.channel, ancestors: snapshotAncestors, needsApproval: input.needsApproval && input.onSiteNote == nil,
                                   reportedAt: now, policy: category.policy)
        let at = Self.wholeSecond(now)
        let created: Case = try await db.transaction { tx in
            let c = Case()
            c.id = UUID()
            c.code = try await nextCode(grid: grid, at: at, on: tx)
            c.title = title
            c.description = description
            c.$category.id = try category.requireID()
            c.channel = input.channel
            c.urgency = input.urgency
            c.status = start.status
            c.$grid.id = try grid.requireID()
            c.latitude = input.latitude
            c.longitude = input.longitude
            c.address = input.address?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            c.$reporter.id = user.id
            c.reporterName = input.reporterName?.trimmingCharacters(in: .whitespaces).nilIfEmpty ?? user.displayName
            c.reporterPhoneSealed = phoneSealed
            c.externalRef = input.externalRef?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            Self.setHolder(start.holder, on: c)
            c.coHandlers = ""
            c.overdue = false
            c.inquiryOpen = false
            c.supervised = false
            c.reportedAt = at
            c.updatedAt = at
            try await c.create(on: tx)
            for planned in start.deadlines { try await addDeadline(planned, holder: start.holder, case: c, at: at, on: tx) }
            let photoIDs = try await attach(photos, to: c, stage: "report", by: user, at: at, on: tx)
            try await appendTimeline(c, at: at, user: user, role: actingRole(user, holder: start.holder), action: ActionKind.report.rawValue,
                                     from: "", to: start.status.rawValue, comment: description, attachments: photoIDs, on: tx)
            try await notify([start.holder], about: c, text: "新事件 \(c.code)：\(title)", at: at, on: tx)
            return c
        }
        if let note = input.onSiteNote {
            return try await perform(.resolveOnSite(note), on: created.requireID(), by: user, now: now)
        }
        return created
    }

    private func sealedPhone(_ raw: String?) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let phone = PhoneNumber.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "联系电话格式不正确") }
        return try app.state.cipher.seal(phone)
    }

    private func checkChannel(_ channel: CaseChannel, user: CurrentUser) throws {
        let roles = user.roles
        switch channel {
        case .gridWorker:
            guard roles.contains(.gridWorker) || roles.contains(.gridLeader) else { throw Abort(.forbidden, reason: "只有网格员可以以“网格员上报”渠道上报") }
        case .resident:
            guard user.kind == .resident || roles.contains(.operator) else { throw Abort(.forbidden, reason: "“居民随手拍”由居民本人上报") }
        case .open311:
            throw Abort(.forbidden, reason: "Open311 渠道只能通过 Open311 接口上报")
        default:
            guard roles.contains(.operator) || roles.contains(.administrator) else {
                throw Abort(.forbidden, reason: "热线、微信群、视频巡查等渠道由指挥中心坐席登记")
            }
        }
    }

    /// The grid named, or the grid containing the reported point.
    private func locateGrid(_ input: ReportInput, user: CurrentUser) async throws -> Area {
        let gridLevels: [AreaLevel] = [.grid, .microGrid]
        if let id = input.gridID {
            let query = Area.query(on: db).filter(\.$id == id).filter(\.$level ~~ gridLevels)
            // Residents may report anywhere; staff only inside their scope.
            let found = user.kind == .resident ? try await query.first() : try await query.within(user.scope).first()
            guard let grid = found else { throw Abort(.unprocessableEntity, reason: "所选网格不存在或不在您的管辖范围内") }
            return grid
        }
        if let lat = input.latitude, let lon = input.longitude {
            let point = GeoPoint(lon: lon, lat: lat)
            let candidates = try await Area.query(on: db).filter(\.$level ~~ gridLevels).filter(\.$boundaryGeoJSON != nil).all()
            if let grid = candidates.first(where: { $0.boundary?.contains(point) ?? false }) {
                guard user.kind == .resident || user.scope.covers(grid.areaPath) else {
                    throw Abort(.unprocessableEntity, reason: "该位置所在的“\(grid.name)”不在您的管辖范围内")
                }
                return grid
            }
            throw Abort(.unprocessableEntity, reason: "该位置不在任何网格内，请手动选择网格")
        }
        // A grid worker with exactly one grid reports in it.
        let own = user.assignments.filter { $0.role == .gridWorker }.compactMap(\.areaID)
        if own.count == 1, let grid = try await Area.find(own[0], on: db) { return grid }
        throw Abort(.unprocessableEntity, reason: "请选择网格或提供位置")
    }

    private func ancestors(of grid: Area) async throws -> [AreaLevel: AreaPath] {
        let chain = try await Area.query(on: db).filter(\.$id ~~ grid.areaPath.ids).all()
        return Dictionary(chain.map { ($0.level, $0.areaPath) }, uniquingKeysWith: { a, _ in a })
    }

    /// `{grid code}-{yyyyMMdd}-{sequence}`, the sequence counted per grid per day.
    private func nextCode(grid: Area, at: Date, on tx: any Database) async throws -> String {
        let day = LocalDate(at)
        let prefix = "\(grid.code)-\(String(format: "%04d%02d%02d", day.year, day.month, day.day))-"
        let existing = try await Case.query(on: tx).filter(\.$code =~ prefix).count()
        return prefix + String(format: "%03d", existing + 1)
    }

    // MARK: Actions

    func perform(_ action: CaseAction, on id: UUID, by user: CurrentUser, photos: [PhotoStore.Stored] = [], now: Date) async throws -> Case {
        let machine = try await machine()
        let at = Self.wholeSecond(now)
        return try await db.transaction { tx in
            guard let c = try await Self.visible(to: user, on: tx).filter(\Case.$id == id).first() else {
                throw Abort(.notFound, reason: "事件不存在或不在您的管辖范围内")
            }
            if case .dispatch(let department, let co, _, _) = action {
                let ids = ([department] + co).compactMap(UUID.init(uuidString:))
                let found = try await Department.query(on: tx).filter(\.$id ~~ ids).filter(\.$active == true).count()
                guard ids.count == 1 + co.count, found == Set(ids).count else { throw Abort(.unprocessableEntity, reason: "请选择有效的承办部门") }
            }
            let before = try await snapshot(of: c, on: tx)
            let t = try machine.apply(action, by: Self.actor(user), to: before, now: at)
            try await write(t, action: action, to: c, before: before, user: user, photos: photos, at: at, on: tx)
            return c
        }
    }

    private func write(_ t: Transition, action: CaseAction, to c: Case, before: CaseSnapshot, user: CurrentUser,
                       photos: [PhotoStore.Stored], at: Date, on tx: any Database) async throws {
        let caseID = try c.requireID()
        c.status = t.to
        Self.setHolder(t.holder, on: c)
        c.coHandlers = t.coHandlers.joined(separator: ",")
        c.dispatchedByAreaID = t.dispatchedBy?.leafID
        if case .department(let id) = t.holder { c.lastDepartmentID = UUID(uuidString: id) }
        if let escalation = t.escalation {
            c.escalatedFromAreaID = escalation.from.leafID
            c.escalatedToAreaID = escalation.to.leafID
            c.escalatedAt = at
        }
        if t.clearsResolution { c.resolution = nil }
        if let resolution = t.resolution { c.resolution = resolution }
        if let rating = t.rating { c.satisfaction = rating }
        if t.kind == .accept { c.acceptedAt = at }
        if t.to == .closed || t.to == .rejected { c.closedAt = at } else if before.status == .closed { c.closedAt = nil }
        if t.kind == .supervise { c.supervised = true }
        c.updatedAt = at

        // Deadlines: meet, end, start.
        let open = try await CaseDeadline.query(on: tx).filter(\.$case.$id == caseID).filter(\.$metAt == nil).filter(\.$endedAt == nil).all()
        for deadline in open {
            if t.meets.contains(deadline.kind) { deadline.metAt = at; try await deadline.save(on: tx) }
            else if t.ends.contains(deadline.kind) || (t.starts.contains { $0.0.kind == deadline.kind }) {
                deadline.endedAt = at
                try await deadline.save(on: tx)
            }
        }
        for (planned, holder) in t.starts { try await addDeadline(planned, holder: holder, case: c, at: at, on: tx) }

        // Inquiry.
        if t.inquiryOpened, case .fileInquiry(let question) = action, let due = t.starts.first?.0.due {
            let inquiry = Inquiry()
            inquiry.$case.id = caseID
            inquiry.question = question
            inquiry.askedBy = user.id
            inquiry.askedAt = at
            inquiry.dueAt = due
            try await inquiry.create(on: tx)
            c.inquiryOpen = true
        }
        if t.inquiryAnswered, case .answerInquiry(let answer) = action,
           let inquiry = try await Inquiry.query(on: tx).filter(\.$case.$id == caseID).filter(\.$answeredAt == nil).first() {
            inquiry.answer = answer
            inquiry.answeredBy = user.id
            inquiry.answeredAt = at
            try await inquiry.save(on: tx)
            c.inquiryOpen = false
        }
        try await c.save(on: tx)

        let photoIDs = try await attach(photos, to: c, stage: t.kind.rawValue, by: user, at: at, on: tx)
        try await appendTimeline(c, at: at, user: user, role: actingRole(user, holder: before.holder), action: t.kind.rawValue,
                                 from: before.status.rawValue, to: t.to.rawValue, comment: action.comment, attachments: photoIDs, on: tx)
        let text = "\(c.code) \(t.kind.displayName)" + (action.comment.isEmpty ? "" : "：\(action.comment.prefix(60))")
        try await notify(t.notify, about: c, text: text, at: at, on: tx)
    }

    static func setHolder(_ holder: Holder, on c: Case) {
        switch holder {
        case .area(let path, _):
            c.$holderArea.id = path.leafID
            c.$holderDepartment.id = nil
        case .department(let id):
            c.$holderArea.id = nil
            c.$holderDepartment.id = UUID(uuidString: id)
        }
    }

    private func addDeadline(_ planned: PlannedDeadline, holder: Holder, case c: Case, at: Date, on tx: any Database) async throws {
        let deadline = CaseDeadline()
        deadline.$case.id = try c.requireID()
        deadline.kind = planned.kind
        deadline.dueAt = planned.due
        deadline.startedAt = at
        switch holder {
        case .area(let path, _): deadline.areaID = path.leafID
        case .department(let id): deadline.departmentID = UUID(uuidString: id)
        }
        try await deadline.create(on: tx)
    }

    private func attach(_ photos: [PhotoStore.Stored], to c: Case, stage: String, by user: CurrentUser, at: Date, on tx: any Database) async throws -> [String] {
        var ids: [String] = []
        for stored in photos {
            let photo = CasePhoto()
            photo.id = UUID()
            photo.$case.id = try c.requireID()
            photo.uploadedBy = user.id
            photo.stage = stage
            photo.storedPath = stored.relativePath
            photo.contentType = stored.contentType
            photo.bytes = stored.bytes
            photo.sha256 = stored.sha256
            photo.createdAt = at
            try await photo.create(on: tx)
            ids.append(photo.id!.uuidString)
        }
        return ids
    }

    /// Appends one hash-chained entry. The (case, seq) unique index stops two racing writers.
    private func appendTimeline(_ c: Case, at: Date, user: CurrentUser, role: (String, String), action: String, from: String, to: String,
                                comment: String, attachments: [String], on tx: any Database) async throws {
        let last = try await TimelineEntry.query(on: tx).filter(\.$case.$id == c.requireID()).sort(\.$seq, .descending).first()
        let record = TimelineRecord(caseCode: c.code, seq: (last?.seq ?? 0) + 1, at: at, actorID: user.id.uuidString, actorName: user.displayName,
                                    role: role.0, level: role.1, action: action, fromStatus: from, toStatus: to, comment: comment,
                                    attachments: attachments)
        let previous = last?.hash ?? TimelineChain.genesis
        let entry = TimelineEntry()
        entry.$case.id = try c.requireID()
        entry.seq = record.seq
        entry.at = record.at
        entry.actorID = record.actorID
        entry.actorName = record.actorName
        entry.role = record.role
        entry.level = record.level
        entry.action = record.action
        entry.fromStatus = record.fromStatus
        entry.toStatus = record.toStatus
        entry.comment = record.comment
        entry.attachments = attachments.joined(separator: ",")
        entry.prevHash = previous
        entry.hash = TimelineChain.hash(record, previous: previous)
        try await entry.create(on: tx)
    }

    /// The role and level the user acted in, for the trace: the one the case's holder calls for first.
    private func actingRole(_ user: CurrentUser, holder: Holder) -> (String, String) {
        if user.kind == .resident { return ("resident", "") }
        let assignments = user.assignments
        let pick: CurrentUser.Assignment?
        switch holder {
        case .area(let path, _):
            pick = assignments.first { $0.role == .operator && $0.areaPath == path }
                ?? assignments.first { $0.areaPath?.contains(path) ?? false }
                ?? assignments.first { path.contains($0.areaPath ?? AreaPath(ids: [0])) }
        case .department(let id):
            pick = assignments.first { $0.departmentID?.uuidString == id }
        }
        let chosen = pick ?? assignments.first
        return (chosen?.role.rawValue ?? "", chosen?.areaLevel?.rawValue ?? (chosen?.departmentID != nil ? "department" : ""))
    }

    private func notify(_ holders: [Holder], about c: Case, text: String, at: Date, on tx: any Database) async throws {
        for holder in holders {
            switch holder {
            case .area(let path, _):
                try await Notification(caseID: c.id, areaID: path.leafID, departmentID: nil, text: text, at: at).create(on: tx)
            case .department(let id):
                try await Notification(caseID: c.id, areaID: nil, departmentID: UUID(uuidString: id), text: text, at: at).create(on: tx)
            }
        }
    }

    static func wholeSecond(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
