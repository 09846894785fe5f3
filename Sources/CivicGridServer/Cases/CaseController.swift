import Fluent
import GridCore
import Vapor

/// Cases on the web: queues, the report form, the case page with its timeline and exactly the
/// actions the state machine allows this user, and photos.
enum CaseController {
    // MARK: Queue

    struct ListPage: Encodable {
        let layout: PageLayout
        let tabs: [Tab]
        let rows: [Row]
        let total: Int
        let page: Int
        let pages: Int
        let prev: String?
        let next: String?
        let tab: String
        let filters: Filters
        let canReport: Bool
    }

    struct Tab: Encodable { let key: String; let label: String; let count: Int; let href: String; let active: Bool; let warn: Bool }
    struct Row: Encodable {
        let href: String; let code: String; let title: String; let category: String; let channel: String; let grid: String
        let status: String; let statusClass: String; let overdue: Bool; let deadline: String; let deadlineClass: String; let reportedAt: String
        /// 时限灯 of the case: the worst of its running clocks.
        var light: String? = nil
        var lightLabel: String? = nil
    }
    struct Filters: Encodable {
        let status: [Option]; let channel: [Option]; let departments: [Option]; let categories: [CategoryService.Group]
        let from: String; let to: String; let area: String; let q: String
        let active: Bool
    }
    struct Option: Encodable { let value: String; let label: String; let selected: Bool }

    static func filter(from req: Request) -> CaseQueries.Filter {
        CaseQueries.Filter(
            status: req.query[String.self, at: "status"].flatMap(CaseStatus.init(rawValue:)),
            categoryID: req.query[String.self, at: "category"].flatMap(UUID.init(uuidString:)),
            channel: req.query[String.self, at: "channel"].flatMap(CaseChannel.init(rawValue:)),
            from: req.query[String.self, at: "from"].flatMap(LocalDate.init), to: req.query[String.self, at: "to"].flatMap(LocalDate.init),
            areaCode: req.query[String.self, at: "area"], text: req.query[String.self, at: "q"],
            departmentID: req.query[String.self, at: "department"].flatMap(UUID.init(uuidString:)))
    }

    @Sendable static func index(req: Request) async throws -> View {
        let user = try req.currentUser
        let tabs = CaseQueries.tabs(for: user)
        let tab = req.query[String.self, at: "tab"].flatMap(CaseQueries.Tab.init(rawValue:)).flatMap { tabs.contains($0) ? $0 : nil } ?? tabs[0]
        let filter = filter(from: req)
        let now = req.now
        var tabRows: [Tab] = []
        for t in tabs {
            let count = try await CaseQueries.query(t, filter: CaseQueries.Filter(), user: user, now: now, on: req.db).count()
            tabRows.append(Tab(key: t.rawValue, label: t.label, count: count, href: SiteURL.cases.path(["tab": "\(t.rawValue)"]), active: t == tab,
                               warn: (t == .overdue || t == .soon) && count > 0))
        }
        let query = try await CaseQueries.query(tab, filter: filter, user: user, now: now, on: req.db)
        let total = try await query.count()
        let pageSize = 30
        let page = max(1, req.query[Int.self, at: "page"] ?? 1)
        let cases = try await query.sort(\Case.$reportedAt, .descending).range(((page - 1) * pageSize)..<(page * pageSize))
            .with(\.$category).with(\.$grid).all()
        let rows = try await rows(for: cases, now: now, on: req.db)
        let pages = max(1, (total + pageSize - 1) / pageSize)
        func link(_ p: Int) -> String {
            var c = URLComponents(); c.path = SiteURL.cases.path
            c.queryItems = (req.url.query.map { URLComponents(string: "?" + $0)?.queryItems ?? [] } ?? []).filter { $0.name != "page" }
                + [URLQueryItem(name: "page", value: String(p))]
            return c.string ?? SiteURL.cases.path
        }
        let statusOptions = CaseStatus.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == filter.status) }
        let channelOptions = CaseChannel.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == filter.channel) }
        return try await req.view.render("cases/index", ListPage(
            layout: PageLayout(req, title: "事件 · " + tab.label, section: "cases"), tabs: tabRows, rows: rows, total: total, page: page, pages: pages,
            prev: page > 1 ? link(page - 1) : nil, next: page < pages ? link(page + 1) : nil, tab: tab.rawValue,
            filters: Filters(status: statusOptions, channel: channelOptions,
                             departments: try await Department.query(on: req.db).sort(\.$code).all().map {
                                 Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id == filter.departmentID) },
                             categories: try await CategoryService.groups(on: req.db, selected: filter.categoryID),
                             from: filter.from?.description ?? "", to: filter.to?.description ?? "", area: filter.areaCode ?? "", q: filter.text ?? "",
                             active: filter.departmentID != nil || filter.status != nil || filter.categoryID != nil || filter.channel != nil || filter.from != nil || filter.to != nil
                                || !(filter.areaCode ?? "").isEmpty || !(filter.text ?? "").isEmpty),
            canReport: canReport(user)))
    }

    static func rows(for cases: [Case], now: Date, on db: any Database) async throws -> [Row] {
        let ids = cases.compactMap(\.id)
        let open = ids.isEmpty ? [] : try await CaseDeadline.query(on: db).filter(\.$case.$id ~~ ids).filter(\.$metAt == nil).filter(\.$endedAt == nil)
            .sort(\.$dueAt).all()
        return cases.map { c in
            let next = open.first { $0.$case.id == c.id }
            let light = open.filter { $0.$case.id == c.id }.compactMap { $0.light(now: now) }.max()
            var row = Row(href: SiteURL.caseDetail(c.id!).path, code: c.code, title: c.title, category: c.category.name, channel: c.channel.displayName,
                       grid: c.grid.name, status: c.status.displayName, statusClass: c.status.rawValue, overdue: c.overdue,
                       deadline: next.map { "\($0.kind.displayName) \(Formatting.remaining(until: $0.dueAt, now: now))" } ?? "—",
                       deadlineClass: light == .red ? "late" : light == .yellow ? "soon" : "",
                       reportedAt: Formatting.dateTime(c.reportedAt))
            (row.light, row.lightLabel) = (light?.rawValue, light?.displayName)
            return row
        }
    }

    static func canReport(_ user: CurrentUser) -> Bool {
        user.kind == .resident || !user.roles.isDisjoint(with: [.gridWorker, .gridLeader, .operator])
    }

    // MARK: Report

    struct NewPage: Encodable {
        let layout: PageLayout
        let categories: [CategoryService.Group]
        let grids: [GridGroup]
        let channels: [Option]
        let urgencies: [Option]
        let isGridWorker: Bool
        let isOperator: Bool
        let form: ReportForm
        let error: String?
    }

    struct GridGroup: Encodable { let name: String; let grids: [Option] }

    /// Grids (loaded with their parent, sorted by code) as one option group per community, for a picker.
    static func gridGroups(_ grids: [Area], selected: (Area) -> Bool) -> [GridGroup] {
        var groups: [GridGroup] = []
        for grid in grids {
            let option = Option(value: String(grid.id!), label: grid.name, selected: selected(grid))
            let name = grid.parent?.name ?? ""
            if groups.last?.name == name { groups[groups.count - 1] = GridGroup(name: name, grids: groups[groups.count - 1].grids + [option]) }
            else { groups.append(GridGroup(name: name, grids: [option])) }
        }
        return groups
    }

    struct ReportForm: Content {
        var category: String = ""
        var title: String = ""
        var description: String = ""
        var channel: String? = nil
        var urgency: String? = nil
        var grid: String? = nil
        var address: String? = nil
        var latitude: String? = nil
        var longitude: String? = nil
        var reporterName: String? = nil
        var reporterPhone: String? = nil
        var externalRef: String? = nil
        var mode: String? = nil
        var onSiteNote: String? = nil
        var building: String? = nil
        /// A message pasted from a WeChat group or a video-patrol alert (operators).
        var pasted: String? = nil
        var photos: [File]? = nil

        enum CodingKeys: String, CodingKey {
            case category, title, description, channel, urgency, grid, address, latitude, longitude, reporterName, reporterPhone, externalRef, mode, onSiteNote
            case building, pasted, photos
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            for (key, value) in [(CodingKeys.category, category), (.title, title), (.description, description)] { try c.encode(value, forKey: key) }
            for (key, value) in [(CodingKeys.channel, channel), (.urgency, urgency), (.grid, grid), (.address, address), (.latitude, latitude),
                                 (.longitude, longitude), (.reporterName, reporterName), (.reporterPhone, reporterPhone),
                                 (.externalRef, externalRef), (.mode, mode), (.onSiteNote, onSiteNote), (.building, building), (.pasted, pasted)] {
                try c.encode(value ?? "", forKey: key)
            }
        }
    }

    static func renderNew(_ req: Request, form: ReportForm, error: String?) async throws -> Response {
        let user = try req.currentUser
        guard canReport(user) else { throw Abort(.forbidden, reason: "您的岗位不能上报事件") }
        let isOperator = user.roles.contains(.operator)
        let gridQuery = Area.query(on: req.db).filter(\.$level ~~ [.grid, .microGrid]).with(\.$parent).sort(\.$code)
        let grids = user.kind == .resident ? try await gridQuery.all() : try await gridQuery.within(user.scope).all()
        let groups = gridGroups(grids) { String($0.id!) == form.grid || grids.count == 1 }
        let operatorChannels: [CaseChannel] = [.hotline12345, .mayorHotline, .serviceHotline96361, .wechatGroup, .videoPatrol, .onlinePetition, .upperLevel, .fourPlatforms, .resident]
        let page = NewPage(
            layout: PageLayout(req, title: "上报事件", section: "cases"),
            categories: try await CategoryService.groups(on: req.db, selected: UUID(uuidString: form.category)), grids: groups,
            channels: operatorChannels.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == form.channel) },
            urgencies: Urgency.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == (form.urgency ?? "normal")) },
            isGridWorker: user.roles.contains(.gridWorker) || user.roles.contains(.gridLeader), isOperator: isOperator, form: form, error: error)
        let response = try await req.view.render("cases/new", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    /// `?building=` pre-fills the grid, address and position from the registry (一口采集、多口使用).
    @Sendable static func newForm(req: Request) async throws -> Response {
        var form = ReportForm()
        let user = try req.currentUser
        if let id = req.query[String.self, at: "building"].flatMap(UUID.init(uuidString:)), user.kind == .staff, RegistryRules.mayRead(user.roles),
           let b = try await req.registry.buildings(user).filter(\.$id == id).first() {
            form.building = id.uuidString
            form.grid = String(b.$grid.id)
            form.address = "\(b.address) \(b.name)"
            form.latitude = b.latitude.map { String($0) }
            form.longitude = b.longitude.map { String($0) }
        }
        return try await renderNew(req, form: form, error: nil)
    }

    @Sendable static func create(req: Request) async throws -> Response {
        let user = try req.currentUser
        var form = try req.content.decode(ReportForm.self)
        do {
            guard let category = UUID(uuidString: form.category) else { throw Abort(.unprocessableEntity, reason: "请选择事件类别") }
            let channel: CaseChannel
            if user.kind == .resident { channel = .resident }
            else if user.roles.contains(.operator), let chosen = form.channel.flatMap(CaseChannel.init(rawValue:)) { channel = chosen }
            else { channel = .gridWorker }
            // 微信群 / 视频巡查: a pasted message fills what the operator left empty.
            if user.roles.contains(.operator), let pasted = form.pasted.flatMap(PastedMessage.init) {
                if form.title.trimmingCharacters(in: .whitespaces).isEmpty { form.title = pasted.title }
                if form.description.trimmingCharacters(in: .whitespaces).isEmpty { form.description = pasted.body }
                if (form.reporterName ?? "").trimmingCharacters(in: .whitespaces).isEmpty { form.reporterName = pasted.sender }
            }
            let input = try CaseService.ReportInput.desk(form, categoryID: category, channel: channel)
            let photos = try await storePhotos(form.photos ?? [], req: req)
            let c = try await req.cases.report(input, by: user, photos: photos, now: req.now)
            return req.redirect(to: SiteURL.caseDetail(c.id!).path(["notice": "reported"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            form.photos = nil
            return try await renderNew(req, form: form, error: reason)
        }
    }

    static func number(_ text: String?, _ name: String) throws -> Double? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Double(text), value.isFinite else { throw Abort(.unprocessableEntity, reason: "\(name)必须是数字") }
        return value
    }

    // MARK: Case page

    @Sendable static func show(req: Request) async throws -> Response {
        try await renderShow(req, id: try req.parameters.require("id", as: UUID.self), error: nil)
    }

    static func renderShow(_ req: Request, id: UUID, error: String?) async throws -> Response {
        let user = try req.currentUser
        let detail = try await CaseDetail.load(id, for: user, req: req)
        let accountability = user.kind == .staff ? try await AccountabilityView.load(caseID: id, user: user, req: req) : nil
        let response = try await req.view.render("cases/show", ShowPage(layout: PageLayout(req, title: detail.code, section: "cases"),
                                                                        c: detail, error: error, accountability: accountability)).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    struct ShowPage: Encodable { let layout: PageLayout; let c: CaseDetail; let error: String?; let accountability: AccountabilityView? }

    struct PublicationForm: Content { var text: String? }

    /// The command center writes what Open311 may publish of a resident's report (`Open311Publication`);
    /// empty withdraws it. Operators and administrators whose scope holds the case; logged.
    @Sendable static func publish(req: Request) async throws -> Response {
        let user = try req.currentUser
        guard user.kind == .staff, user.roles.speaksForCommandCenter else {
            throw Abort(.forbidden, reason: "仅指挥中心坐席可审核公开描述")
        }
        let id = try req.parameters.require("id", as: UUID.self)
        let c = try await req.cases.require(id, for: user)
        let text = (try req.content.decode(PublicationForm.self).text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 300 else { return try await renderShow(req, id: id, error: "公开描述不超过 300 字") }
        try await req.db.transaction { tx in
            let existing = try await CasePublication.find(id, on: tx)
            if text.isEmpty {
                try await existing?.delete(on: tx)
            } else {
                let p = existing ?? CasePublication()
                p.id = id; p.text = text; p.byID = user.id; p.at = req.now
                try await p.save(on: tx)
            }
        }
        try await AccessLog(actorID: user.id, subjectType: "case", subjectID: id.uuidString, field: "open311Publication", at: req.now,
                            reason: text.isEmpty ? "撤回公开描述" : "审核公开描述", subjectLabel: c.code).create(on: req.db)
        return req.redirect(to: SiteURL.caseDetail(id).path(["notice": "saved"]))
    }

    /// 责任倒追 on the case page: shown when the case went overdue or failed, or has sanctions.
    struct AccountabilityView: Encodable {
        struct Row: Encodable { let step: String; let holder: String; let from: String; let due: String; let done: String; let verdict: String; let late: Bool; let actors: String }
        struct Recorded: Encodable { let kind: String; let target: String; let reason: String; let by: String; let at: String }
        let rows: [Row]
        let canSanction: Bool
        let targets: [Option]
        let kinds: [Option]
        let sanctions: [Recorded]

        static func load(caseID: UUID, user: CurrentUser, req: Request) async throws -> AccountabilityView? {
            guard let c = try await Case.find(caseID, on: req.db) else { return nil }
            let service = req.accountability
            let chain = try await service.chain(of: c)
            let recorded = try await Sanction.query(on: req.db).filter(\.$caseID == caseID).sort(\.$issuedAt).all()
            guard chain.failed || !recorded.isEmpty else { return nil }
            return AccountabilityView(
                rows: chain.links.map { l in
                    Row(step: l.link.step, holder: l.link.holder, from: Formatting.dateTime(l.link.from), due: Formatting.deadline(l.link.due),
                        done: l.link.done.map(Formatting.dateTime) ?? "—", verdict: l.link.verdict(now: req.now), late: l.link.hoursLate(now: req.now) > 0,
                        actors: l.actors.joined(separator: "、"))
                },
                canSanction: AccountabilityService.maySanction(user),
                targets: chain.targets.map { Option(value: $0.key, label: $0.label, selected: false) },
                kinds: SanctionKind.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: false) },
                sanctions: recorded.map { Recorded(kind: $0.kind.displayName, target: $0.targetName, reason: $0.reason, by: $0.issuedByName, at: Formatting.dateTime($0.issuedAt)) })
        }
    }

    struct SanctionForm: Content { var kind: String; var target: String; var reason: String }

    @Sendable static func sanction(req: Request) async throws -> Response {
        let user = try req.currentUser
        let id = try req.parameters.require("id", as: UUID.self)
        let c = try await req.cases.require(id, for: user)
        let form = try req.content.decode(SanctionForm.self)
        return try await req.submitForm({
            guard let kind = SanctionKind(rawValue: form.kind) else { throw Abort(.unprocessableEntity, reason: "请选择问责方式") }
            _ = try await req.accountability.record(kind, target: form.target, on: c, reason: form.reason, by: user)
        }, refusing: [.unprocessableEntity], showAgain: { try await renderShow(req, id: id, error: $0) },
           then: SiteURL.caseDetail(id).path(["notice": "saved"]) + "#accountability")
    }

    struct ActForm: Content {
        var action: String
        var comment: String?
        var reason: String?
        var department: String?
        var coHandlers: [String]?
        var days: String?
        var passed: String?
        var satisfaction: String?
        var photos: [File]?
        /// Decisions: "1" approves, "0" refuses.
        var approved: String? = nil
        /// An extension to a date ("yyyy-MM-dd", to its end), or `days` more working days.
        var until: String? = nil
        /// A suspension's review date ("yyyy-MM-dd").
        var reviewDate: String? = nil
        /// A callback: 联系结果 and 是否解决 ("1"/"0").
        var contact: String? = nil
        var resolved: String? = nil
        /// 改分类: the new 小类's id.
        var category: String? = nil

        private func decision() throws -> Bool {
            switch approved { case "1"?: return true; case "0"?: return false; default: throw Abort(.unprocessableEntity, reason: "请选择同意或不同意") }
        }

        private static func date(_ text: String?, _ what: String) throws -> LocalDate? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let date = LocalDate(text) else { throw Abort(.unprocessableEntity, reason: "\(what)格式应为 年-月-日") }
            return date
        }

        private func workingDays() throws -> Int? {
            guard let days = days?.trimmingCharacters(in: .whitespaces), !days.isEmpty else { return nil }
            guard let n = Int(days) else { throw Abort(.unprocessableEntity, reason: "办理时限须为整数个工作日") }
            return n
        }

        /// The GridCore action this form asks for.
        func caseAction() throws -> CaseAction {
            guard let kind = ActionKind(rawValue: action) else { throw Abort(.badRequest, reason: "未知操作") }
            let text = (comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count <= 2000 else { throw Abort(.unprocessableEntity, reason: "说明不能超过 2000 个字") }
            switch kind {
            case .report: throw Abort(.badRequest, reason: "未知操作")
            case .approveEscalation: return .approveEscalation
            case .resolveOnSite: return .resolveOnSite(text)
            case .accept: return .accept
            case .reject: return .reject(reason.flatMap(RejectReason.init(rawValue:)) ?? .invalid, text)
            case .handleLocally: return .handleLocally(text)
            case .escalate: return .escalate(text)
            case .dispatch:
                guard let department = department, UUID(uuidString: department) != nil else { throw Abort(.unprocessableEntity, reason: "请选择承办部门") }
                return .dispatch(department: department, coHandlers: (coHandlers ?? []).filter { !$0.isEmpty }, workingDays: try workingDays(), note: text)
            case .explain: return .explain(text)
            case .acknowledge: return .acknowledge
            case .returnCase: return .returnCase(text)
            case .markOnSite: return .markOnSite
            case .reply: return .reply(text)
            case .verify: return .verify(passed: passed != "0", text)
            case .reopen: return .reopen(text)
            case .urge: return .urge(text)
            case .supervise: return .supervise(text)
            case .fileInquiry: return .fileInquiry(text)
            case .answerInquiry: return .answerInquiry(text)
            case .rate:
                guard let s = satisfaction.flatMap(Satisfaction.init(rawValue:)) else { throw Abort(.unprocessableEntity, reason: "请选择满意度") }
                return .rate(s, text)
            case .requestExtension:
                if let date = try Self.date(until, "延期至") { return .requestExtension(reason: text, length: .until(date.adding(days: 1).startInstant)) }
                guard let n = try workingDays() else { throw Abort(.unprocessableEntity, reason: "请填写延长的工作日数或延期至的日期") }
                return .requestExtension(reason: text, length: .workingDays(n))
            case .decideExtension: return .decideExtension(approved: try decision(), comment: text)
            case .suspend:
                guard let date = try Self.date(reviewDate, "复核日期") else { throw Abort(.unprocessableEntity, reason: "请填写复核日期") }
                return .suspend(reason: text, reviewAt: date.startInstant)
            case .decideSuspension: return .decideSuspension(approved: try decision(), comment: text)
            case .resume: return .resume(text)
            case .reviewReturn: return .reviewReturn(approved: try decision(), comment: text)
            case .callback:
                guard let contact = contact.flatMap(CallbackContact.init(rawValue:)) else { throw Abort(.unprocessableEntity, reason: "请选择联系结果") }
                let solved: Bool? = contact == .reached ? (resolved == "1" ? true : resolved == "0" ? false : nil) : nil
                let rating = contact == .reached ? satisfaction.flatMap(Satisfaction.init(rawValue:)) : nil
                if contact == .reached, solved == nil || rating == nil { throw Abort(.unprocessableEntity, reason: "已联系时请记录是否解决和满意度") }
                return .callback(CallbackOutcome(contact: contact, resolved: solved, satisfaction: rating, note: text))
            case .withdraw: return .withdraw(text)
            case .void: return .void(text)
            case .decideVoid: return .decideVoid(approved: try decision(), comment: text)
            case .recategorize:
                guard let category = category?.trimmingCharacters(in: .whitespaces), UUID(uuidString: category) != nil else {
                    throw Abort(.unprocessableEntity, reason: "请选择新的事件类别")
                }
                return .recategorize(Recategorization(category: category, reason: text))
            }
        }
    }

    @Sendable static func act(req: Request) async throws -> Response {
        let user = try req.currentUser
        let id = try req.parameters.require("id", as: UUID.self)
        do {
            let form = try req.content.decode(ActForm.self)
            let action = try form.caseAction()
            let photos = try await storePhotos(form.photos ?? [], req: req)
            _ = try await req.cases.perform(action, on: id, by: user, photos: photos, now: req.now)
            return req.redirect(to: SiteURL.caseDetail(id).path(["notice": action.kind == .recategorize ? "recategorized" : "done"]))
        } catch let violation as CaseRuleViolation {
            return try await renderShow(req, id: id, error: violation.description)
        } catch let abort as any AbortError where abort.status != .notFound && abort.status.code < 500 {
            return try await renderShow(req, id: id, error: abort.reason)
        }
    }

    /// 合并重复事件: closes this case as a duplicate of `master` (a form field).
    @Sendable static func merge(req: Request) async throws -> Response {
        let user = try req.currentUser
        let id = try req.parameters.require("id", as: UUID.self)
        struct Form: Content { var master: String }
        do {
            // A candidate's id, or a case number typed by the operator (any category: they judge it the same problem).
            let given = try req.content.decode(Form.self).master.trimmingCharacters(in: .whitespacesAndNewlines)
            var found = UUID(uuidString: given)
            if found == nil, !given.isEmpty {
                found = try await CaseService.visible(to: user, on: req.db).filter(\Case.$code == given).first()?.id
            }
            guard let master = found else { throw Abort(.unprocessableEntity, reason: given.isEmpty ? "请选择主事件" : "未找到编号为 \(given) 的事件（或不在您的管辖范围内）") }
            try await req.duplicates.merge(id, into: master, by: user, now: req.now)
            return req.redirect(to: SiteURL.caseDetail(id).path(["notice": "merged"]))
        } catch let violation as CaseRuleViolation {
            return try await renderShow(req, id: id, error: violation.description)
        } catch let abort as any AbortError where abort.status != .notFound && abort.status.code < 500 {
            return try await renderShow(req, id: id, error: abort.reason)
        }
    }

    // MARK: Photos

    /// Checks and stores uploaded photos, then makes their thumbnails off the event loop.
    static func storePhotos(_ files: [File], req: Request) async throws -> [PhotoStore.Stored] {
        let root = req.state.uploadDirectory
        let cipher = req.state.cipher
        let stored = try PhotoStore(root: root).store(files, now: req.now, sealedWith: cipher)
        if !stored.isEmpty { try await req.application.threadPool.runIfActive { PhotoStore.makeDerivatives(stored, root: root, cipher: cipher) } }
        return stored
    }

    @Sendable static func photo(req: Request) async throws -> Response {
        let user = try req.currentUser
        guard let photo = try await CasePhoto.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound) }
        _ = try await req.cases.require(photo.$case.id, for: user)
        return try await PhotoStore(root: req.state.uploadDirectory).response(for: photo.storedPath, contentType: photo.contentType, req: req)
    }
}
