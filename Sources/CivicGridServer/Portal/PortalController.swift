import Fluent
import GridCore
import Vapor

/// 居民端 (`/r`, `/b`): report a problem (随手拍) with or without an account, follow it by its
/// tracking code, rate the result, find one's grid and its people by scanning a building's QR code,
/// read the grid's notices. Public pages are rate-limited per address and show nobody's personal data.
enum PortalController {
    struct Layout: Encodable {
        let title: String
        let csrf: String
        let resident: String?
        let notice: String?
        let error: String?
    }

    static func layout(_ req: Request, title: String, error: String? = nil) -> Layout {
        let user = req.auth.get(CurrentUser.self)
        return Layout(title: title, csrf: CSRFMiddleware.token(for: req), resident: user?.kind == .resident ? user?.displayName : nil,
                      notice: req.query[String.self, at: "notice"].flatMap(PageLayout.notices), error: error)
    }

    static func signedInResident(_ req: Request) -> CurrentUser? {
        guard let user = req.auth.get(CurrentUser.self), user.kind == .resident, !CaseService.isServiceAccount(user) else { return nil }
        return user
    }

    // MARK: Home

    struct HomePage: Encodable {
        let layout: Layout
        let query: String
        let grids: [Link]
        let buildings: [Link]
        let mine: [Link]
        let searched: Bool
    }

    struct Link: Encodable { let label: String; let detail: String; let href: String }

    @Sendable static func home(req: Request) async throws -> View {
        let q = String((req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(40))
        var grids: [Link] = [], buildings: [Link] = []
        if !q.isEmpty {
            try await req.enforce(.lookup)
            let found = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).filter(\.$name, like: .contains(q))
                .with(\.$parent).sort(\.$code).limit(20).all()
            grids = found.map { Link(label: $0.name, detail: $0.parent?.name ?? "", href: SiteURL.portalGrid($0.id!).path) }
            // An address as people write it (建设北12号, 新桥3网格): the 标准地址 matcher, its places first.
            let matched = try await AddressDirectory(db: req.db).book().match(q).places.map {
                Link(label: $0.label, detail: "按地址匹配", href: SiteURL.portalGrid($0.gridID).path)
            }
            grids = matched + grids.filter { g in !matched.contains { $0.href == g.href } }
            let places = try await Building.query(on: req.db).group(.or) { $0.filter(\.$address, like: .contains(q)).filter(\.$name, like: .contains(q)) }
                .with(\.$grid).limit(20).all()
            try await req.fieldWork.assignQRTokens(places)
            buildings = places.map { Link(label: "\($0.address) \($0.name)", detail: $0.grid.name, href: SiteURL.buildingCard(token: $0.qrToken!).path) }
        }
        var mine: [Link] = []
        if let resident = signedInResident(req) {
            mine = try await Case.query(on: req.db).filter(\.$reporter.$id == resident.id).sort(\.$reportedAt, .descending).limit(10).all()
                .compactMap { c in c.trackingCode.map { Link(label: c.title, detail: PublicProgress.step(c.status).displayName, href: SiteURL.portalTrack(code: $0).path) } }
        }
        return try await req.view.render("portal/home", HomePage(layout: layout(req, title: "居民服务"), query: q, grids: grids,
                                                                  buildings: buildings, mine: mine, searched: !q.isEmpty))
    }

    // MARK: 随手拍

    struct ReportPage: Encodable {
        let layout: Layout
        let categories: [CategoryService.Group]
        let grids: [CaseController.GridGroup]
        let place: String?
        let hasPlace: Bool
        let form: ReportForm
        let anonymous: Bool
        let question: String
        let challenge: String
        /// An address that fits several places: the resident picks one.
        var choices: [CaseController.Option] = []
    }

    struct ReportForm: Content {
        var category: String = ""
        var description: String = ""
        var grid: String? = nil
        var building: String? = nil
        var latitude: String? = nil
        var longitude: String? = nil
        var address: String? = nil
        var name: String? = nil
        var phone: String? = nil
        var challenge: String? = nil
        var answer: String? = nil
        var photos: [File]? = nil

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(category, forKey: .category)
            try c.encode(description, forKey: .description)
            for (key, value) in [(CodingKeys.grid, grid), (.building, building), (.latitude, latitude), (.longitude, longitude),
                                 (.address, address), (.name, name), (.phone, phone)] {
                try c.encode(value ?? "", forKey: key)
            }
        }
    }

    static func renderReport(_ req: Request, form: ReportForm, error: String?, choices: [AddressPlace] = []) async throws -> Response {
        let building = try await form.building.flatMap(FieldService.validToken).asyncMap { token in
            try await Building.query(on: req.db).filter(\.$qrToken == token).with(\.$grid).first()
        } ?? nil
        let grids = try await Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).with(\.$parent).sort(\.$code).all()
        let groups = CaseController.gridGroups(grids) { String($0.id!) == form.grid || $0.id == building?.$grid.id }
        let issued = req.state.challenge.issue(now: req.now)
        var page = ReportPage(layout: layout(req, title: "随手拍", error: error),
                              categories: try await CategoryService.groups(on: req.db, selected: UUID(uuidString: form.category), residents: true),
                              grids: groups, place: building.map { "\($0.address) \($0.name)（\($0.grid.name)）" }, hasPlace: building != nil, form: form,
                              anonymous: signedInResident(req) == nil, question: issued.question, challenge: issued.token)
        page.choices = choices.enumerated().map { CaseController.Option(value: String($0.element.gridID), label: $0.element.label, selected: $0.offset == 0) }
        let response = try await req.view.render("portal/report", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func reportForm(req: Request) async throws -> Response {
        try await req.enforce(.lookup)
        var form = ReportForm()
        form.building = req.query[String.self, at: "b"].flatMap(FieldService.validToken)
        return try await renderReport(req, form: form, error: nil)
    }

    struct ReportedPage: Encodable { let layout: Layout; let code: String; let grouped: String; let caseCode: String; let grid: String }

    @Sendable static func report(req: Request) async throws -> Response {
        var form = try req.content.decode(ReportForm.self)
        do {
            let resident = signedInResident(req)
            let reporter: CurrentUser
            if let resident {
                reporter = resident
            } else {
                if let failure = req.state.challenge.verify(token: form.challenge, answer: form.answer, now: req.now) {
                    throw Abort(.unprocessableEntity, reason: failure.description)
                }
                guard let phone = form.phone.flatMap(nonEmpty), let normalized = PhoneNumber.normalize(phone) else {
                    throw Abort(.unprocessableEntity, reason: "未登录上报请留下手机号码，便于工作人员联系您")
                }
                try await req.enforce(.report)
                try await req.enforce(.report, key: "phone:" + req.state.cipher.index(normalized))
                reporter = try await req.fieldWork.portalUser()
            }
            guard let category = UUID(uuidString: form.category) else { throw Abort(.unprocessableEntity, reason: "请选择问题类别") }
            guard (5...1000).contains(form.description.trimmingCharacters(in: .whitespacesAndNewlines).count) else {
                throw Abort(.unprocessableEntity, reason: "请描述问题（5–1000 字）")  // before the photos are stored
            }
            let building = try await form.building.flatMap(FieldService.validToken).asyncMap { token in
                try await Building.query(on: req.db).filter(\.$qrToken == token).first()
            } ?? nil
            guard let chosen = try await CaseCategory.find(category, on: req.db), try await !StaffOnlyCategory.isStaffOnly(category, on: req.db) else {
                throw Abort(.unprocessableEntity, reason: "请从列表中选择问题类别")
            }
            let categoryName = chosen.name
            let photos = try await CaseController.storePhotos(Array((form.photos ?? []).prefix(3)), req: req)
            let input = try CaseService.ReportInput.portal(form, categoryID: category, categoryName: categoryName, building: building,
                                                           signedIn: resident != nil)
            let c = try await req.cases.report(input, by: reporter, photos: photos, now: req.now)
            let grid = try await Area.find(c.$grid.id, on: req.db)?.name ?? ""
            let code = TrackingCode(c.trackingCode ?? "")
            return try await req.view.render("portal/reported", ReportedPage(
                layout: layout(req, title: "已提交"), code: code?.value ?? "", grouped: code?.grouped ?? "", caseCode: c.code, grid: grid))
                .encodeResponse(status: .created, for: req)
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500, status != .tooManyRequests else { throw error }
            let hadPhotos = !(form.photos ?? []).filter { $0.data.readableBytes > 0 }.isEmpty
            form.photos = nil
            let ambiguous = error as? AddressDirectory.Ambiguous
            let message = ambiguous.map { _ in "您填写的地址可能是以下几处之一，请选择后再提交" } ?? reason
            return try await renderReport(req, form: form, error: message + (hadPhotos ? "（照片需重新添加）" : ""), choices: ambiguous?.places ?? [])
        }
    }

    // MARK: 查询进度

    @Sendable static func trackLookup(req: Request) async throws -> Response {
        let typed = req.query[String.self, at: "code"] ?? ""
        guard let code = TrackingCode(typed) else {
            return req.redirect(to: SiteURL.portal.path(["notice": "bad-code"]))
        }
        return req.redirect(to: SiteURL.portalTrack(code: code.value).path)
    }

    struct TrackPage: Encodable {
        let layout: Layout
        let code: String
        let grouped: String
        let caseCode: String
        let title: String
        let description: String
        let category: String
        let grid: String
        let reportedAt: String
        let sentence: String
        let steps: [Step]
        let expected: String?
        let lines: [Line]
        let canRate: Bool
        /// Ask for the phone's last four (`ReporterProof`) unless the reporter is signed in.
        let askPhoneTail: Bool
        let phoneTailPrompt: String
        let rating: String?
        let satisfactions: [CaseController.Option]
        /// The reporter may still withdraw it (撤件).
        var canWithdraw = false
        /// 时限灯 in plain words, and 暂缓办理 with its reason.
        var light: String? = nil
        var lightWords: String? = nil
        var suspension: String? = nil
    }

    struct Step: Encodable { let label: String; let done: Bool; let current: Bool }
    struct Line: Encodable { let at: String; let text: String }

    static func tracked(_ req: Request) async throws -> (TrackingCode, Case) {
        try await req.enforce(.lookup)
        guard let code = TrackingCode(try req.parameters.require("code")),
              let c = try await Case.query(on: req.db).filter(\.$trackingCode == code.value).first() else {
            throw Abort(.notFound, reason: "未找到该查询码对应的诉求，请核对后重试")
        }
        return (code, c)
    }

    /// A case's code or an agent-handled service's: one box for both.
    @Sendable static func track(req: Request) async throws -> Response {
        try await req.enforce(.lookup)
        if let code = TrackingCode(try req.parameters.require("code")) {
            if let c = try await Case.query(on: req.db).filter(\.$trackingCode == code.value).first() {
                return try await renderTrack(req, code: code, c: c, error: nil).encodeResponse(for: req)
            }
            if let r = try await AgentServiceController.tracked(req, code: code) { return try await AgentServiceController.renderTrack(req, r: r) }
        }
        throw Abort(.notFound, reason: "未找到该查询码对应的诉求或申请，请核对后重试")
    }

    static func renderTrack(_ req: Request, code: TrackingCode, c: Case, error: String?) async throws -> View {
        // A merged duplicate follows its master.
        let master = try await c.mergedIntoID.asyncMap { try await Case.find($0, on: req.db) } ?? nil
        let shown = master ?? c
        let id = try shown.requireID()
        let entries = try await TimelineEntry.query(on: req.db).filter(\.$case.$id == id).sort(\.$seq).all()
        let levels = req.state.levels
        let lines: [Line] = entries.compactMap { e in
            guard let kind = ActionKind(rawValue: e.action), let to = CaseStatus(rawValue: e.toStatus) else { return nil }
            // The acting body — a department, a level's command center, the grid — never a person.
            let unit: String? = switch e.level {
            case "department": "承办部门"
            case "": nil
            default: AreaLevel(rawValue: e.level).map { $0 >= .grid ? "网格" : levels.name(of: $0) + "指挥中心" }
            }
            return PublicProgress.line(action: kind, to: to, comment: e.comment, unit: unit).map { Line(at: Formatting.dateTime(e.at), text: $0) }
        }
        let step = PublicProgress.step(shown.status)
        let resolve = try await CaseDeadline.query(on: req.db).filter(\.$case.$id == id).filter(\.$kind == .resolve)
            .filter(\.$endedAt == nil).sort(\.$dueAt, .descending).first()
        let grid = try await Area.find(c.$grid.id, on: req.db)
        let category = try await CaseCategory.find(c.$category.id, on: req.db)
        let lights = try await CaseLights.worst(of: [id], now: req.now, on: req.db)
        let expected: String? = shown.status.isOpen && shown.status != .suspended ? resolve.map { "预计 \(Formatting.deadline($0.dueAt)) 前办结" } ?? "预计受理后按时限办理，一般事项 7 个工作日内办结" : nil
        return try await req.view.render("portal/track", TrackPage(
            layout: layout(req, title: "诉求进度", error: error), code: code.value, grouped: code.grouped, caseCode: c.code,
            title: c.title, description: c.description, category: category?.name ?? "", grid: grid?.name ?? "",
            reportedAt: Formatting.dateTime(c.reportedAt), sentence: PublicProgress.sentence(shown.status, merged: master != nil),
            steps: PublicProgress.Step.allCases.map { Step(label: $0.displayName, done: $0.rawValue <= step.rawValue, current: $0 == step) },
            expected: expected, lines: lines,
            canRate: master == nil && c.status == .closed && c.satisfaction == nil && c.$reporter.id != nil,
            askPhoneTail: ReporterProof.needsPhoneTail(signedIn: signedInResident(req), reporterID: c.$reporter.id),
            phoneTailPrompt: ReporterProof.prompt,
            rating: c.satisfaction?.displayName,
            satisfactions: Satisfaction.allCases.map { CaseController.Option(value: $0.rawValue, label: $0.displayName, selected: false) },
            canWithdraw: master == nil && c.status.isOpen && c.$reporter.id != nil,
            light: lights[id]?.rawValue, lightWords: lights[id]?.plainWords,
            suspension: shown.status == .suspended ? "暂缓办理" + (shown.suspendedReason.map { "：\($0)" } ?? "")
                + (shown.suspendedUntil.map { "。预计 \(LocalDate($0)) 起恢复办理" } ?? "") : nil))
    }

    /// 撤件 by the reporter, with the same proof as rating; an agent-service application's code withdraws that application.
    @Sendable static func withdraw(req: Request) async throws -> Response {
        try await req.enforce(.lookup)
        guard let code = TrackingCode(try req.parameters.require("code")) else { throw Abort(.notFound, reason: "未找到该查询码对应的诉求或申请") }
        guard let c = try await Case.query(on: req.db).filter(\.$trackingCode == code.value).first() else {
            return try await AgentServiceController.withdraw(req: req)
        }
        let form = try req.content.decode(AgentServiceController.WithdrawForm.self)
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else {
            return try await renderTrack(req, code: code, c: c, error: "请简要写明撤件原因（500 字以内）").encodeResponse(status: .unprocessableEntity, for: req)
        }
        return try await actAsReporter(.withdraw(reason), on: c, code: code, phoneTail: form.phoneTail, req: req, notice: "withdrawn")
    }

    /// An action the reporter takes by their code (评价, 撤件): the proof of reporter (signed in, or the phone's last
    /// four), then the case engine as the reporter; a refusal is shown on the tracking page with what was typed.
    static func actAsReporter(_ action: CaseAction, on c: Case, code: TrackingCode, phoneTail: String?, req: Request, notice: String) async throws -> Response {
        guard let reporterID = c.$reporter.id, let reporter = try await User.find(reporterID, on: req.db) else { throw Abort(.notFound) }
        if let refused = ReporterProof.check(signedIn: signedInResident(req), reporterID: reporterID, sealedPhone: c.reporterPhoneSealed,
                                             phoneTail: phoneTail, cipher: req.state.cipher) {
            return try await renderTrack(req, code: code, c: c, error: refused).encodeResponse(status: .forbidden, for: req)
        }
        let actor = try await CurrentUser.load(reporter, via: .webSession, on: req.db)
        do {
            _ = try await req.cases.perform(action, on: c.requireID(), by: actor, now: req.now)
        } catch {
            let (status, message) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            return try await renderTrack(req, code: code, c: c, error: message).encodeResponse(status: status, for: req)
        }
        return req.redirect(to: SiteURL.portalTrack(code: code.value).path(["notice": notice]))
    }

    struct RateForm: Content { var satisfaction: String; var comment: String?; var phoneTail: String? }

    /// The reporter rates by their code; 不满意 sends the case back to whoever handled it.
    @Sendable static func rate(req: Request) async throws -> Response {
        let (code, c) = try await tracked(req)
        let form = try req.content.decode(RateForm.self)
        guard let satisfaction = Satisfaction(rawValue: form.satisfaction) else {
            return try await renderTrack(req, code: code, c: c, error: "请选择评价").encodeResponse(status: .unprocessableEntity, for: req)
        }
        let comment = (form.comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= 500 else {
            return try await renderTrack(req, code: code, c: c, error: "评价意见不超过 500 字").encodeResponse(status: .unprocessableEntity, for: req)
        }
        return try await actAsReporter(.rate(satisfaction, comment), on: c, code: code, phoneTail: form.phoneTail, req: req, notice: "rated")
    }

    // MARK: 扫码找格

    struct GridPage: Encodable {
        let layout: Layout
        let building: String?
        let grid: String
        let community: String
        let street: String
        let team: [FieldService.PublicPerson]
        let notices: [FieldController.NoticeRow]
        let reportHref: String
    }

    @Sendable static func building(req: Request) async throws -> View {
        try await req.enforce(.lookup)
        guard let token = FieldService.validToken(try req.parameters.require("token")),
              let b = try await Building.query(on: req.db).filter(\.$qrToken == token).with(\.$grid).first() else {
            throw Abort(.notFound, reason: "二维码无效或楼栋已撤销")
        }
        return try await renderGrid(req, grid: b.grid, building: "\(b.address) \(b.name)", reportHref: SiteURL.portalReport.path(["b": "\(token)"]))
    }

    @Sendable static func grid(req: Request) async throws -> View {
        try await req.enforce(.lookup)
        guard let id = req.parameters.get("id", as: Int.self), let grid = try await Area.find(id, on: req.db),
              [.grid, .microGrid].contains(grid.level) else { throw Abort(.notFound, reason: "网格不存在") }
        return try await renderGrid(req, grid: grid, building: nil, reportHref: SiteURL.portalReport.path)
    }

    static func renderGrid(_ req: Request, grid: Area, building: String?, reportHref: String) async throws -> View {
        let chain = try await Area.query(on: req.db).filter(\.$id ~~ grid.areaPath.ids).all()
        let community = chain.first { $0.level == .community }?.name ?? ""
        let street = chain.first { $0.level == .street }?.name ?? ""
        let notices = try await FieldService.liveNotices(grids: [grid.requireID()], limit: 10, on: req.db)
        return try await req.view.render("portal/grid", GridPage(
            layout: layout(req, title: building ?? grid.name), building: building, grid: grid.name, community: community, street: street,
            team: try await FieldService.publicTeam(of: grid, on: req.db),
            notices: notices.map { .init(id: $0.id!.uuidString, title: $0.title, body: $0.body, at: Formatting.dateTime($0.createdAt), author: $0.authorName) },
            reportHref: reportHref))
    }

    /// The building's QR code as SVG, pointing at its public page.
    @Sendable static func qr(req: Request) async throws -> Response {
        guard let token = FieldService.validToken(try req.parameters.require("token")),
              try await Building.query(on: req.db).filter(\.$qrToken == token).count() == 1 else { throw Abort(.notFound) }
        let svg = try QRCode(publicURL(req) + SiteURL.buildingCard(token: token).path, correction: .medium).svg()
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml")
        // Shared caches may keep it only when it points at the configured address.
        headers.replaceOrAdd(name: .cacheControl, value: req.state.config.publicURL == nil ? "no-store" : "public, max-age=86400")
        return Response(status: .ok, headers: headers, body: .init(string: svg))
    }

    /// What QR codes point at: PUBLIC_URL (required by `serve`), else — a demo — the address the
    /// server itself listens on. Never the request's Host header, which the client chooses.
    static func publicURL(_ req: Request) -> String {
        if let configured = req.state.config.publicURL { return configured }
        let server = req.application.http.server.configuration
        let host = ["0.0.0.0", "::", ""].contains(server.hostname) ? "localhost" : server.hostname
        return "http://\(host):\(server.port)"
    }

    /// A grid worker's or leader's public photo.
    @Sendable static func staffPhoto(req: Request) async throws -> Response {
        let id = try req.parameters.require("id", as: UUID.self)
        guard let u = try await User.find(id, on: req.db), u.active, let path = u.photoPath, let type = u.photoType,
              try await RoleAssignment.query(on: req.db).filter(\.$user.$id == id).filter(\.$role ~~ [.gridWorker, .gridLeader]).count() > 0 else {
            throw Abort(.notFound)
        }
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: path, contentType: type, req: req)
    }

    // MARK: 楼栋二维码打印

    struct SheetPage: Encodable {
        let layout: PageLayout
        let gridID: Int
        let grid: String
        let community: String
        let pages: [[Label]]
        let count: Int
    }

    struct Label: Encodable { let name: String; let address: String; let qr: String; let url: String }

    /// A4 sheets, eight labels per page, of every building in a grid (staff in scope).
    @Sendable static func sheet(req: Request) async throws -> View {
        let user = try req.currentUser
        try RegistryService.requireReader(user)
        let id = try req.parameters.require("id", as: Int.self)
        guard let grid = try await req.areas.find(id, in: user.scope),
              [.grid, .microGrid].contains(grid.level) else { throw Abort(.notFound, reason: "网格不存在或不在您的管辖范围内") }
        let buildings = try await Building.query(on: req.db).filter(\.$grid.$id == id).sort(\.$address).sort(\.$name).all()
        try await req.fieldWork.assignQRTokens(buildings)
        let base = publicURL(req)
        let labels = buildings.map { Label(name: $0.name, address: $0.address, qr: SiteURL.buildingQR(token: $0.qrToken!).path, url: base + SiteURL.buildingCard(token: $0.qrToken!).path) }
        let pages = stride(from: 0, to: labels.count, by: 8).map { Array(labels[$0..<min($0 + 8, labels.count)]) }
        return try await req.view.render("qr/sheet", SheetPage(
            layout: PageLayout(req, title: "楼栋二维码 · \(grid.name)", section: "registry"), gridID: id, grid: grid.name,
            community: try await grid.$parent.get(on: req.db)?.name ?? "", pages: pages, count: labels.count))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
