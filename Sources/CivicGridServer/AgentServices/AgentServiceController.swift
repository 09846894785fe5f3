import Fluent
import GridCore
import Vapor

/// 帮办代办 pages: the department's and command centers' desk (`/agent-services`), the grid worker's
/// phone pages (`/m/services`), and the resident's request form and tracking by code (`/r`).
enum AgentServiceController {
    struct Row: Encodable {
        let href: String
        let code: String
        let service: String
        let department: String
        let applicant: String
        let grid: String
        let status: String
        let due: String
        let overdue: Bool
        let created: String
    }

    struct Step: Encodable { let at: String; let who: String; let action: String; let comment: String; let documents: Int; let to: String }
    struct Document: Encodable { let href: String; let step: Int }
    struct ActionButton: Encodable { let value: String; let label: String; let needsComment: Bool; let needsDocuments: Bool }

    static func rows(_ requests: [AgentServiceRequest], link: (UUID) -> SiteURL, now: Date, on db: any Database) async throws -> [Row] {
        let gridIDs = Array(Set(requests.map(\.gridID)))
        let names = Dictionary(try await Area.query(on: db).filter(\.$id ~~ gridIDs).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return requests.map { r in
            Row(href: link(r.id!).path, code: TrackingCode(r.trackingCode)?.grouped ?? r.trackingCode, service: r.serviceName,
                department: r.departmentName, applicant: NameMask.mask(r.applicantName), grid: names[r.gridID] ?? "",
                status: r.status.displayName, due: r.dueAt.map(Formatting.deadline) ?? "—", overdue: r.overdue(now: now),
                created: Formatting.dateTime(r.createdAt))
        }
    }

    // MARK: The desk (departments, command centers)

    struct IndexPage: Encodable {
        let layout: PageLayout
        let queues: [CaseController.Option]
        let queue: String
        let rows: [Row]
        let isDepartment: Bool
    }

    static func staff(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff else { throw Abort(.forbidden, reason: "帮办代办工作台供部门和各级工作人员使用") }
        return user
    }

    @Sendable static func index(req: Request) async throws -> View {
        let user = try staff(req)
        let queue = req.query[String.self, at: "queue"].flatMap(AgentServiceDesk.Queue.init(rawValue:)) ?? .todo
        let desk = AgentServiceDesk(db: req.db, app: req.application)
        let found = try await desk.list(queue, for: user)
        return try await req.view.render("agent/index", IndexPage(
            layout: PageLayout(req, title: "帮办代办", section: "agent"),
            queues: AgentServiceDesk.Queue.allCases.map { CaseController.Option(value: $0.rawValue, label: $0.displayName, selected: $0 == queue) },
            queue: queue.rawValue, rows: try await rows(found, link: SiteURL.agentService, now: req.now, on: req.db),
            isDepartment: user.assignments.contains { $0.departmentID != nil }))
    }

    /// What the desk and the phone both show of one request.
    struct RequestView: Encodable {
        let id: String
        let code: String
        let service: String
        let serviceHref: String
        let materials: [String]
        let timeLimit: String
        let department: String
        let grid: String
        let applicant: String
        let phone: String
        let address: String
        let note: String
        let status: String
        let due: String
        let overdue: Bool
        let steps: [Step]
        let documents: [Document]
        let mayOpenDocuments: Bool
        let actions: [ActionButton]
        let chainIntact: Bool
        /// The department's latest word (what to add, why refused), shown first.
        let remark: String?
    }

    struct ShowPage: Encodable { let layout: PageLayout; let r: RequestView; let actionPath: String; let error: String? }

    /// The request with its grid, if the user may see it (404 otherwise: no hint that it exists).
    static func load(_ req: Request, user: CurrentUser) async throws -> (AgentServiceRequest, Area) {
        guard let r = try await AgentServiceRequest.find(try req.parameters.require("id", as: UUID.self), on: req.db),
              let grid = try await Area.find(r.gridID, on: req.db),
              AgentServiceDesk(db: req.db, app: req.application).mayView(user, r, grid: grid) else {
            throw Abort(.notFound, reason: "申请不存在或不在您的管辖范围内")
        }
        return (r, grid)
    }

    static func view(_ req: Request, user: CurrentUser, r: AgentServiceRequest, grid: Area, newestFirst: Bool = false) async throws -> RequestView {
        let desk = AgentServiceDesk(db: req.db, app: req.application)
        let steps = try await AgentServiceStep.query(on: req.db).filter(\.$requestID == r.requireID()).sort(\.$seq).all()
        let actor = desk.actor(user, on: r, grid: grid)
        let docs = actor == nil ? [] : try await AgentServiceDocument.query(on: req.db).filter(\.$requestID == r.requireID()).sort(\.$createdAt).all()
        let item = try await ServiceItem.find(r.serviceItemID, on: req.db)
        let rows = steps.map { s in
            Step(at: Formatting.dateTime(s.at), who: "\(s.actor.displayName) \(s.actorName)", action: s.action.displayName, comment: s.comment,
                 documents: s.documents, to: s.toStatus.displayName)
        }
        return RequestView(
            id: r.id!.uuidString, code: TrackingCode(r.trackingCode)?.grouped ?? r.trackingCode, service: r.serviceName,
            serviceHref: SiteURL.catalogItem(code: r.serviceCode).path, materials: (item?.materials ?? "").split(separator: "\n").map(String.init),
            timeLimit: r.timeLimit, department: r.departmentName, grid: grid.name,
            applicant: actor != nil ? r.applicantName : NameMask.mask(r.applicantName), phone: "尾号 \(r.applicantPhoneTail)",
            address: r.address, note: r.note, status: r.status.displayName, due: r.dueAt.map(Formatting.deadline) ?? "—",
            overdue: r.overdue(now: req.now), steps: newestFirst ? rows.reversed() : rows,
            documents: docs.map { Document(href: SiteURL.agentServiceDocument(r.id!, doc: $0.id!).path, step: $0.stepSeq) },
            mayOpenDocuments: actor != nil, actions: actor.map { a in AgentServiceFlow.available(at: r.status, to: a).map(button) } ?? [],
            chainIntact: try await desk.verify(r) == nil,
            remark: [.moreNeeded, .refused, .ready].contains(r.status)
                ? steps.last(where: { $0.actor == .department && !$0.comment.isEmpty }).map { "\(r.departmentName)：\($0.comment)" } : nil)
    }

    static func button(_ a: AgentServiceAction) -> ActionButton {
        ActionButton(value: a.rawValue, label: a.displayName, needsComment: a.needsComment, needsDocuments: a.carriesDocuments)
    }

    static func renderShow(_ req: Request, error: String? = nil) async throws -> Response {
        let user = try staff(req)
        let (r, grid) = try await load(req, user: user)
        let page = ShowPage(layout: PageLayout(req, title: "帮办代办 · \(r.serviceName)", section: "agent"),
                            r: try await view(req, user: user, r: r, grid: grid), actionPath: SiteURL.agentServiceAct(r.id!).path, error: error)
        let response = try await req.view.render("agent/show", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func show(req: Request) async throws -> Response { try await renderShow(req) }

    struct ActForm: Content { var action: String; var comment: String?; var documents: [File]? }

    /// One step by the department or the grid worker; the phone and the desk post here alike.
    static func perform(_ req: Request, user: CurrentUser) async throws -> AgentServiceDesk.Outcome {
        let (r, grid) = try await load(req, user: user)
        let form = try req.content.decode(ActForm.self)
        guard let action = AgentServiceAction(rawValue: form.action), action != .request else { throw Abort(.badRequest, reason: "未知的操作") }
        let desk = AgentServiceDesk(db: req.db, app: req.application)
        guard let actor = desk.actor(user, on: r, grid: grid) else { throw Abort(.forbidden, reason: "只有承办部门和本网格的网格员可以办理") }
        return try await desk.act(action, on: r, by: actor, actorID: user.id.uuidString, actorName: user.displayName,
                                  comment: form.comment ?? "", documents: form.documents ?? [], uploadedBy: user.id)
    }

    @Sendable static func act(req: Request) async throws -> Response {
        let user = try staff(req)
        do {
            let outcome = try await perform(req, user: user)
            if req.wantsJSON { return try await Status(id: outcome.request.id!.uuidString, status: outcome.request.status.rawValue).encodeResponse(for: req) }
            return req.redirect(to: SiteURL.agentService(outcome.request.id!).path(["notice": "done"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard [.unprocessableEntity, .conflict, .unsupportedMediaType, .payloadTooLarge].contains(status), !req.wantsJSON else { throw error }
            return try await renderShow(req, error: reason)
        }
    }

    struct Status: Content { let id: String; let status: String }

    /// A sealed document photo, opened for the department and the grid's workers; each view is logged.
    @Sendable static func document(req: Request) async throws -> Response {
        let user = try staff(req)
        let (r, grid) = try await load(req, user: user)
        guard AgentServiceDesk(db: req.db, app: req.application).actor(user, on: r, grid: grid) != nil,
              let doc = try await AgentServiceDocument.find(try req.parameters.require("doc", as: UUID.self), on: req.db),
              doc.requestID == r.id else { throw Abort(.notFound) }
        try await AccessLog(actorID: user.id, subjectType: "agentDocument", subjectID: doc.id!.uuidString, field: "document", at: req.now,
                            reason: "帮办代办材料", subjectLabel: "\(r.serviceName) · \(NameMask.mask(r.applicantName))").create(on: req.db)
        return try PhotoStore(root: req.state.uploadDirectory).sealedResponse(for: doc.storedPath, contentType: doc.contentType, cipher: req.state.cipher)
    }

    // MARK: The grid worker's phone

    struct PhoneList: Encodable {
        let layout: FieldController.Layout
        let todo: [Row]
        let others: [Row]
    }

    @Sendable static func phoneList(req: Request) async throws -> View {
        let user = try FieldController.worker(req)
        let grids = try await FieldController.myGrids(user, req: req).compactMap(\.id)
        let open = AgentServiceStatus.allCases.filter { !$0.isFinal }
        let found = grids.isEmpty ? [] : try await AgentServiceRequest.query(on: req.db).filter(\.$gridID ~~ grids).group(.or) { g in
            g.filter(\.$status ~~ open).filter(\.$updatedAt >= req.now.addingTimeInterval(-30 * 86_400))
        }.sort(\.$dueAt).limit(100).all()
        let mine = found.filter { $0.status.waitsFor == .gridWorker }, rest = found.filter { $0.status.waitsFor != .gridWorker }
        return try await req.view.render("field/services", PhoneList(
            layout: FieldController.layout(req, user, title: "帮办代办", tab: "home", back: SiteURL.field.path),
            todo: try await rows(mine, link: SiteURL.fieldService, now: req.now, on: req.db),
            others: try await rows(rest, link: SiteURL.fieldService, now: req.now, on: req.db)))
    }

    struct PhoneNewPage: Encodable {
        let layout: FieldController.Layout
        let items: [CaseController.Option]
        let grids: [CaseController.Option]
        let form: RequestForm
    }

    /// Every field optional when decoding: a missing one is a clear 422 from the validation, not a 400.
    struct RequestForm: Content {
        var service: String? = nil
        var grid: String? = nil
        var name: String? = nil
        var phone: String? = nil
        var address: String? = nil
        var note: String? = nil
        var challenge: String? = nil
        var answer: String? = nil

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            for (key, value) in [(CodingKeys.service, service), (.grid, grid), (.name, name), (.phone, phone), (.address, address), (.note, note)] {
                try c.encode(value ?? "", forKey: key)
            }
        }

        func input(service code: String? = nil) -> AgentServiceDesk.RequestInput {
            .init(serviceCode: code ?? service ?? "", gridID: grid.flatMap { Int($0) }, applicantName: name ?? "", phone: phone ?? "",
                  address: address ?? "", note: note ?? "")
        }
    }

    static func agentItems(on db: any Database) async throws -> [ServiceItem] {
        try await ServiceItem.query(on: db).filter(\.$agentHandled == true).sort(\.$department).sort(\.$code).all()
    }

    static func renderPhoneNew(_ req: Request, form: RequestForm, error: String?) async throws -> Response {
        let user = try FieldController.worker(req)
        let grids = try await FieldController.myGrids(user, req: req)
        let page = PhoneNewPage(
            layout: FieldController.layout(req, user, title: "代为申请", tab: "home", error: error, back: SiteURL.fieldServices.path),
            items: try await agentItems(on: req.db).map { CaseController.Option(value: $0.code, label: "\($0.name)（\($0.department)）", selected: $0.code == form.service) },
            grids: grids.map { CaseController.Option(value: String($0.id!), label: $0.name, selected: String($0.id!) == form.grid || grids.count == 1) },
            form: form)
        let response = try await req.view.render("field/service_new", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func phoneNew(req: Request) async throws -> Response {
        var form = RequestForm()
        form.service = req.query[String.self, at: "service"]
        return try await renderPhoneNew(req, form: form, error: nil)
    }

    @Sendable static func phoneCreate(req: Request) async throws -> Response {
        let user = try FieldController.worker(req)
        let form = try req.content.decode(RequestForm.self)
        do {
            let r = try await AgentServiceDesk(db: req.db, app: req.application).request(form.input(), by: user, as: .gridWorker)
            return req.redirect(to: SiteURL.fieldService(r.id!).path(["notice": "created"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status == .unprocessableEntity else { throw error }
            return try await renderPhoneNew(req, form: form, error: reason)
        }
    }

    struct PhoneShowPage: Encodable { let layout: FieldController.Layout; let r: RequestView }

    static func renderPhoneShow(_ req: Request, error: String? = nil) async throws -> Response {
        let user = try FieldController.worker(req)
        let (r, grid) = try await load(req, user: user)
        let page = PhoneShowPage(layout: FieldController.layout(req, user, title: r.serviceName, tab: "home", error: error, back: SiteURL.fieldServices.path),
                                 r: try await view(req, user: user, r: r, grid: grid, newestFirst: true))
        let response = try await req.view.render("field/service", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func phoneShow(req: Request) async throws -> Response { try await renderPhoneShow(req) }

    @Sendable static func phoneAct(req: Request) async throws -> Response {
        let user = try FieldController.worker(req)
        do {
            let outcome = try await perform(req, user: user)
            return req.redirect(to: SiteURL.fieldService(outcome.request.id!).path(["notice": "done"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard [.unprocessableEntity, .conflict, .unsupportedMediaType, .payloadTooLarge].contains(status) else { throw error }
            return try await renderPhoneShow(req, error: reason)
        }
    }

    // MARK: The resident

    struct ApplyPage: Encodable {
        let layout: PortalController.Layout
        let code: String
        let name: String
        let department: String
        let materials: [String]
        let timeLimit: String
        let grids: [CaseController.GridGroup]
        let form: RequestForm
        let anonymous: Bool
        let question: String
        let challenge: String
    }

    static func agentItem(_ req: Request) async throws -> ServiceItem {
        guard let item = try await ServiceItem.query(on: req.db).filter(\.$code == (try req.parameters.require("code"))).first(), item.agentHandled else {
            throw Abort(.notFound, reason: "该事项不提供帮办代办")
        }
        return item
    }

    static func renderApply(_ req: Request, item: ServiceItem, form: RequestForm, error: String?) async throws -> Response {
        let grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).with(\.$parent).sort(\.$code).all()
        let issued = req.state.challenge.issue(now: req.now)
        let page = ApplyPage(
            layout: PortalController.layout(req, title: "申请帮办代办", error: error), code: item.code, name: item.name, department: item.department,
            materials: item.materials.split(separator: "\n").map(String.init), timeLimit: item.timeLimit,
            grids: CaseController.gridGroups(grids) { String($0.id!) == form.grid },
            form: form, anonymous: PortalController.signedInResident(req) == nil, question: issued.question, challenge: issued.token)
        let response = try await req.view.render("portal/apply", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func applyForm(req: Request) async throws -> Response {
        try await req.enforce(.lookup)
        var form = RequestForm()
        if let resident = PortalController.signedInResident(req) { form.name = resident.displayName }
        return try await renderApply(req, item: try await agentItem(req), form: form, error: nil)
    }

    struct AppliedPage: Encodable { let layout: PortalController.Layout; let code: String; let grouped: String; let service: String; let grid: String }

    @Sendable static func apply(req: Request) async throws -> Response {
        let item = try await agentItem(req)
        let form = try req.content.decode(RequestForm.self)
        do {
            let resident = PortalController.signedInResident(req)
            if resident == nil {
                if let failure = req.state.challenge.verify(token: form.challenge, answer: form.answer, now: req.now) {
                    throw Abort(.unprocessableEntity, reason: failure.description)
                }
                try await req.enforce(.report)
                if let phone = form.phone.flatMap(PhoneNumber.normalize) { try await req.enforce(.report, key: "phone:" + req.state.cipher.index(phone)) }
            }
            let r = try await AgentServiceDesk(db: req.db, app: req.application).request(form.input(service: item.code), by: resident, as: .resident)
            let code = TrackingCode(r.trackingCode)
            return try await req.view.render("portal/applied", AppliedPage(
                layout: PortalController.layout(req, title: "已提交申请"), code: r.trackingCode, grouped: code?.grouped ?? r.trackingCode,
                service: r.serviceName, grid: try await Area.find(r.gridID, on: req.db)?.name ?? "")).encodeResponse(status: .created, for: req)
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status == .unprocessableEntity else { throw error }
            return try await renderApply(req, item: item, form: form, error: reason)
        }
    }

    struct TrackPage: Encodable {
        let layout: PortalController.Layout
        let code: String
        let grouped: String
        let service: String
        let serviceHref: String
        let department: String
        let grid: String
        let status: String
        let sentence: String
        let expected: String?
        let steps: [PortalController.Step]
        let lines: [PortalController.Line]
        let canWithdraw: Bool
    }

    /// The stages a resident sees: 申请 → 收件 → 预审 → 办理 → 送达.
    static let stages: [(String, [AgentServiceStatus])] = [
        ("已申请", [.requested]), ("已收件", [.submitted, .moreNeeded]), ("预审通过", [.approved]), ("已办结", [.ready]), ("已送达", [.delivered]),
    ]

    static func renderTrack(_ req: Request, r: AgentServiceRequest, error: String? = nil, status: HTTPStatus = .unprocessableEntity) async throws -> Response {
        let steps = try await AgentServiceStep.query(on: req.db).filter(\.$requestID == r.requireID()).sort(\.$seq).all()
        let reached = stages.lastIndex { $0.1.contains(r.status) } ?? (steps.map(\.toStatus).compactMap { s in stages.lastIndex { $0.1.contains(s) } }.max() ?? 0)
        let grid = try await Area.find(r.gridID, on: req.db)
        let page = TrackPage(
            layout: PortalController.layout(req, title: "帮办代办进度", error: error), code: r.trackingCode,
            grouped: TrackingCode(r.trackingCode)?.grouped ?? r.trackingCode, service: r.serviceName, serviceHref: SiteURL.catalogItem(code: r.serviceCode).path,
            department: r.departmentName, grid: grid?.name ?? "", status: r.status.displayName, sentence: r.status.sentence,
            expected: r.status.isFinal ? nil : r.dueAt.map { "本环节应于 \(Formatting.deadline($0)) 前完成" },
            steps: stages.enumerated().map { i, s in PortalController.Step(label: s.0, done: i <= reached, current: i == reached) },
            // The acting unit, never a staff member's name.
            lines: steps.map { s in
                PortalController.Line(at: Formatting.dateTime(s.at),
                                      text: "\(s.actor == .department ? r.departmentName : s.actor.displayName)：\(s.action.displayName)" + (s.comment.isEmpty ? "" : "（\(s.comment)）"))
            },
            canWithdraw: AgentServiceFlow.available(at: r.status, to: .resident).contains(.withdraw))
        let response = try await req.view.render("portal/agent_track", page).encodeResponse(for: req)
        if error != nil { response.status = status }
        return response
    }

    static func tracked(_ req: Request, code: TrackingCode) async throws -> AgentServiceRequest? {
        try await AgentServiceRequest.query(on: req.db).filter(\.$trackingCode == code.value).first()
    }

    struct WithdrawForm: Content { var reason: String?; var phoneTail: String? }

    /// The applicant withdraws with their code (before the department has approved it).
    @Sendable static func withdraw(req: Request) async throws -> Response {
        try await req.enforce(.lookup)
        guard let code = TrackingCode(try req.parameters.require("code")), let r = try await tracked(req, code: code) else {
            throw Abort(.notFound, reason: "未找到该查询码对应的申请")
        }
        let form = try req.content.decode(WithdrawForm.self)
        if let refused = ReporterProof.check(signedIn: PortalController.signedInResident(req), reporterID: nil, sealedPhone: r.applicantPhoneSealed,
                                             phoneTail: form.phoneTail, cipher: req.state.cipher) {
            return try await renderTrack(req, r: r, error: refused, status: .forbidden)
        }
        do {
            _ = try await AgentServiceDesk(db: req.db, app: req.application).act(
                .withdraw, on: r, by: .resident, actorID: "", actorName: r.applicantName, comment: form.reason ?? "", documents: [], uploadedBy: nil)
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard [.unprocessableEntity, .conflict].contains(status) else { throw error }
            return try await renderTrack(req, r: r, error: reason)
        }
        return req.redirect(to: SiteURL.portalTrack(code: code.value).path(["notice": "saved"]))
    }
}
