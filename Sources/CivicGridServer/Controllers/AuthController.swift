import Fluent
import GridCore
import Vapor

/// Login, logout and resident registration (web), and API tokens.
enum AuthController {
    struct LoginPage: Encodable {
        let layout: PageLayout
        let username: String
        let next: String
        let error: String?
        let demo: Bool
    }

    @Sendable static func loginPage(req: Request) async throws -> Response {
        if req.auth.get(CurrentUser.self) != nil { return req.redirect(to: SiteURL.home.path) }
        return try await render(req, username: "", error: nil)
    }

    static func render(_ req: Request, username: String, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let next = safeNext(req.query[String.self, at: "next"] ?? (try? req.content.get(String.self, at: "next")))
        let page = LoginPage(layout: PageLayout(req, title: "登录", section: "login"), username: username, next: next,
                             error: error, demo: req.application.storage[DemoModeKey.self] ?? false)
        let response = try await req.view.render("login", page).encodeResponse(for: req)
        response.status = status
        return response
    }

    struct LoginForm: Content { var username: String; var password: String; var next: String? }

    @Sendable static func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let username = try normalizedLogin(form.username, req: req)
        let outcome = try await AuthService(db: req.db, app: req.application)
            .signIn(username: username, password: form.password, clientAddress: req.clientAddress, purpose: .webSession)
        switch outcome {
        case .refused(let message):
            let locked = message.contains("锁定")
            return try await render(req, username: form.username, error: message, status: locked ? .tooManyRequests : .unauthorized)
        case .signedIn(_, let token):
            let response = req.redirect(to: safeNext(form.next).isEmpty ? SiteURL.home.path : safeNext(form.next))
            response.cookies[Cookies.session] = sessionCookie(token, req: req)
            return response
        }
    }

    @Sendable static func logout(req: Request) async throws -> Response {
        if let token = req.cookies[Cookies.session]?.string {
            try await AuthService(db: req.db, app: req.application).revoke(token: token)
        }
        let response = req.redirect(to: SiteURL.login.path)
        response.cookies[Cookies.session] = .expired
        return response
    }

    /// Residents sign in with their phone number; it is stored only sealed, so the login name of a
    /// resident account is derived from the phone's keyed hash.
    static func normalizedLogin(_ input: String, req: Request) throws -> String {
        let trimmed = input.trimmingCharacters(in: .whitespaces)
        if let phone = PhoneNumber.normalize(trimmed), phone.hasPrefix("1") { return residentUsername(phone: phone, req: req) }
        return trimmed
    }

    static func residentUsername(phone: String, req: Request) -> String { "r-" + req.state.cipher.index(phone).prefix(20) }

    static func sessionCookie(_ token: String, req: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: req.now.addingTimeInterval(req.state.config.sessionLifetime),
                          path: "/", isSecure: req.state.config.cookieSecure, isHTTPOnly: true, sameSite: .lax)
    }

    /// Only local paths, so the login form cannot be used to send people elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "" }
        return next
    }

    // MARK: Resident registration

    struct RegisterPage: Encodable { let layout: PageLayout; let name: String; let phone: String; let error: String? }
    struct RegisterForm: Content { var name: String; var phone: String; var password: String; var password2: String }

    @Sendable static func registerPage(req: Request) async throws -> View {
        try await req.view.render("register", RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: "", phone: "", error: nil))
    }

    @Sendable static func register(req: Request) async throws -> Response {
        let form = try req.content.decode(RegisterForm.self)
        func fail(_ message: String) async throws -> Response {
            let page = RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: form.name, phone: form.phone, error: message)
            let response = try await req.view.render("register", page).encodeResponse(for: req)
            response.status = .unprocessableEntity
            return response
        }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { return try await fail("请填写姓名（不超过 40 个字）") }
        guard let phone = PhoneNumber.normalize(form.phone), phone.hasPrefix("1") else { return try await fail("请填写正确的 11 位手机号码") }
        guard form.password == form.password2 else { return try await fail("两次输入的密码不一致") }
        do { try AuthService.checkPasswordStrength(form.password) } catch let error as any AbortError { return try await fail(error.reason) }
        let auth = AuthService(db: req.db, app: req.application)
        let username = residentUsername(phone: phone, req: req)
        // Same answer whether or not the number is registered would hide it, but the owner needs to
        // know; the message points to login without saying more than the form already did.
        if try await User.query(on: req.db).filter(\.$username == username).count() > 0 {
            return try await fail("该手机号已注册，请直接登录")
        }
        let user = User(username: username, displayName: name, kind: .resident, passwordHash: try await auth.hashPassword(form.password))
        user.phoneSealed = try req.state.cipher.seal(phone)
        user.phoneIndex = req.state.cipher.index(phone)
        try await user.create(on: req.db)
        let token = try await auth.issueToken(for: user, purpose: .webSession)
        let response = req.redirect(to: SiteURL.home.path + "?notice=registered")
        response.cookies[Cookies.session] = sessionCookie(token, req: req)
        return response
    }

    // MARK: API

    struct TokenRequest: Content { var username: String; var password: String }
    struct TokenResponse: Content { var token: String; var expiresInDays: Int; var user: MeResponse }

    @Sendable static func issueToken(req: Request) async throws -> TokenResponse {
        let body = try req.content.decode(TokenRequest.self)
        let outcome = try await AuthService(db: req.db, app: req.application)
            .signIn(username: try normalizedLogin(body.username, req: req), password: body.password, clientAddress: req.clientAddress, purpose: .api)
        switch outcome {
        case .refused(let message):
            throw Abort(message.contains("锁定") ? .tooManyRequests : .unauthorized, reason: message)
        case .signedIn(let user, let token):
            let current = try await CurrentUser.load(user, via: .api, on: req.db)
            return TokenResponse(token: token, expiresInDays: 30, user: MeResponse(current))
        }
    }

    @Sendable static func revokeToken(req: Request) async throws -> HTTPStatus {
        guard let token = req.headers.bearerAuthorization?.token else { throw Abort(.unauthorized, reason: "缺少令牌") }
        try await AuthService(db: req.db, app: req.application).revoke(token: token)
        return .noContent
    }

    struct MeResponse: Content {
        struct RoleDTO: Content { let role: Role; let roleName: String; let areaID: Int?; let areaName: String?; let departmentName: String?; let employment: Employment? }
        let id: UUID
        let username: String
        let displayName: String
        let kind: User.Kind
        let roles: [RoleDTO]

        init(_ user: CurrentUser) {
            id = user.id
            username = user.username
            displayName = user.displayName
            kind = user.kind
            roles = user.assignments.map {
                RoleDTO(role: $0.role, roleName: $0.role.displayName, areaID: $0.areaID, areaName: $0.areaName,
                        departmentName: $0.departmentName, employment: $0.employment)
            }
        }
    }

    @Sendable static func me(req: Request) async throws -> MeResponse { MeResponse(try req.currentUser) }
}

struct DemoModeKey: StorageKey { typealias Value = Bool }
