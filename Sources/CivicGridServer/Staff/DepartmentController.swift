import Fluent
import Vapor

/// 职能部门 and their responsibility list (部门职责清单). Everyone on staff reads it; system
/// administrators change it.
enum DepartmentController {
    struct ListPage: Encodable {
        let layout: PageLayout
        let rows: [Row]
        let canEdit: Bool
        let form: Form
        let error: String?
    }

    struct Row: Encodable { let href: String; let code: String; let name: String; let responsibilities: String; let active: Bool; let handlers: Int }

    struct Form: Content {
        var code: String = ""
        var name: String = ""
        var responsibilities: String = ""
        var active: String? = "1"
    }

    @Sendable static func index(req: Request) async throws -> Response {
        try await render(req, form: Form(), error: nil)
    }

    static func render(_ req: Request, form: Form, error: String?, status: HTTPResponseStatus = .unprocessableEntity) async throws -> Response {
        let user = try req.currentUser
        guard user.kind == .staff else { throw Abort(.forbidden, reason: "仅工作人员可查看") }
        let departments = try await Department.query(on: req.db).sort(\.$code).all()
        let handlers = try await RoleAssignment.query(on: req.db).filter(\.$role == .handler).all(\.$department.$id)
        let rows = departments.map { d in
            Row(href: SiteURL.departmentEdit(d.id!).path, code: d.code, name: d.name, responsibilities: d.responsibilities,
                active: d.active, handlers: handlers.filter { $0 == d.id }.count)
        }
        let page = ListPage(layout: PageLayout(req, title: "职能部门", section: "departments"), rows: rows,
                            canEdit: user.isSystemAdministrator, form: form, error: error)
        let response = try await req.view.render("departments/index", page).encodeResponse(for: req)
        if error != nil { response.status = status }
        return response
    }

    static func validated(_ form: Form) throws -> Form {
        var form = form
        form.code = form.code.trimmingCharacters(in: .whitespaces).uppercased()
        form.name = form.name.trimmingCharacters(in: .whitespaces)
        form.responsibilities = form.responsibilities.trimmingCharacters(in: .whitespacesAndNewlines)
        guard form.code.range(of: #"^[A-Z0-9]{1,12}$"#, options: .regularExpression) != nil else {
            throw Abort(.unprocessableEntity, reason: "部门代码为 1–12 位字母或数字")
        }
        guard !form.name.isEmpty, form.name.count <= 60 else { throw Abort(.unprocessableEntity, reason: "部门名称不能为空，且不超过 60 个字") }
        guard !form.responsibilities.isEmpty else { throw Abort(.unprocessableEntity, reason: "请填写部门职责（职责清单是交办的依据）") }
        return form
    }

    static func requireSystemAdmin(_ req: Request) throws {
        guard try req.currentUser.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以维护部门") }
    }

    @Sendable static func create(req: Request) async throws -> Response {
        try requireSystemAdmin(req)
        let raw = try req.content.decode(Form.self)
        do {
            let form = try validated(raw)
            try await ensureUnique(form, except: nil, on: req.db)
            try await Department(code: form.code, name: form.name, responsibilities: form.responsibilities).create(on: req.db)
        } catch let error as any AbortError where error.status.code < 500 {
            return try await render(req, form: raw, error: error.reason, status: error.status)
        }
        return req.redirect(to: SiteURL.departments.path(["notice": "created"]))
    }

    static func ensureUnique(_ form: Form, except id: UUID?, on db: any Database) async throws {
        var query = Department.query(on: db).group(.or) { $0.filter(\.$code == form.code).filter(\.$name == form.name) }
        if let id { query = query.filter(\.$id != id) }
        if try await query.count() > 0 { throw Abort(.conflict, reason: "部门代码或名称已存在") }
    }

    struct EditPage: Encodable { let layout: PageLayout; let action: String; let form: Form; let error: String? }

    @Sendable static func edit(req: Request) async throws -> View {
        try requireSystemAdmin(req)
        guard let d = try await Department.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound, reason: "部门不存在") }
        return try await req.view.render("departments/edit", EditPage(
            layout: PageLayout(req, title: "编辑 \(d.name)", section: "departments"), action: SiteURL.departmentEdit(d.id!).path,
            form: Form(code: d.code, name: d.name, responsibilities: d.responsibilities, active: d.active ? "1" : nil), error: nil))
    }

    @Sendable static func update(req: Request) async throws -> Response {
        try requireSystemAdmin(req)
        guard let d = try await Department.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound, reason: "部门不存在") }
        let raw = try req.content.decode(Form.self)
        do {
            let form = try validated(raw)
            try await ensureUnique(form, except: d.id, on: req.db)
            d.code = form.code; d.name = form.name; d.responsibilities = form.responsibilities; d.active = form.active == "1"
            try await d.save(on: req.db)
        } catch let error as any AbortError where error.status.code < 500 {
            let response = try await req.view.render("departments/edit", EditPage(
                layout: PageLayout(req, title: "编辑 \(d.name)", section: "departments"), action: SiteURL.departmentEdit(d.id!).path,
                form: raw, error: error.reason)).encodeResponse(for: req)
            response.status = error.status
            return response
        }
        return req.redirect(to: SiteURL.departments.path(["notice": "saved"]))
    }

    // MARK: API

    struct DepartmentDTO: Content { let id: UUID; let code: String; let name: String; let responsibilities: String; let active: Bool }

    @Sendable static func apiList(req: Request) async throws -> [DepartmentDTO] {
        guard try req.currentUser.kind == .staff else { throw Abort(.forbidden, reason: "仅工作人员可查看") }
        return try await Department.query(on: req.db).sort(\.$code).all().map {
            DepartmentDTO(id: $0.id!, code: $0.code, name: $0.name, responsibilities: $0.responsibilities, active: $0.active)
        }
    }

    @Sendable static func apiCreate(req: Request) async throws -> Response {
        try requireSystemAdmin(req)
        let form = try validated(try req.content.decode(Form.self))
        try await ensureUnique(form, except: nil, on: req.db)
        let d = Department(code: form.code, name: form.name, responsibilities: form.responsibilities)
        try await d.create(on: req.db)
        return try await DepartmentDTO(id: d.id!, code: d.code, name: d.name, responsibilities: d.responsibilities, active: d.active)
            .encodeResponse(status: .created, for: req)
    }
}
