import Fluent
import GridCore
import Vapor

/// Staff and their roles (administrators only; scoped to what they administer).
enum StaffController {
    static func requireAdmin(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.isAdministrator else { throw Abort(.forbidden, reason: "只有管理员可以管理人员岗位") }
        return user
    }

    struct ListPage: Encodable {
        let layout: PageLayout
        let rows: [Row]
        let q: String
        let role: String
        let roles: [Option]
        let total: Int
        let page: Int
        let pages: Int
        let prev: String?
        let next: String?
    }

    struct Row: Encodable { let href: String; let username: String; let name: String; let phone: String; let roles: String; let active: Bool }
    struct Option: Encodable { let value: String; let label: String; let selected: Bool }

    @Sendable static func index(req: Request) async throws -> View {
        let admin = try requireAdmin(req)
        let service = req.staff
        let q = req.query[String.self, at: "q"] ?? ""
        let roleText = req.query[String.self, at: "role"] ?? ""
        let page = max(1, req.query[Int.self, at: "page"] ?? 1)
        let listing = try await service.list(.init(text: q, role: Role(rawValue: roleText), page: page), scope: admin.scope)
        let rows = listing.users.map { u in
            Row(href: SiteURL.staffMember(u.id!).path, username: u.username, name: u.displayName,
                phone: service.maskedPhone(of: u) ?? "—",
                roles: (listing.roles[u.id!] ?? []).map(roleLabel).joined(separator: "；"), active: u.active)
        }
        let pages = max(1, (listing.total + StaffService.Filter.pageSize - 1) / StaffService.Filter.pageSize)
        func link(_ p: Int) -> String {
            var items = URLComponents(); items.path = SiteURL.staff.path
            items.queryItems = [URLQueryItem(name: "q", value: q), URLQueryItem(name: "role", value: roleText), URLQueryItem(name: "page", value: String(p))]
            return items.string ?? SiteURL.staff.path
        }
        return try await req.view.render("staff/index", ListPage(
            layout: PageLayout(req, title: "人员岗位", section: "staff"), rows: rows, q: q, role: roleText,
            roles: Role.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == roleText) },
            total: listing.total, page: page, pages: pages, prev: page > 1 ? link(page - 1) : nil, next: page < pages ? link(page + 1) : nil))
    }

    static func roleLabel(_ r: RoleAssignment) -> String {
        let place = r.area?.name ?? r.department?.name ?? ""
        return (place.isEmpty ? "" : place + " · ") + r.role.displayName + (r.employment.map { "（\($0.displayName)）" } ?? "")
    }

    struct ShowPage: Encodable {
        let layout: PageLayout
        let id: String
        let username: String
        let name: String
        let phone: String
        let phoneRevealed: Bool
        let hasPhone: Bool
        let active: Bool
        let lastLogin: String
        let roles: [RoleRow]
        let roleOptions: [Option]
        let departments: [Option]
        let areaOptions: [Option]
        let error: String?
        let links: Links
        /// 问责记录 against this person.
        var sanctions: [SanctionLine] = []
        /// Every role of theirs lies in the administrator's scope (otherwise: view only, with why).
        var manageable = true
        var outsideReason = StaffService.outsideReason
    }

    struct SanctionLine: Encodable { let text: String; let href: String? }

    static func sanctionLines(_ type: Sanction.Target, _ id: String, on db: any Database) async throws -> [SanctionLine] {
        try await AccountabilityService.against(type, id, on: db).map { s in
            SanctionLine(text: "\(Formatting.dateTime(s.issuedAt)) \(s.kind.displayName)：\(s.reason)（\(s.issuedByName)）" + (s.caseCode.map { " 事件 \($0)" } ?? ""),
                         href: s.caseID.map { SiteURL.caseDetail($0).path })
        }
    }

    struct RoleRow: Encodable { let label: String; let deleteHref: String }
    struct Links: Encodable { let roles: String; let active: String; let phone: String; let password: String }

    @Sendable static func show(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let user = try await req.staff.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope)
        return try await renderShow(req, user: user, admin: admin, revealedPhone: nil, error: nil)
    }

    static func renderShow(_ req: Request, user: User, admin: CurrentUser, revealedPhone: String?, error: String?) async throws -> Response {
        let service = req.staff
        let roles = try await service.roles(of: [user.id!])[user.id!] ?? []
        let departments = admin.isSystemAdministrator ? try await Department.query(on: req.db).sort(\.$code).all() : []
        // Offer the areas of the levels where roles are held (not the whole city, which is large).
        let areaOptions = try await Area.query(on: req.db).filter(\.$level ~~ [.district, .street, .community, .grid, .microGrid])
            .within(admin.scope).sort(\.$code).limit(2000).all()
        var page = ShowPage(
            layout: PageLayout(req, title: user.displayName, section: "staff"), id: user.id!.uuidString, username: user.username,
            name: user.displayName, phone: revealedPhone ?? service.maskedPhone(of: user) ?? "未登记", phoneRevealed: revealedPhone != nil,
            hasPhone: user.phoneSealed != nil, active: user.active, lastLogin: user.lastLoginAt.map(Formatting.dateTime) ?? "从未登录",
            roles: roles.map { RoleRow(label: roleLabel($0), deleteHref: SiteURL.staffRoleDelete(user.id!, role: $0.id!).path) },
            roleOptions: Role.allCases.filter { !$0.isDepartmentRole || admin.isSystemAdministrator }.map { Option(value: $0.rawValue, label: $0.displayName, selected: false) },
            departments: departments.map { Option(value: $0.code, label: $0.name, selected: false) },
            areaOptions: areaOptions.map { Option(value: $0.code, label: "\($0.code) \($0.name)", selected: false) },
            error: error,
            links: Links(roles: SiteURL.staffRoles(user.id!).path, active: SiteURL.staffActive(user.id!).path,
                         phone: SiteURL.staffRevealPhone(user.id!).path, password: SiteURL.staffPassword(user.id!).path))
        page.sanctions = try await sanctionLines(.user, user.id!.uuidString, on: req.db)
        page.manageable = try await service.isWithin(user.id!, scope: admin.scope)
        let response = try await req.view.render("staff/show", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    struct RoleForm: Content { var role: String; var area: String?; var department: String?; var employment: String? }

    static func roleRequest(_ form: RoleForm) throws -> StaffService.RoleRequest {
        guard let role = Role(rawValue: form.role) else { throw Abort(.unprocessableEntity, reason: "请选择岗位") }
        let employment = form.employment.flatMap { $0.isEmpty ? nil : Employment(rawValue: $0) }
        return .init(role: role, areaCode: form.area, departmentCode: form.department,
                     employment: role == .gridWorker ? (employment ?? .fullTime) : nil)
    }

    @Sendable static func addRole(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        do {
            _ = try await service.addRole(try roleRequest(try req.content.decode(RoleForm.self)), to: user, by: admin)
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            return try await renderShow(req, user: user, admin: admin, revealedPhone: nil, error: reason)
        }
        return req.redirect(to: SiteURL.staffMember(user.id!).path(["notice": "role-added"]))
    }

    @Sendable static func removeRole(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        return try await req.submitForm({
            try await service.removeRole(try req.parameters.require("role", as: UUID.self), from: user, by: admin)
        }, refusing: [.unprocessableEntity, .forbidden], showAgain: { try await renderShow(req, user: user, admin: admin, revealedPhone: nil, error: $0) },
           then: SiteURL.staffMember(user.id!).path(["notice": "role-removed"]))
    }

    struct ActiveForm: Content { var active: String }

    @Sendable static func setActive(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let user = try await req.staff.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        let active = try req.content.decode(ActiveForm.self).active == "1"
        guard user.id != admin.id || active else {
            return try await renderShow(req, user: user, admin: admin, revealedPhone: nil, error: "不能停用自己的账号")
        }
        user.active = active
        try await user.save(on: req.db)
        if !active {
            try await UserToken.query(on: req.db).filter(\.$user.$id == user.id!).delete()
            req.state.caseEvents.disconnect(userID: user.id!)
        }
        return req.redirect(to: SiteURL.staffMember(user.id!).path + "?notice=" + (active ? "activated" : "deactivated"))
    }

    @Sendable static func revealPhone(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        return try await renderShow(req, user: user, admin: admin, revealedPhone: try await service.revealPhone(of: user, by: admin), error: nil)
    }

    struct PasswordForm: Content { var password: String }

    @Sendable static func resetPassword(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let user = try await req.staff.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        let password = try req.content.decode(PasswordForm.self).password
        do { try AuthService.checkPasswordStrength(password) } catch let error as any AbortError {
            return try await renderShow(req, user: user, admin: admin, revealedPhone: nil, error: error.reason)
        }
        user.passwordHash = try await req.authService.hashPassword(password)
        try await req.db.transaction { tx in
            try await user.save(on: tx)
            try await UserToken.query(on: tx).filter(\.$user.$id == user.id!).delete()
        }
        return req.redirect(to: SiteURL.staffMember(user.id!).path(["notice": "password"]))
    }

    struct NewPage: Encodable {
        let layout: PageLayout
        let form: NewForm
        let roleOptions: [Option]
        let departments: [Option]
        let areaOptions: [Option]
        let error: String?
    }

    struct NewForm: Content {
        var username: String = ""
        var name: String = ""
        var phone: String? = ""
        var password: String = ""
        var role: String? = ""
        var area: String? = ""
        var department: String? = ""
        var employment: String? = ""
    }

    static func renderNew(_ req: Request, admin: CurrentUser, form: NewForm, error: String?) async throws -> Response {
        let departments = admin.isSystemAdministrator ? try await Department.query(on: req.db).sort(\.$code).all() : []
        let areas = try await Area.query(on: req.db).filter(\.$level ~~ [.district, .street, .community, .grid, .microGrid])
            .within(admin.scope).sort(\.$code).limit(2000).all()
        var blank = form; blank.password = ""
        let page = NewPage(layout: PageLayout(req, title: "新增人员", section: "staff"), form: blank,
                           roleOptions: Role.allCases.filter { !$0.isDepartmentRole || admin.isSystemAdministrator }
                               .map { Option(value: $0.rawValue, label: $0.displayName, selected: $0.rawValue == form.role) },
                           departments: departments.map { Option(value: $0.code, label: $0.name, selected: $0.code == form.department) },
                           areaOptions: areas.map { Option(value: $0.code, label: "\($0.code) \($0.name)", selected: false) }, error: error)
        let response = try await req.view.render("staff/new", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func newForm(req: Request) async throws -> Response {
        try await renderNew(req, admin: try requireAdmin(req), form: NewForm(), error: nil)
    }

    @Sendable static func create(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let form = try req.content.decode(NewForm.self)
        do {
            let role = (form.role ?? "").isEmpty ? nil : try roleRequest(RoleForm(role: form.role!, area: form.area, department: form.department, employment: form.employment))
            let user = try await req.staff.create(
                .init(username: form.username, displayName: form.name, phone: form.phone, password: form.password), firstRole: role, by: admin)
            return req.redirect(to: SiteURL.staffMember(user.id!).path(["notice": "created"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500 else { throw error }
            return try await renderNew(req, admin: admin, form: form, error: reason)
        }
    }

    // MARK: API

    struct StaffDTO: Content {
        let id: UUID
        let username: String
        let displayName: String
        let phoneMasked: String?
        let active: Bool
        let roles: [RoleDTO]
    }

    struct RoleDTO: Content { let id: UUID; let role: Role; let areaID: Int?; let departmentID: UUID?; let employment: Employment? }

    static func dto(_ u: User, roles: [RoleAssignment], service: StaffService) -> StaffDTO {
        StaffDTO(id: u.id!, username: u.username, displayName: u.displayName, phoneMasked: service.maskedPhone(of: u), active: u.active,
                 roles: roles.map { RoleDTO(id: $0.id!, role: $0.role, areaID: $0.$area.id, departmentID: $0.$department.id, employment: $0.employment) })
    }

    struct Page<T: Content>: Content { let items: [T]; let total: Int; let page: Int; let pageSize: Int }

    @Sendable static func apiList(req: Request) async throws -> Page<StaffDTO> {
        let admin = try requireAdmin(req)
        let service = req.staff
        let page = max(1, req.query[Int.self, at: "page"] ?? 1)
        let listing = try await service.list(.init(text: req.query[String.self, at: "q"], role: req.query[String.self, at: "role"].flatMap(Role.init(rawValue:)), page: page), scope: admin.scope)
        return Page(items: listing.users.map { dto($0, roles: listing.roles[$0.id!] ?? [], service: service) },
                    total: listing.total, page: page, pageSize: StaffService.Filter.pageSize)
    }

    @Sendable static func apiShow(req: Request) async throws -> StaffDTO {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope)
        return dto(user, roles: try await service.roles(of: [user.id!])[user.id!] ?? [], service: service)
    }

    struct CreateInput: Content {
        var username: String
        var displayName: String
        var phone: String?
        var password: String
        var role: Role?
        var areaCode: String?
        var departmentCode: String?
        var employment: Employment?
    }

    @Sendable static func apiCreate(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let input = try req.content.decode(CreateInput.self)
        let service = req.staff
        let role = input.role.map { StaffService.RoleRequest(role: $0, areaCode: input.areaCode, departmentCode: input.departmentCode,
                                                             employment: $0 == .gridWorker ? (input.employment ?? .fullTime) : input.employment) }
        let user = try await service.create(.init(username: input.username, displayName: input.displayName, phone: input.phone, password: input.password),
                                            firstRole: role, by: admin)
        return try await dto(user, roles: try await service.roles(of: [user.id!])[user.id!] ?? [], service: service)
            .encodeResponse(status: .created, for: req)
    }

    struct RoleInput: Content { var role: Role; var areaCode: String?; var departmentCode: String?; var employment: Employment? }

    @Sendable static func apiAddRole(req: Request) async throws -> Response {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        let input = try req.content.decode(RoleInput.self)
        let r = try await service.addRole(.init(role: input.role, areaCode: input.areaCode, departmentCode: input.departmentCode,
                                                employment: input.role == .gridWorker ? (input.employment ?? .fullTime) : input.employment),
                                          to: user, by: admin)
        return try await RoleDTO(id: r.id!, role: r.role, areaID: r.$area.id, departmentID: r.$department.id, employment: r.employment)
            .encodeResponse(status: .created, for: req)
    }

    @Sendable static func apiRemoveRole(req: Request) async throws -> HTTPStatus {
        let admin = try requireAdmin(req)
        let service = req.staff
        let user = try await service.require(try req.parameters.require("id", as: UUID.self), scope: admin.scope, for: .manage)
        try await service.removeRole(try req.parameters.require("role", as: UUID.self), from: user, by: admin)
        return .noContent
    }
}
