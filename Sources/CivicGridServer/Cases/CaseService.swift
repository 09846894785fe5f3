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
    /// The reference generation the request's sign-in read (`Request.referenceGeneration`); read again when nil.
    var generation: Int64? = nil

    /// For a request: its database, and the reference generation its sign-in already read.
    init(_ req: Request) { self.init(db: req.db, app: req.application, generation: req.referenceGeneration) }

    init(db: any Database, app: Application, preparedMachine: CaseMachine? = nil, generation: Int64? = nil) {
        self.db = db
        self.app = app
        self.preparedMachine = preparedMachine
        self.generation = generation
    }

    // MARK: Who is acting

    static func actor(_ user: CurrentUser) -> CaseActor {
        if user.id == CurrentUser.platform.id { return .system }
        return CaseActor(userID: user.id.uuidString, held: user.assignments.map {
            CaseActor.Held(role: $0.role, areaPath: $0.areaPath, areaLevel: $0.areaLevel, departmentID: $0.departmentID?.uuidString)
        })
    }

    func machine() async throws -> CaseMachine {
        if let preparedMachine { return preparedMachine }
        return CaseMachine(calendar: try await reference().calendar, levels: app.state.levels, rules: app.state.config.workflowRules)
    }

    /// Areas, classification list and calendar as of the current reference generation.
    func reference() async throws -> ReferenceCache.Snapshot {
        try await app.state.reference.snapshot(on: db, generation: generation)
    }

    // MARK: Reading

    /// Cases the user may see: their areas' subtrees (by the grid's path, in SQL), cases held by or
    /// co-handled by their departments, and cases they reported themselves.
    static func visible(to user: CurrentUser, on db: any Database) -> QueryBuilder<Case> {
        let departments = user.assignments.compactMap(\.departmentID)
        return Case.query(on: db).join(Area.self, on: \Case.$grid.$id == \Area.$id).group(.or) { group in
            group.filter(anyAreaWithin: user.scope)
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

    /// Loads a case visible to the user, with its grid chain, category policy, deadlines, open inquiry and chain tip.
    func load(_ id: UUID, for user: CurrentUser, on db: any Database) async throws -> CaseAggregate {
        guard let c = try await Self.visible(to: user, on: db).filter(\Case.$id == id).first() else {
            throw Abort(.notFound, reason: "事件不存在或不在您的管辖范围内")
        }
        return try await aggregate(c, on: db)
    }

    func aggregate(_ c: Case, on db: any Database) async throws -> CaseAggregate {
        let id = try c.requireID()
        guard let grid = try await Area.find(c.$grid.id, on: db) else { throw Abort(.internalServerError) }
        let chain = try await Area.query(on: db).filter(\.$id ~~ grid.areaPath.ids).all()
        let category = try await c.$category.get(on: db)
        let deadlines = try await CaseDeadline.query(on: db).filter(\.$case.$id == id).all()
        let inquiry = c.inquiryOpen ? try await Inquiry.query(on: db).filter(\.$case.$id == id).filter(\.$answeredAt == nil).first() : nil
        let last = try await TimelineEntry.query(on: db).filter(\.$case.$id == id).sort(\.$seq, .descending).first()
        let request = try await CaseRequest.query(on: db).filter(\.$case.$id == id).filter(\.$decidedAt == nil).filter(\.$cancelledAt == nil).first()
        return CaseAggregate(record: c, chain: chain, policy: category.policy, deadlines: deadlines, openInquiry: inquiry, openRequest: request,
                             lastSeq: last?.seq ?? 0, lastHash: last?.hash ?? TimelineChain.genesis, isNew: false)
    }

    func snapshot(of c: Case, on db: any Database) async throws -> CaseSnapshot {
        try await aggregate(c, on: db).snapshot
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
        /// The registry building the case is at, when reported from its page.
        var buildingID: UUID? = nil
        /// The datum of `latitude`/`longitude`; GCJ-02 (Chinese phone maps) is converted to WGS-84.
        var datum: Datum = .wgs84
        /// A phone's key for this report (offline sync): the same key twice gives the same case.
        var clientKey: String? = nil
        /// A problem found on a patrol's checklist that this report turns into a case (linked in the same transaction).
        var patrolFindingID: UUID? = nil
    }

    /// Thrown when a phone sends a report it has sent before: the case made the first time.
    struct AlreadyReceived: Error { let targetID: String }

    func report(_ given: ReportInput, by user: CurrentUser, photos: [PhotoStore.Stored] = [], onSitePhotos: [PhotoStore.Stored] = [],
                now: Date) async throws -> Case {
        var converted = given
        if given.datum == .gcj02, let lat = given.latitude, let lon = given.longitude {
            let wgs = ChinaDatum.gcj02ToWGS84(GeoPoint(lon: lon, lat: lat))
            (converted.latitude, converted.longitude, converted.datum) = (wgs.lat, wgs.lon, .wgs84)
        }
        let input = converted
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = input.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...100).contains(title.count) else { throw Abort(.unprocessableEntity, reason: "标题需 2–100 个字") }
        guard description.count <= 2000 else { throw Abort(.unprocessableEntity, reason: "描述不能超过 2000 个字") }
        try checkChannel(input.channel, user: user)
        if let lat = input.latitude, let lon = input.longitude {
            guard (-90...90).contains(lat), (-180...180).contains(lon) else { throw Abort(.unprocessableEntity, reason: "经纬度超出范围") }
        }
        let reference = try await reference()
        guard let category = reference.categories[input.categoryID], category.$parent.id != nil, category.active else {
            throw Abort(.unprocessableEntity, reason: "请选择具体的事件类别（二级分类）")
        }
        let grid = try await locateGrid(input, user: user, reference: reference)
        let phoneSealed = try sealedPhone(input.reporterPhone)
        let machine = preparedMachine ?? CaseMachine(calendar: reference.calendar, levels: app.state.levels, rules: app.state.config.workflowRules)
        let chain = reference.chain(of: grid)
        if let key = input.clientKey, let earlier = try await FieldService.receipt(key, user: user, on: db) {
            throw AlreadyReceived(targetID: earlier.targetID ?? "")
        }
        let created: Case
        var published = false
        if input.clientKey == nil, input.patrolFindingID == nil, input.onSiteNote == nil, !db.inTransaction {
            // A plain report: written with whatever other reports are waiting (group commit).
            let service = self
            let gridPath = grid.path
            created = try await app.state.intakeQueue.submit(prefix: Self.codePrefix(grid: grid, at: now), on: db, app: app,
                                                             event: { CaseEvent(.created, $0, gridPath: gridPath, at: now) }) { code in
                IntakeQueue.CaseAggregateBox(aggregate: try service.newCase(
                    input, code: code, title: title, description: description, category: category, chain: chain, grid: grid,
                    phoneSealed: phoneSealed, by: user, photos: photos, machine: machine, now: now))
            }
            published = true
        } else {
            // Intake and an on-the-spot fix are one transaction: a retried phone never finds half of it.
            created = try await db.writeTransaction { tx in
                let code = try await nextCode(grid: grid, at: now, on: tx)
                let aggregate = try newCase(input, code: code, title: title, description: description, category: category, chain: chain,
                                            grid: grid, phoneSealed: phoneSealed, by: user, photos: photos, machine: machine, now: now)
                try await persist(aggregate, on: tx)
                if let key = input.clientKey {
                    try await FieldService.claim(key, kind: .report, target: aggregate.record.id!.uuidString, user: user, at: now, on: tx)
                }
                if let finding = input.patrolFindingID {
                    try await PatrolItemResult.query(on: tx).filter(\.$id == finding).filter(\.$caseID == nil)
                        .set(\.$caseID, to: aggregate.record.id!).update()
                }
                guard let note = input.onSiteNote else { return aggregate.record }
                let again = try await self.aggregate(aggregate.record, on: tx)
                try apply(.resolveOnSite(note), to: again, by: user, photos: onSitePhotos, machine: machine, now: now)
                try await persist(again, on: tx)
                return again.record
            }
        }
        if !published {
            var events = [CaseEvent(.created, created, gridPath: grid.path, at: now)]
            if input.onSiteNote != nil { events.append(CaseEvent(.changed, created, gridPath: grid.path, at: now)) }
            await app.state.caseEvents.publish(events, app: app)
        }
        return created
    }

    private func sealedPhone(_ raw: String?) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let phone = PhoneNumber.normalize(raw) else { throw Abort(.unprocessableEntity, reason: "联系电话格式不正确") }
        return try app.state.cipher.seal(phone)
    }

    /// An API key's account (Open311 clients, hotline systems): it never signs in.
    static func isServiceAccount(_ user: CurrentUser) -> Bool { user.username.hasPrefix(ApiKeyController.serviceAccountPrefix) }

    private func checkChannel(_ channel: CaseChannel, user: CurrentUser) throws {
        let roles = user.roles
        switch channel {
        case .gridWorker:
            guard roles.contains(.gridWorker) || roles.contains(.gridLeader) else { throw Abort(.forbidden, reason: "只有网格员可以以“网格员上报”渠道上报") }
        case .resident:
            guard user.kind == .resident || roles.contains(.operator) else { throw Abort(.forbidden, reason: "“居民随手拍”由居民本人上报") }
        case .open311:
            guard user.username.hasPrefix(ApiKeyController.serviceAccountPrefix) else {
                throw Abort(.forbidden, reason: "Open311 渠道只能通过 Open311 接口上报")
            }
        case .hotline12345 where Self.isServiceAccount(user), .mayorHotline where Self.isServiceAccount(user),
             .serviceHotline96361 where Self.isServiceAccount(user):
            break  // a hotline system's work order through the webhook
        default:
            guard roles.contains(.operator) || roles.contains(.administrator) else {
                throw Abort(.forbidden, reason: "热线、微信群、视频巡查等渠道由指挥中心坐席登记")
            }
        }
    }

    /// The grid named, or the grid containing the reported point.
    private func locateGrid(_ input: ReportInput, user: CurrentUser, reference: ReferenceCache.Snapshot) async throws -> Area {
        let gridLevels: Set<AreaLevel> = [.grid, .microGrid]
        if let id = input.gridID {
            // Residents may report anywhere; staff only inside their scope.
            guard let grid = reference.area(id), gridLevels.contains(grid.level),
                  user.kind == .resident || user.scope.covers(grid.areaPath) else {
                throw Abort(.unprocessableEntity, reason: "所选网格不存在或不在您的管辖范围内")
            }
            return grid
        }
        if let lat = input.latitude, let lon = input.longitude {
            let point = GeoPoint(lon: lon, lat: lat)
            if let id = try await app.state.gridLocator.locate(point, on: db, generation: reference.generation), let grid = reference.area(id) {
                guard user.kind == .resident || user.scope.covers(grid.areaPath) else {
                    throw Abort(.unprocessableEntity, reason: "该位置所在的“\(grid.name)”不在您的管辖范围内")
                }
                return grid
            }
            throw Abort(.unprocessableEntity, reason: "该位置不在任何网格内，请手动选择网格")
        }
        // A grid worker with exactly one grid reports in it.
        let own = user.assignments.filter { $0.role == .gridWorker }.compactMap(\.areaID)
        if own.count == 1, let grid = reference.area(own[0]) { return grid }
        // An address alone: the 标准地址 matcher (a choice of places when it fits several).
        if let address = input.address?.trimmingCharacters(in: .whitespacesAndNewlines), !address.isEmpty {
            let found = try await AddressDirectory(db: db).grid(of: address)
            guard let grid = reference.area(found.gridID), user.kind == .resident || user.scope.covers(grid.areaPath) else {
                throw Abort(.unprocessableEntity, reason: "地址“\(address.prefix(40))”所在的网格不在您的管辖范围内")
            }
            return grid
        }
        throw Abort(.unprocessableEntity, reason: "请选择网格、提供位置或填写地址（路名和门牌号）")
    }

    /// `{grid code}-{yyyyMMdd}-{sequence}`, the sequence numbered per grid per day.
    private func nextCode(grid: Area, at: Date, on tx: any Database) async throws -> String {
        let prefix = Self.codePrefix(grid: grid, at: at)
        return prefix + Self.sequence(try await Self.lastNumber(prefix: prefix, on: tx) + 1)
    }

    static func codePrefix(grid: Area, at: Date) -> String {
        let day = LocalDate(at)
        return "\(grid.code)-\(padded(day.year, 4))\(padded(day.month, 2))\(padded(day.day, 2))-"
    }

    /// A case number's sequence: at least three digits ("007", "1000").
    static func sequence(_ n: Int) -> String { padded(n, 3) }

    private static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The highest sequence numbered with `prefix` so far (0 for none): the highest, not the count,
    /// so a number skipped (a batch refused while another committed) is never given twice. A range
    /// on the unique index, not `LIKE 'prefix%'`: PostgreSQL cannot use a btree for LIKE under a
    /// non-C collation and scanned every case (2 s per intake at 10 M cases, 0.1 ms now). Every code
    /// of the day sorts between the prefix and the prefix with its final "-" bumped to ".". The
    /// sequence is compared as a number: "1000" follows "999".
    static func lastNumber(prefix: String, on tx: any Database) async throws -> Int {
        let row = try await (tx as! any SQLDatabase).raw(lastNumberQuery(prefix: prefix)).first()
        return try row?.decode(column: "n", as: Int?.self) ?? 0
    }

    /// The highest number taken under `prefix` ("<grid code>-<day>-"), read on the unique code index's range.
    static func lastNumberQuery(prefix: String) -> SQLQueryString {
        let upper = String(prefix.dropLast()) + "."
        return """
            SELECT MAX(CAST(SUBSTR(code, \(unsafeRaw: String(prefix.utf8.count + 1))) AS INTEGER)) AS n
            FROM cases WHERE code >= \(bind: prefix) AND code < \(bind: upper)
            """
    }

    // MARK: Actions

    /// `amend` changes the case row inside the same transaction (e.g. the merge link of a duplicate).
    func perform(_ action: CaseAction, on id: UUID, by user: CurrentUser, photos: [PhotoStore.Stored] = [], now: Date,
                 amend: @escaping @Sendable (Case) -> Void = { _ in }) async throws -> Case {
        let machine = try await machine()
        let (record, gridPath) = try await db.writeTransaction { tx in
            let aggregate = try await load(id, for: user, on: tx)
            amend(aggregate.record)
            if case .dispatch(let department, let co, _, _) = action {
                let ids = ([department] + co).compactMap(UUID.init(uuidString:))
                let found = try await Department.query(on: tx).filter(\.$id ~~ ids).filter(\.$active == true).count()
                guard ids.count == 1 + co.count, found == Set(ids).count else { throw Abort(.unprocessableEntity, reason: "请选择有效的承办部门") }
            }
            let action = try await resolved(action, for: aggregate)
            try apply(action, to: aggregate, by: user, photos: photos, machine: machine, now: now)
            try await persist(aggregate, on: tx)
            try await HotlineService.enqueue(aggregate.record, action: action.kind, comment: action.comment, app: app, at: now, on: tx)
            return (aggregate.record, aggregate.grid.path)
        }
        await app.state.caseEvents.publish([CaseEvent(.changed, record, gridPath: gridPath, at: now)], app: app)
        return record
    }

    /// Fills in what a form cannot know: 改分类's new 小类 as the classification list has it now.
    func resolved(_ action: CaseAction, for aggregate: CaseAggregate) async throws -> CaseAction {
        guard case .recategorize(var r) = action else { return action }
        let categories = try await reference().categories
        guard let id = UUID(uuidString: r.category), let category = categories[id], category.$parent.id != nil, category.active else {
            throw Abort(.unprocessableEntity, reason: "请选择具体的事件类别（二级分类）")
        }
        r.name = category.name
        r.previousName = categories[aggregate.record.$category.id]?.name ?? ""
        r.policy = category.policy
        return .recategorize(r)
    }

    /// Brings suspended cases whose review date has come back to their holder's queue (恢复办理), as the
    /// platform, each in its own transaction; the oldest first, `limit` a run.
    func resumeSuspended(now: Date, limit: Int = 500) async throws -> [CaseEvent] {
        let due = try await Case.query(on: db).filter(\.$status == .suspended).filter(\.$suspendedUntil <= now)
            .sort(\.$suspendedUntil).limit(limit).all()
        guard !due.isEmpty else { return [] }
        let machine = try await machine()
        var events: [CaseEvent] = []
        for c in due {
            let (record, path) = try await db.writeTransaction { tx in
                let aggregate = try await aggregate(c, on: tx)
                try apply(.resume("复核日期已到，自动恢复办理"), to: aggregate, by: .platform, machine: machine, now: now)
                try await persist(aggregate, on: tx)
                try await HotlineService.enqueue(aggregate.record, action: .resume, comment: "复核日期已到，恢复办理", app: app, at: now, on: tx)
                return (aggregate.record, aggregate.grid.path)
            }
            events.append(CaseEvent(.changed, record, gridPath: path, at: now))
        }
        return events
    }

    /// A new case as the machine's intake decides: status, holder, first deadlines, first trace entry.
    func newCase(_ input: ReportInput, code: String, title: String, description: String, category: CaseCategory, chain: [Area], grid: Area,
                 phoneSealed: String?, by user: CurrentUser, photos: [PhotoStore.Stored], machine: CaseMachine, now: Date) throws -> CaseAggregate {
        let at = Self.wholeSecond(now)
        let ancestors = Dictionary(chain.map { ($0.level, $0.areaPath) }, uniquingKeysWith: { a, _ in a })
        let start = machine.intake(channel: input.channel, ancestors: ancestors, needsApproval: input.needsApproval && input.onSiteNote == nil,
                                   reportedAt: at, policy: category.policy)
        let c = Case()
        c.id = UUID()
        c.code = code
        c.trackingCode = TrackingCode.generate().value
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
        c.buildingID = input.buildingID
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
        let aggregate = CaseAggregate(record: c, chain: chain, policy: category.policy, deadlines: [], openInquiry: nil,
                                      lastSeq: 0, lastHash: TimelineChain.genesis, isNew: true)
        for planned in start.deadlines { addDeadline(planned, holder: start.holder, to: aggregate, at: at, calendar: machine.calendar) }
        let photoIDs = attach(photos, to: aggregate, stage: "report", by: user, at: at)
        appendTimeline(aggregate, at: at, user: user, role: actingRole(user, holder: start.holder), action: ActionKind.report.rawValue,
                       from: "", to: start.status.rawValue, comment: description, attachments: photoIDs)
        notify([start.holder], about: aggregate, text: "新事件 \(code)：\(title)", at: at)
        return aggregate
    }

    /// Asks the machine, then records its transition on the aggregate (nothing is written yet).
    func apply(_ action: CaseAction, to aggregate: CaseAggregate, by user: CurrentUser, photos: [PhotoStore.Stored] = [],
               machine: CaseMachine, now: Date) throws {
        let at = Self.wholeSecond(now)
        let before = aggregate.snapshot
        let t = try machine.apply(action, by: Self.actor(user), to: before, now: at)
        let c = aggregate.record
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
        if let r = t.recategorized, let category = UUID(uuidString: r.category) {
            // The rollups move the case to its new category when the aggregate is written (`CaseRollup.record`).
            c.$category.id = category
            aggregate.policy = r.policy
        }
        recordWorkflowFacts(t, action: action, before: before, on: aggregate, by: user, machine: machine, at: at)
        if t.to == .closed || t.to == .rejected { c.closedAt = at } else if before.status == .closed { c.closedAt = nil }
        if t.kind == .supervise { c.supervised = true }
        c.updatedAt = at

        for deadline in aggregate.openDeadlines {
            if t.meets.contains(deadline.kind) {
                deadline.metAt = at
                aggregate.markDirty(deadline)
            } else if t.ends.contains(deadline.kind) || t.starts.contains(where: { $0.0.kind == deadline.kind }) {
                deadline.endedAt = at
                if t.ends.contains(deadline.kind) { deadline.endReason = t.endReason }
                aggregate.markDirty(deadline)
            }
        }
        for (planned, holder) in t.starts { addDeadline(planned, holder: holder, to: aggregate, at: at, calendar: machine.calendar) }

        if t.inquiryOpened, case .fileInquiry(let question) = action, let due = t.starts.first?.0.due {
            let inquiry = Inquiry()
            inquiry.id = UUID()
            inquiry.$case.id = c.id!
            inquiry.question = question
            inquiry.askedBy = user.id
            inquiry.askedAt = at
            inquiry.dueAt = due
            aggregate.newInquiries.append(inquiry)
            aggregate.openInquiry = inquiry
            c.inquiryOpen = true
        }
        if t.inquiryAnswered, case .answerInquiry(let answer) = action, let inquiry = aggregate.openInquiry {
            inquiry.answer = answer
            inquiry.answeredBy = user.id
            inquiry.answeredAt = at
            if !aggregate.newInquiries.contains(where: { $0 === inquiry }) { aggregate.dirtyInquiries.append(inquiry) }
            aggregate.openInquiry = nil
            c.inquiryOpen = false
        }
        let photoIDs = attach(photos, to: aggregate, stage: t.kind.rawValue, by: user, at: at)
        appendTimeline(aggregate, at: at, user: user, role: actingRole(user, holder: before.holder), action: t.kind.rawValue,
                       from: before.status.rawValue, to: t.to.rawValue, comment: action.comment, attachments: photoIDs)
        let text = "\(c.code) \(t.kind.displayName)" + (action.comment.isEmpty ? "" : "：\(action.comment.prefix(60))")
        notify(t.notify, about: aggregate, text: text, at: at)
    }

    /// The case's own record of how each step went (the indicators count these), and the requests and
    /// callbacks the transition opened, decided or closed.
    private func recordWorkflowFacts(_ t: Transition, action: CaseAction, before: CaseSnapshot, on a: CaseAggregate, by user: CurrentUser,
                                     machine: CaseMachine, at: Date) {
        let c = a.record
        let acceptDue = a.deadlines.filter { $0.kind == .accept }.map(\.dueAt).max()
        switch t.kind {
        case .accept:
            c.acceptedAt = at
            c.acceptedByAreaID = before.holder.areaLeafID
            c.acceptedOnTime = acceptDue.map { at <= $0 } ?? true
        case .dispatch:
            if (c.dispatchCount ?? 0) == 0 { c.dispatchedOnTime = acceptDue.map { at <= $0 } ?? true }
            c.dispatchCount = (c.dispatchCount ?? 0) + 1
            if t.redispatch { c.redispatchCount = (c.redispatchCount ?? 0) + 1 }
            c.dispatchedAt = at
        case .acknowledge:
            c.signedOnTime = at <= machine.calendar.deadline(hours: a.policy.acceptHours, after: c.dispatchedAt ?? at)
        default: break
        }
        if t.extensionGranted { c.extensionCount = (c.extensionCount ?? 0) + 1 }
        if t.returnRefused { c.returnRefusedCount = (c.returnRefusedCount ?? 0) + 1 }
        if t.rework { c.reworkCount = (c.reworkCount ?? 0) + 1 }
        if let s = t.suspension {
            c.suspendedReason = a.openRequest?.reason
            c.suspendedUntil = s.reviewAt
            c.suspendedFromStatus = s.resumeStatus
            c.suspendedRemainingDays = s.remainingWorkingDays
        }
        if t.clearsSuspension { (c.suspendedReason, c.suspendedUntil, c.suspendedFromStatus, c.suspendedRemainingDays) = (nil, nil, nil, nil) }
        // 回访: a closure opens it; a reopen or unsatisfied rating makes it moot; each attempt is kept.
        if t.callbackStarts {
            (c.callbackStatus, c.callbackAttempts, c.callbackResolved, c.callbackSatisfaction) = (.pending, 0, nil, nil)
        } else if t.ends.contains(.callback), c.callbackStatus == .pending, t.callbackEnds == nil {
            c.callbackStatus = nil
        }
        if let outcome = t.callbackAttempt {
            let attempt = CaseCallback()
            attempt.id = UUID()
            attempt.$case.id = c.id!
            attempt.at = at
            attempt.byName = user.displayName
            attempt.contact = outcome.contact
            attempt.resolved = outcome.contact == .reached ? outcome.resolved : nil
            attempt.satisfaction = outcome.contact == .reached ? outcome.satisfaction : nil
            attempt.note = outcome.note.trimmingCharacters(in: .whitespacesAndNewlines)
            a.newCallbacks.append(attempt)
            if outcome.contact == .noAnswer { c.callbackAttempts = (c.callbackAttempts ?? 0) + 1 }
            if let end = t.callbackEnds {
                c.callbackStatus = end
                if end == .reached { (c.callbackResolved, c.callbackSatisfaction) = (outcome.resolved, outcome.satisfaction) }
            }
        }
        // Requests: one opened, the open one decided, or closed undecided because the case moved on.
        if let open = a.openRequest, t.decides != nil || t.cancelsPending {
            if t.cancelsPending {
                open.cancelledAt = at
            } else if let decided = t.decides {
                open.decidedAt = at
                open.decidedByName = user.displayName
                open.approved = decided.approved
                open.decision = action.comment
            }
            if !a.newRequests.contains(where: { $0 === open }) { a.dirtyRequests.append(open) }
            a.openRequest = nil
        }
        if let opened = t.opens {
            let r = CaseRequest()
            r.id = UUID()
            r.$case.id = c.id!
            r.kind = opened.kind
            r.reason = Self.requestReason(action)
            r.requestedBy = user.id
            r.requestedByName = user.displayName
            r.requesterAreaID = opened.requestedBy.areaLeafID
            if case .department(let id) = opened.requestedBy { r.requesterDepartmentID = UUID(uuidString: id) }
            r.deciderAreaID = opened.decider.areaLeafID ?? 0
            r.proposedDue = opened.proposedDue
            r.reviewAt = opened.reviewAt
            r.requestedAt = at
            a.newRequests.append(r)
            a.openRequest = r
        }
    }

    static func requestReason(_ action: CaseAction) -> String {
        switch action {
        case .requestExtension(let reason, _), .suspend(let reason, _), .returnCase(let reason), .void(let reason): reason
        default: action.comment
        }
    }

    /// Writes an aggregate's changes. Timeline entries are only ever inserted.
    func persist(_ a: CaseAggregate, on tx: any Database) async throws {
        if a.isNew, !a.record._$idExists { try await RowWriter.insert([a.record], on: tx) } else { try await a.record.save(on: tx) }
        try await Self.persistRows(of: [a], on: tx)
    }

    /// Bulk inserts of many aggregates' new rows (the case rows must exist already).
    static func persistRows(of aggregates: [CaseAggregate], on tx: any Database) async throws {
        func insert<M: Model>(_ rows: [M]) async throws {
            for start in stride(from: 0, to: rows.count, by: 200) { try await Array(rows[start..<min(start + 200, rows.count)]).create(on: tx) }
        }
        for a in aggregates {
            for d in a.dirtyDeadlines { try await d.save(on: tx) }
            for i in a.dirtyInquiries { try await i.save(on: tx) }
            for r in a.dirtyRequests { try await r.save(on: tx) }
        }
        try await insert(aggregates.flatMap(\.newRequests))
        try await insert(aggregates.flatMap(\.newCallbacks))
        try await RowWriter.insert(aggregates.flatMap(\.newDeadlines), on: tx)
        try await insert(aggregates.flatMap(\.newInquiries))
        try await insert(aggregates.flatMap(\.newPhotos))
        try await RowWriter.insert(aggregates.flatMap(\.newEntries), on: tx)
        try await RowWriter.insert(aggregates.flatMap(\.newNegatives), on: tx)
        try await RowWriter.insert(aggregates.flatMap(\.newNotifications), on: tx)
        try await CaseRollup.record(aggregates, on: tx)
        for a in aggregates {
            a.dirtyDeadlines = []; a.dirtyInquiries = []; a.newDeadlines = []; a.newInquiries = []
            a.newPhotos = []; a.newEntries = []; a.newNegatives = []; a.newNotifications = []
            a.newRequests = []; a.dirtyRequests = []; a.newCallbacks = []
        }
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

    private func addDeadline(_ planned: PlannedDeadline, holder: Holder, to a: CaseAggregate, at: Date, calendar: WorkCalendar) {
        let deadline = CaseDeadline()
        deadline.id = UUID()
        deadline.$case.id = a.record.id!
        deadline.kind = planned.kind
        deadline.dueAt = planned.due
        deadline.startedAt = at
        deadline.warnAt = DeadlineLight.yellowFrom(startedAt: planned.countedFrom ?? at, dueAt: planned.due)
        // Counted in working days (the clocks in hours know no holidays).
        if planned.kind.countsWorkingDays { deadline.computedWithoutYear = calendar.unknownYear(from: at, to: planned.due) }
        switch holder {
        case .area(let path, _): deadline.areaID = path.leafID
        case .department(let id): deadline.departmentID = UUID(uuidString: id)
        }
        a.deadlines.append(deadline)
        a.newDeadlines.append(deadline)
    }

    private func attach(_ photos: [PhotoStore.Stored], to a: CaseAggregate, stage: String, by user: CurrentUser, at: Date) -> [String] {
        photos.map { stored in
            let photo = CasePhoto()
            photo.id = UUID()
            photo.$case.id = a.record.id!
            photo.uploadedBy = user.id
            photo.stage = stage
            photo.storedPath = stored.relativePath
            photo.contentType = stored.contentType
            photo.bytes = stored.bytes
            photo.sha256 = stored.sha256
            photo.createdAt = at
            a.newPhotos.append(photo)
            return photo.id!.uuidString
        }
    }

    /// Appends one hash-chained entry after the aggregate's chain tip. The (case, seq) unique
    /// index stops two racing writers from both appending the same number.
    private func appendTimeline(_ a: CaseAggregate, at: Date, user: CurrentUser, role: (String, String), action: String, from: String, to: String,
                                comment: String, attachments: [String]) {
        let record = TimelineRecord(caseCode: a.record.code, seq: a.lastSeq + 1, at: at, actorID: user.id.uuidString, actorName: user.displayName,
                                    role: role.0, level: role.1, action: action, fromStatus: from, toStatus: to, comment: comment,
                                    attachments: attachments)
        let entry = TimelineEntry()
        entry.id = UUID()
        entry.$case.id = a.record.id!
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
        entry.prevHash = a.lastHash
        entry.hash = TimelineChain.hash(record, previous: a.lastHash)
        a.newEntries.append(entry)
        a.lastSeq = record.seq
        a.lastHash = entry.hash
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

    private func notify(_ holders: [Holder], about a: CaseAggregate, text: String, at: Date) {
        for holder in holders {
            switch holder {
            case .area(let path, _):
                a.newNotifications.append(Notification(caseID: a.record.id, areaID: path.leafID, departmentID: nil, text: text, at: at))
            case .department(let id):
                a.newNotifications.append(Notification(caseID: a.record.id, areaID: nil, departmentID: UUID(uuidString: id), text: text, at: at))
            }
        }
    }

    static func wholeSecond(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
