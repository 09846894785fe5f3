import Fluent
import Foundation
import GridCore
import Vapor

/// 帮办代办: requests for agent-handled catalogue items, who may act on them, each step written with
/// its hash-chained trace, deadline and notifications in one transaction. Document photos are sealed.
struct AgentServiceDesk {
    let db: any Database
    let app: Application
    var now: Date { app.state.clock.now() }

    struct RequestInput {
        var serviceCode: String
        var gridID: Int?
        var applicantName: String
        var phone: String
        var address: String
        var note: String
    }

    /// A new request, from the resident (portal) or from the grid worker for them.
    func request(_ input: RequestInput, by user: CurrentUser?, as actor: AgentServiceActor) async throws -> AgentServiceRequest {
        guard let item = try await ServiceItem.query(on: db).filter(\.$code == input.serviceCode.trimmingCharacters(in: .whitespaces)).first(),
              item.agentHandled else { throw Abort(.unprocessableEntity, reason: "请选择可帮办代办的事项") }
        guard let gridID = input.gridID, let grid = try await Area.find(gridID, on: db), [.grid, .microGrid].contains(grid.level) else {
            throw Abort(.unprocessableEntity, reason: "请选择您所在的网格")
        }
        if actor == .gridWorker, let user {
            guard Self.worksIn(grid, user: user) else { throw Abort(.forbidden, reason: "只能为本人负责网格的居民代为申请") }
        }
        let name = input.applicantName.trimmingCharacters(in: .whitespaces)
        guard (2...20).contains(name.count) else { throw Abort(.unprocessableEntity, reason: "请填写申请人姓名（2–20 字）") }
        guard let phone = PhoneNumber.normalize(input.phone) else { throw Abort(.unprocessableEntity, reason: "请填写正确的联系电话（手机或带区号的座机）") }
        let address = input.address.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (4...100).contains(address.count) else { throw Abort(.unprocessableEntity, reason: "请填写上门地址（4–100 字）") }
        let note = input.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500 else { throw Abort(.unprocessableEntity, reason: "情况说明不超过 500 字") }
        let departments = try await Department.query(on: db).filter(\.$active == true).sort(\.$code).all()
        let department = DepartmentMatch.best(for: item.department, among: departments.map(\.name)).map { departments[$0] }
        let calendar = try await CalendarService.load(on: db)
        let at = now

        let r = AgentServiceRequest()
        r.id = UUID()
        r.serviceItemID = try item.requireID(); r.serviceCode = item.code; r.serviceName = item.name
        r.departmentID = department?.id; r.departmentName = department?.name ?? item.department
        r.gridID = gridID; r.applicantName = name
        r.applicantPhoneSealed = try app.state.cipher.seal(phone); r.applicantPhoneTail = String(phone.suffix(4))
        r.address = address; r.note = note; r.channel = actor; r.status = .requested; r.timeLimit = item.timeLimit
        r.dueAt = AgentServiceFlow.deadline(for: .requested, from: at, handling: AgentServiceFlow.handlingTime(item.timeLimit), calendar: calendar)
        r.requestedBy = user?.id; r.createdAt = at; r.updatedAt = at
        let actorName = actor == .resident ? name : (user?.displayName ?? "网格员")
        try await db.writeTransaction { tx in
            r.trackingCode = TrackingCode.generate().value
            try await r.create(on: tx)
            try await Self.append(to: r, seq: 1, previous: TimelineChain.genesis, at: at, actorID: user?.id.uuidString ?? "", actorName: actorName,
                                  actor: actor, action: .request, from: "", to: .requested, comment: note, documents: 0, on: tx)
            try await Notification(caseID: nil, areaID: gridID, departmentID: nil,
                                   text: "帮办代办：\(name) 申请“\(item.name)”，请于 \(AgentServiceFlow.collectDays) 个工作日内上门收件", at: at).create(on: tx)
        }
        return r
    }

    // MARK: Who acts

    /// A grid worker or grid leader whose grid (or the area they lead) holds the request's grid.
    static func worksIn(_ grid: Area, user: CurrentUser) -> Bool {
        let path = grid.areaPath
        return user.assignments.contains { [.gridWorker, .gridLeader].contains($0.role) && ($0.areaPath.map { $0.contains(path) } ?? false) }
    }

    static func handles(_ r: AgentServiceRequest, user: CurrentUser) -> Bool {
        guard let dept = r.departmentID else { return false }
        return user.assignments.contains { $0.departmentID == dept && [.handler, .operator, .leader].contains($0.role) }
    }

    /// The capacity a staff member acts in on this request (nil: they may only look, or not at all).
    func actor(_ user: CurrentUser, on r: AgentServiceRequest, grid: Area) -> AgentServiceActor? {
        if Self.handles(r, user: user) { return .department }
        if Self.worksIn(grid, user: user) { return .gridWorker }
        return nil
    }

    /// Staff who may see a request: its department, and anyone whose area scope holds its grid.
    func mayView(_ user: CurrentUser, _ r: AgentServiceRequest, grid: Area) -> Bool {
        Self.handles(r, user: user) || user.scope.areaPaths.contains { $0.contains(grid.areaPath) }
    }

    // MARK: Steps

    struct Outcome { let request: AgentServiceRequest; let step: AgentServiceStep }

    /// One step by staff (or, with `actor: .resident`, by the applicant through their code).
    func act(_ action: AgentServiceAction, on r: AgentServiceRequest, by actor: AgentServiceActor, actorID: String, actorName: String,
             comment raw: String, documents files: [File], uploadedBy: UUID?) async throws -> Outcome {
        let comment = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= 500 else { throw Abort(.unprocessableEntity, reason: "说明不超过 500 字") }
        let files = files.filter { $0.data.readableBytes > 0 }
        let next: AgentServiceStatus
        do { next = try AgentServiceFlow.apply(action, to: r.status, by: actor, comment: comment, documents: files.count) } catch {
            throw Abort(.unprocessableEntity, reason: error.description)
        }
        let calendar = try await CalendarService.load(on: db)
        let at = now
        // Sealed on disk before the transaction; a refused upload writes nothing at all.
        let stored = files.isEmpty ? [] : try PhotoStore(root: app.state.uploadDirectory).store(files, now: at, sealedWith: app.state.cipher)
        let requestID = try r.requireID()
        return try await db.writeTransaction { tx in
            guard let fresh = try await AgentServiceRequest.find(requestID, on: tx) else { throw Abort(.notFound) }
            guard fresh.status == r.status else { throw Abort(.conflict, reason: "该申请刚刚已被他人处理，请刷新后再试") }
            let last = try await AgentServiceStep.query(on: tx).filter(\.$requestID == requestID).sort(\.$seq, .descending).first()
            let seq = (last?.seq ?? 0) + 1
            let step = try await Self.append(to: fresh, seq: seq, previous: last?.hash ?? TimelineChain.genesis, at: at, actorID: actorID,
                                             actorName: actorName, actor: actor, action: action, from: fresh.status.rawValue, to: next,
                                             comment: comment, documents: stored.count, on: tx)
            for s in stored {
                let d = AgentServiceDocument()
                d.requestID = requestID; d.stepSeq = seq; d.storedPath = s.relativePath; d.contentType = s.contentType
                d.bytes = s.bytes; d.sha256 = s.sha256; d.uploadedBy = uploadedBy ?? UUID(); d.createdAt = at
                try await d.create(on: tx)
            }
            fresh.status = next
            fresh.dueAt = AgentServiceFlow.deadline(for: next, from: at, handling: AgentServiceFlow.handlingTime(fresh.timeLimit), calendar: calendar)
            fresh.updatedAt = at
            if next.isFinal { fresh.closedAt = at }
            try await fresh.save(on: tx)
            if let text = Self.notice(for: action, fresh) {
                let toDepartment = next.waitsFor == .department
                try await Notification(caseID: nil, areaID: toDepartment ? nil : fresh.gridID, departmentID: toDepartment ? fresh.departmentID : nil,
                                       text: text, at: at).create(on: tx)
            }
            return Outcome(request: fresh, step: step)
        }
    }

    static func notice(for action: AgentServiceAction, _ r: AgentServiceRequest) -> String? {
        switch action {
        case .submit: "帮办代办待预审：\(r.serviceName)（\(r.applicantName)）"
        case .resubmit: "帮办代办已补充材料，请重新预审：\(r.serviceName)（\(r.applicantName)）"
        case .askMore: "帮办代办需补充材料：\(r.serviceName)（\(r.applicantName)）"
        case .complete: "帮办代办已办结，请送证上门：\(r.serviceName)（\(r.applicantName)）"
        case .refuse: "帮办代办不予办理：\(r.serviceName)（\(r.applicantName)）"
        case .request, .approve, .deliver, .withdraw: nil
        }
    }

    @discardableResult
    static func append(to r: AgentServiceRequest, seq: Int, previous: String, at: Date, actorID: String, actorName: String,
                       actor: AgentServiceActor, action: AgentServiceAction, from: String, to: AgentServiceStatus, comment: String,
                       documents: Int, on tx: any Database) async throws -> AgentServiceStep {
        let s = AgentServiceStep()
        s.requestID = try r.requireID(); s.seq = seq; s.actorID = actorID; s.actorName = actorName
        s.actor = actor; s.action = action; s.fromStatus = from; s.toStatus = to; s.comment = comment; s.documents = documents
        s.at = Date(timeIntervalSince1970: at.timeIntervalSince1970.rounded(.down))  // whole seconds, as hashed
        s.prevHash = previous
        s.hash = TimelineChain.hash(s.record(code: r.trackingCode), previous: previous)
        try await s.create(on: tx)
        return s
    }

    /// Checks one request's chain of steps.
    func verify(_ r: AgentServiceRequest) async throws -> TimelineChain.Break? {
        let steps = try await AgentServiceStep.query(on: db).filter(\.$requestID == r.requireID()).all()
        return TimelineChain.verify(steps.map { (record: $0.record(code: r.trackingCode), previousHash: $0.prevHash, hash: $0.hash) })
    }

    // MARK: Lists

    enum Queue: String, CaseIterable {
        case todo, open, overdue, closed, all

        var displayName: String {
            switch self {
            case .todo: "待我处理"
            case .open: "办理中"
            case .overdue: "已逾期"
            case .closed: "已办结"
            case .all: "全部"
            }
        }
    }

    /// Requests the user may see: their departments' and those in grids inside their scope.
    func list(_ queue: Queue, for user: CurrentUser, limit: Int = 200) async throws -> [AgentServiceRequest] {
        let departments = user.assignments.filter { [.handler, .operator, .leader].contains($0.role) }.compactMap(\.departmentID)
        let gridIDs = try await Area.query(on: db).filter(\.$level ~~ [.grid, .microGrid]).within(user.scope).all().compactMap(\.id)
        guard !departments.isEmpty || !gridIDs.isEmpty else { return [] }
        var q = AgentServiceRequest.query(on: db).group(.or) { g in
            if !departments.isEmpty { g.filter(\.$departmentID ~~ departments) }
            if !gridIDs.isEmpty { g.filter(\.$gridID ~~ gridIDs) }
        }
        let open: [AgentServiceStatus] = AgentServiceStatus.allCases.filter { !$0.isFinal }
        switch queue {
        case .todo:
            let mine: [AgentServiceStatus] = departments.isEmpty ? [.requested, .moreNeeded, .ready] : [.submitted, .approved]
            q = q.filter(\.$status ~~ mine)
        case .open: q = q.filter(\.$status ~~ open)
        case .overdue: q = q.filter(\.$status ~~ open).filter(\.$dueAt < now)
        case .closed: q = q.filter(\.$status !~ open)
        case .all: break
        }
        return try await q.sort(\.$dueAt).sort(\.$createdAt, .descending).limit(limit).all()
    }
}
