import Fluent
import GridCore
import Vapor

/// The lists behind the case engine: classification list with time limits, the working-day
/// calendar, and the negative list.
enum AdminCaseController {
    // MARK: Negative list (负面清单)

    struct NegativePage: Encodable { let layout: PageLayout; let rows: [NegativeRow]; let totals: [Total]; let total: Int }
    struct NegativeRow: Encodable { let at: String; let holder: String; let kind: String; let points: String; let reason: String; let href: String }
    struct Total: Encodable { let holder: String; let count: Int; let points: String }

    @Sendable static func negativeList(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.kind == .staff else { throw Abort(.forbidden, reason: "仅工作人员可查看") }
        // Entries on cases the user can see (by the case's grid, in SQL).
        let visibleCases = CaseService.visible(to: user, on: req.db)
        let caseIDs = try await visibleCases.all(\Case.$id)
        let entries = caseIDs.isEmpty ? [] : try await NegativeListEntry.query(on: req.db).filter(\.$case.$id ~~ caseIDs)
            .sort(\.$createdAt, .descending).with(\.$case).limit(500).all()
        let areas = try await Area.query(on: req.db).filter(\.$id ~~ Array(Set(entries.compactMap(\.areaID)))).all()
        let departments = try await Department.query(on: req.db).all()
        func holder(_ e: NegativeListEntry) -> String {
            e.departmentID.flatMap { id in departments.first { $0.id == id }?.name } ?? e.areaID.flatMap { id in areas.first { $0.id == id }?.name } ?? "—"
        }
        let grouped = Dictionary(grouping: entries, by: holder)
        let totals = grouped.map { Total(holder: $0.key, count: $0.value.count, points: Formatting.points($0.value.map(\.points).reduce(0, +))) }
            .sorted { $0.count > $1.count }
        return try await req.view.render("cases/negative", NegativePage(
            layout: PageLayout(req, title: "负面清单", section: "negative"),
            rows: entries.map { NegativeRow(at: Formatting.dateTime($0.createdAt), holder: holder($0), kind: $0.kind.displayName,
                                            points: "-" + Formatting.points($0.points), reason: $0.reason, href: SiteURL.caseDetail($0.$case.id).path) },
            totals: totals, total: entries.count))
    }

    // MARK: Classification list

    struct CategoriesPage: Encodable { let layout: PageLayout; let groups: [CategoryGroup]; let canEdit: Bool }
    struct CategoryGroup: Encodable { let name: String; let items: [CategoryRow] }
    struct CategoryRow: Encodable {
        let href: String; let code: String; let name: String; let accept: Int; let onSite: Int?; let resolve: Int
        let department: String; let risk: Bool; let active: Bool; let published: Bool; let staffOnly: Bool
    }

    @Sendable static func categories(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.kind == .staff else { throw Abort(.forbidden, reason: "仅工作人员可查看") }
        let all = try await CaseCategory.query(on: req.db).with(\.$department).sort(\.$code).all()
        let published = try await Open311Records.publicCategoryIDs(on: req.db)
        let staffOnly = try await StaffOnlyCategory.ids(on: req.db)
        let groups = all.filter { $0.$parent.id == nil }.map { g in
            CategoryGroup(name: g.name, items: all.filter { $0.$parent.id == g.id }.map { c in
                CategoryRow(href: SiteURL.category(c.id!).path, code: c.code, name: c.name, accept: c.acceptHours, onSite: c.onSiteHours,
                            resolve: c.resolveWorkingDays, department: c.department?.name ?? "（由坐席指定）", risk: c.stabilityRisk, active: c.active,
                            published: published.contains(c.id!), staffOnly: staffOnly.contains(c.id!))
            })
        }
        return try await req.view.render("admin/categories", CategoriesPage(layout: PageLayout(req, title: "事件分类清单", section: "categories"),
                                                                             groups: groups, canEdit: user.isSystemAdministrator))
    }

    struct CategoryForm: Content {
        var name: String
        var acceptHours: String
        var onSiteHours: String?
        var resolveWorkingDays: String
        var inquiryAfterWorkingDays: String
        var inquiryAnswerWorkingDays: String
        var department: String?
        var stabilityRisk: String?
        var active: String?
        var open311Public: String? = nil
        /// 居民随手拍可选.
        var residentChoice: String? = nil
    }

    struct EditCategoryPage: Encodable {
        let layout: PageLayout; let action: String; let code: String; let form: CategoryForm; let departments: [CaseController.Option]; let error: String?
    }

    static func requireSystemAdmin(_ req: Request) throws {
        guard try req.currentUser.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以修改") }
    }

    @Sendable static func editCategory(req: Request) async throws -> View {
        try requireSystemAdmin(req)
        guard let c = try await CaseCategory.find(try req.parameters.require("id", as: UUID.self), on: req.db), c.$parent.id != nil else {
            throw Abort(.notFound, reason: "分类不存在")
        }
        let form = CategoryForm(name: c.name, acceptHours: String(c.acceptHours), onSiteHours: c.onSiteHours.map(String.init),
                                resolveWorkingDays: String(c.resolveWorkingDays), inquiryAfterWorkingDays: String(c.inquiryAfterWorkingDays),
                                inquiryAnswerWorkingDays: String(c.inquiryAnswerWorkingDays), department: c.$department.id?.uuidString,
                                stabilityRisk: c.stabilityRisk ? "1" : nil, active: c.active ? "1" : nil, open311Public: try await Open311Records.isPublic(c.requireID(), on: req.db) ? "1" : nil,
                                residentChoice: try await StaffOnlyCategory.isStaffOnly(c.requireID(), on: req.db) ? nil : "1")
        return try await req.view.render("admin/category", try await editPage(req, c, form: form, error: nil))
    }

    static func editPage(_ req: Request, _ c: CaseCategory, form: CategoryForm, error: String?) async throws -> EditCategoryPage {
        let departments = try await Department.query(on: req.db).sort(\.$code).all()
        return EditCategoryPage(layout: PageLayout(req, title: "编辑分类 \(c.name)", section: "categories"), action: SiteURL.category(c.id!).path, code: c.code,
                                form: form, departments: departments.map { CaseController.Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.department) },
                                error: error)
    }

    @Sendable static func updateCategory(req: Request) async throws -> Response {
        try requireSystemAdmin(req)
        guard let c = try await CaseCategory.find(try req.parameters.require("id", as: UUID.self), on: req.db), c.$parent.id != nil else {
            throw Abort(.notFound, reason: "分类不存在")
        }
        let form = try req.content.decode(CategoryForm.self)
        do {
            let name = form.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 40 else { throw Abort(.unprocessableEntity, reason: "分类名称不能为空，且不超过 40 个字") }
            func int(_ text: String?, _ label: String) throws -> Int? {
                guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                guard let n = Int(text) else { throw Abort(.unprocessableEntity, reason: "\(label)须为整数") }
                return n
            }
            guard let accept = try int(form.acceptHours, "受理时限"), let resolve = try int(form.resolveWorkingDays, "办结时限"),
                  let after = try int(form.inquiryAfterWorkingDays, "质询期限"), let answer = try int(form.inquiryAnswerWorkingDays, "答复期限") else {
                throw Abort(.unprocessableEntity, reason: "请填写全部时限")
            }
            let policy = try SLAPolicy(acceptHours: accept, onSiteHours: try int(form.onSiteHours, "到场时限"), resolveWorkingDays: resolve,
                                       inquiryAfterWorkingDays: after, inquiryAnswerWorkingDays: answer).validated()
            let department = form.department.flatMap(UUID.init(uuidString:))
            if let department, try await Department.find(department, on: req.db) == nil { throw Abort(.unprocessableEntity, reason: "部门不存在") }
            c.name = name
            c.policy = policy
            c.$department.id = department
            c.stabilityRisk = form.stabilityRisk == "1"
            c.active = form.active == "1"
            try await req.db.transaction { tx in
                try await c.save(on: tx)
                // A category with social-stability risk is never published, whatever the box says.
                try await Open311Records.setPublic(c.requireID(), form.open311Public == "1" && !Open311Controller.sensitive(c), on: tx)
                try await StaffOnlyCategory.set(c.requireID(), staffOnly: form.residentChoice != "1", on: tx)
            }
        } catch {
            let (status, reason) = error is SLAPolicy.PolicyError ? (.unprocessableEntity, String(describing: error)) : ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            let response = try await req.view.render("admin/category", try await editPage(req, c, form: form, error: reason)).encodeResponse(for: req)
            response.status = status
            return response
        }
        return req.redirect(to: SiteURL.categories.path(["notice": "saved"]))
    }

    // MARK: Working-day calendar

    struct CalendarPage: Encodable {
        let layout: PageLayout; let year: Int; let years: [Int]; let rows: [DayRow]; let published: Bool; let canEdit: Bool
        let offCount: Int; let workCount: Int
        let missingYear: CalendarService.MissingYear?
    }
    struct DayRow: Encodable { let date: String; let weekday: String; let kind: String; let kindLabel: String; let name: String }

    @Sendable static func calendar(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.kind == .staff else { throw Abort(.forbidden, reason: "仅工作人员可查看") }
        let thisYear = LocalDate(req.now).year
        let year = req.query[Int.self, at: "year"] ?? thisYear
        guard (2000...2100).contains(year) else { throw Abort(.badRequest, reason: "年份超出范围") }
        let days = try await CalendarDay.query(on: req.db).filter(\.$date =~ "\(year)-").sort(\.$date).all()
        let weekdays = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        return try await req.view.render("admin/calendar", CalendarPage(
            layout: PageLayout(req, title: "\(year) 年工作日历", section: "calendar"), year: year,
            years: Array(Set([thisYear - 1, thisYear, thisYear + 1, year])).sorted(),
            rows: days.map { d in
                DayRow(date: d.date, weekday: LocalDate(d.date).map { weekdays[$0.weekday] } ?? "", kind: d.kind.rawValue,
                       kindLabel: d.kind.displayName, name: d.name)
            },
            published: !days.isEmpty, canEdit: user.isSystemAdministrator,
            offCount: days.filter { $0.kind == .off }.count, workCount: days.filter { $0.kind == .work }.count,
            missingYear: CalendarService.missingYear(today: LocalDate(req.now), in: try await req.cases.reference().calendar)))
    }

    struct DayForm: Content { var date: String; var kind: String; var name: String? }

    /// Sets one day to 放假 or 调休上班, or back to normal ("normal").
    @Sendable static func setCalendarDay(req: Request) async throws -> Response {
        try requireSystemAdmin(req)
        let form = try req.content.decode(DayForm.self)
        guard let date = LocalDate(form.date.trimmingCharacters(in: .whitespaces)) else { throw Abort(.unprocessableEntity, reason: "日期格式应为 yyyy-MM-dd") }
        let kind = WorkCalendar.DayKind(rawValue: form.kind)
        guard kind != nil || form.kind == "normal" else { throw Abort(.unprocessableEntity, reason: "请选择放假、调休上班或恢复正常") }
        if kind == .work && !date.isWeekend { throw WorkCalendar.CalendarError.workdayNotOnWeekend(date) }
        if kind == .off && date.isWeekend && (form.name ?? "").isEmpty { throw Abort(.unprocessableEntity, reason: "周末本就休息；节假日中的周末请填写节日名称") }
        try await req.db.transaction { tx in
            try await CalendarDay.query(on: tx).filter(\.$date == date.description).delete()
            if let kind {
                let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
                try await CalendarDay(date: date, kind: kind, name: name.isEmpty ? kind.displayName : String(name.prefix(20))).create(on: tx)
            }
        }
        return req.redirect(to: SiteURL.calendar.path(["year": "\(date.year)", "notice": "saved"]))
    }
}
