import Fluent
import Vapor

/// 开放接口: administrators issue and revoke Open311 api keys. Each key reports through its own
/// service account, so every case it creates says which app sent it.
enum ApiKeyController {
    static let serviceAccountPrefix = "svc-open311-"

    struct Page: Encodable {
        let layout: PageLayout
        let rows: [Row]
        let newKey: String?
        let error: String?
        let base: String
    }

    struct Row: Encodable {
        let id: String; let name: String; let prefix: String; let createdAt: String; let revoked: Bool; let cases: Int; let scopes: String
        /// Open311 submissions an hour (counted per key).
        let postsPerHour: Int; let submits: Bool
    }

    static func requireSystemAdmin(_ req: Request) throws -> CurrentUser {
        try req.requireSystemAdministrator("只有系统管理员可以管理开放接口密钥")
    }

    @Sendable static func index(req: Request) async throws -> View {
        _ = try requireSystemAdmin(req)
        return try await req.view.render("admin/apikeys", try await page(req, newKey: nil, error: nil))
    }

    static func page(_ req: Request, newKey: String?, error: String?) async throws -> Page {
        let keys = try await ApiKey.query(on: req.db).sort(\.$createdAt, .descending).all()
        var rows: [Row] = []
        for key in keys {
            let cases = try await Case.query(on: req.db).filter(\.$reporter.$id == key.$user.id).count()
            rows.append(Row(id: key.id!.uuidString, name: key.name, prefix: key.prefix + "…", createdAt: Formatting.dateTime(key.createdAt),
                            revoked: key.revokedAt != nil, cases: cases,
                            scopes: ApiKey.Scope.allCases.filter(key.allows).map(\.displayName).joined(separator: "、"),
                            postsPerHour: key.hourlyPosts, submits: key.allows(.open311)))
        }
        return Page(layout: PageLayout(req, title: "开放接口", section: "apikeys"), rows: rows, newKey: newKey, error: error,
                     base: PortalController.publicURL(req) + SiteURL.open311(file: "").path)
    }

    struct Form: Content { var name: String; var open311: String?; var hotline: String? }

    @Sendable static func create(req: Request) async throws -> Response {
        let admin = try requireSystemAdmin(req)
        let form = try req.content.decode(Form.self)
        let name = form.name.trimmingCharacters(in: .whitespaces)
        let scopes = [form.open311 == "1" ? ApiKey.Scope.open311 : nil, form.hotline == "1" ? .hotline : nil].compactMap { $0 }
        guard !name.isEmpty, name.count <= 40, !scopes.isEmpty else {
            let response = try await req.view.render("admin/apikeys", try await page(req, newKey: nil,
                error: scopes.isEmpty ? "请至少选择一项用途（Open311 诉求提交或热线工单推送）" : "请填写应用名称（不超过 40 个字）"))
                .encodeResponse(for: req)
            response.status = .unprocessableEntity
            return response
        }
        let key = "cg_" + TokenMaker.random()
        let secret = TokenMaker.random()
        let hash = try await req.authService.hashPassword(secret + "Aa1")
        try await req.db.transaction { tx in
            // The service account never signs in: its password is random and thrown away.
            let account = User(username: serviceAccountPrefix + String(UUID().uuidString.prefix(8)).lowercased(), displayName: name,
                               kind: .resident, passwordHash: hash)
            try await account.create(on: tx)
            let apiKey = ApiKey()
            apiKey.name = name
            apiKey.keyHash = TokenMaker.hash(key)
            apiKey.prefix = String(key.prefix(8))
            apiKey.$user.id = try account.requireID()
            apiKey.createdBy = admin.id
            apiKey.createdAt = req.now
            apiKey.scopes = scopes.map(\.rawValue).joined(separator: ",")
            try await apiKey.create(on: tx)
        }
        // Shown once; only its hash is kept.
        return try await req.view.render("admin/apikeys", try await page(req, newKey: key, error: nil)).encodeResponse(for: req)
    }

    @Sendable static func revoke(req: Request) async throws -> Response {
        _ = try requireSystemAdmin(req)
        guard let key = try await ApiKey.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound, reason: "密钥不存在") }
        key.revokedAt = req.now
        try await key.save(on: req.db)
        return req.redirect(to: SiteURL.apiKeys.path(["notice": "saved"]))
    }

    struct LimitForm: Content { var postsPerHour: String }

    /// Sets a key's Open311 submissions per hour (1–100,000).
    @Sendable static func setLimit(req: Request) async throws -> Response {
        _ = try requireSystemAdmin(req)
        guard let key = try await ApiKey.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound, reason: "密钥不存在") }
        let raw = try req.content.decode(LimitForm.self).postsPerHour.trimmingCharacters(in: .whitespaces)
        guard let n = Int(raw), ApiKey.postsPerHourRange.contains(n) else {
            let response = try await req.view.render("admin/apikeys", try await page(req, newKey: nil, error: "每小时提交上限应为 1–100000 的整数")).encodeResponse(for: req)
            response.status = .unprocessableEntity
            return response
        }
        key.postsPerHour = n
        try await key.save(on: req.db)
        return req.redirect(to: SiteURL.apiKeys.path(["notice": "saved"]))
    }
}
