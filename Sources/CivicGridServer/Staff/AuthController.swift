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
        /// The challenge, when this account or this address has failed too often.
        var question: String? = nil
        var challengeToken: String? = nil
    }

    @Sendable static func loginPage(req: Request) async throws -> Response {
        if req.auth.get(CurrentUser.self) != nil { return req.redirect(to: SiteURL.home.path) }
        return try await render(req, username: "", error: nil)
    }

    static func render(_ req: Request, username: String, error: String?, status: HTTPResponseStatus = .ok, challenge: Bool = false) async throws -> Response {
        let next = safeNext(req.query[String.self, at: "next"] ?? (try? req.content.get(String.self, at: "next")), req: req)
        var page = LoginPage(layout: PageLayout(req, title: "登录", section: "login"), username: username, next: next,
                             error: error, demo: req.application.storage[DemoModeKey.self] ?? false)
        if challenge {
            let issued = req.state.challenge.issue(now: req.now)
            page.question = issued.question
            page.challengeToken = issued.token
        }
        let response = try await req.view.render("login", page).encodeResponse(for: req)
        response.status = status
        return response
    }

    struct LoginForm: Content { var username: String; var password: String; var next: String?; var challenge: String?; var answer: String? }

    @Sendable static func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let username = try normalizedLogin(form.username, req: req)
        let attempt = AuthService.Attempt(clientAddress: req.clientAddress, device: req.cookies[Cookies.device]?.string,
                                          challengeToken: form.challenge, challengeAnswer: form.answer)
        let outcome = try await req.authService
            .signIn(username: username, password: form.password, attempt: attempt, purpose: .webSession)
        switch outcome {
        case .refused(let message, let challenge, let tooMany):
            return try await render(req, username: form.username, error: message, status: tooMany ? .tooManyRequests : .unauthorized,
                                    challenge: challenge)
        case .signedIn(let user, let token):
            let next = safeNext(form.next, req: req)
            let response = req.redirect(to: next.isEmpty ? SiteURL.home.path : next)
            response.cookies[Cookies.session] = sessionCookie(token, req: req)
            if attempt.device.map({ DeviceCookie.isValid($0, username: user.username, secret: req.state.config.secret) }) != true {
                response.cookies[Cookies.device] = HTTPCookies.Value(
                    string: DeviceCookie.make(username: user.username, secret: req.state.config.secret),
                    expires: req.now.addingTimeInterval(365 * 86_400), path: "/", isSecure: req.state.config.cookieSecure,
                    isHTTPOnly: true, sameSite: .strict)
            }
            CSRFMiddleware.rotate(for: req)
            return response
        }
    }

    @Sendable static func logout(req: Request) async throws -> Response {
        if let token = req.cookies[Cookies.session]?.string {
            try await req.authService.revoke(token: token)
            req.state.caseEvents.disconnect(sessionToken: token)
        }
        let response = req.redirect(to: SiteURL.login.path)
        response.cookies[Cookies.session] = .expired
        CSRFMiddleware.rotate(for: req)
        return response
    }

    /// Residents sign in with their phone number; it is stored only sealed, so the login name of a
    /// resident account is derived from the phone's keyed hash.
    static func normalizedLogin(_ input: String, req: Request) throws -> String {
        let trimmed = input.trimmingCharacters(in: .whitespaces)
        if let phone = PhoneNumber.normalize(trimmed), phone.hasPrefix("1") { return residentUsername(phone: phone, req: req) }
        return trimmed
    }

    static func residentUsername(phone: String, req: Request) -> String { residentUsername(phone: phone, cipher: req.state.cipher) }
    static func residentUsername(phone: String, cipher: PersonalDataCipher) -> String { "r-" + cipher.index(phone).prefix(20) }

    static func sessionCookie(_ token: String, req: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: req.now.addingTimeInterval(req.state.config.sessionLifetime),
                          path: "/", isSecure: req.state.config.cookieSecure, isHTTPOnly: true, sameSite: .lax)
    }

    /// Only local paths of pages that exist (`SafeRedirect`, then a GET route), so the login form
    /// can neither send people elsewhere nor carry a header into the redirect.
    static func safeNext(_ next: String?, req: Request) -> String {
        guard let path = SafeRedirect.localPath(next), req.application.routes.has(.GET, path) else { return "" }
        return path
    }

    // MARK: Resident registration
    //
    // Two steps: the form, then a one-time code sent by SMS to the number. The answer to the first
    // step is the same whether or not the number is registered ("验证码已发送"); a registered
    // number gets a text saying so instead of a code, so only its owner learns it. Rate-limited per
    // address and per number; the pending registration travels sealed in the form, not in a table.

    struct RegisterPage: Encodable {
        let layout: PageLayout; let name: String; let phone: String; let error: String?
        var pending: String? = nil
        var maskedPhone: String? = nil
    }
    struct RegisterForm: Content { var name: String; var phone: String; var password: String; var password2: String }
    struct ConfirmForm: Content { var pending: String; var code: String }

    struct PendingRegistration: Codable {
        let name: String; let phone: String; let passwordHash: String; let codeHash: String; let expires: Date
    }
    static let codeLifetime: TimeInterval = 10 * 60

    @Sendable static func registerPage(req: Request) async throws -> View {
        try await req.view.render("register", RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: "", phone: "", error: nil))
    }

    static func renderRegister(_ req: Request, _ page: RegisterPage, status: HTTPStatus) async throws -> Response {
        let response = try await req.view.render("register", page).encodeResponse(for: req)
        response.status = status
        return response
    }

    @Sendable static func register(req: Request) async throws -> Response {
        let form = try req.content.decode(RegisterForm.self)
        func fail(_ message: String) async throws -> Response {
            try await renderRegister(req, RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: form.name,
                                                       phone: form.phone, error: message), status: .unprocessableEntity)
        }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { return try await fail("请填写姓名（不超过 40 个字）") }
        guard let phone = PhoneNumber.normalize(form.phone), phone.hasPrefix("1"), phone.count == 11 else { return try await fail("请填写正确的 11 位手机号码") }
        guard form.password == form.password2 else { return try await fail("两次输入的密码不一致") }
        do { try AuthService.checkPasswordStrength(form.password, identities: [phone]) } catch let error as any AbortError { return try await fail(error.reason) }
        try await req.enforce(.registration)
        try await req.enforce(.registrationPhone, key: req.state.cipher.index(phone))

        let registered = try await User.query(on: req.db).filter(\.$username == residentUsername(phone: phone, req: req)).count() > 0
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        let pending = PendingRegistration(name: name, phone: phone, passwordHash: try await req.authService.hashPassword(form.password),
                                          codeHash: TokenMaker.hash(phone + "|" + code), expires: req.now.addingTimeInterval(codeLifetime))
        let sealed = try req.state.cipher.seal(String(decoding: try JSONEncoder().encode(pending), as: UTF8.self))
        let text = registered ? "【网格通】该手机号已注册，可直接用手机号登录。如非本人操作请忽略。"
                              : "【网格通】您的注册验证码为 \(code)，10 分钟内有效。如非本人操作请忽略。"
        try await req.state.config.smsSender.send(to: phone, text: text)
        return try await renderRegister(req, RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: name, phone: "",
                                                          error: nil, pending: sealed, maskedPhone: PhoneNumber.mask(phone)), status: .ok)
    }

    @Sendable static func confirmRegistration(req: Request) async throws -> Response {
        let form = try req.content.decode(ConfirmForm.self)
        try await req.enforce(.registrationCode, key: TokenMaker.hash(form.pending))
        guard let json = try? req.state.cipher.open(form.pending),
              let pending = try? JSONDecoder().decode(PendingRegistration.self, from: Data(json.utf8)) else {
            throw Abort(.badRequest, reason: "注册信息无效，请重新填写")
        }
        func fail(_ message: String) async throws -> Response {
            try await renderRegister(req, RegisterPage(layout: PageLayout(req, title: "居民注册", section: "register"), name: pending.name,
                                                       phone: "", error: message, pending: form.pending, maskedPhone: PhoneNumber.mask(pending.phone)),
                                     status: .unprocessableEntity)
        }
        guard pending.expires > req.now else { return try await fail("验证码已过期，请返回重新注册") }
        let code = form.code.trimmingCharacters(in: .whitespaces)
        guard ConstantTime.equal(TokenMaker.hash(pending.phone + "|" + code), pending.codeHash) else { return try await fail("验证码不正确") }
        let username = residentUsername(phone: pending.phone, req: req)
        guard try await User.query(on: req.db).filter(\.$username == username).count() == 0 else { return try await fail("验证码不正确") }
        let user = User(username: username, displayName: pending.name, kind: .resident, passwordHash: pending.passwordHash)
        user.phoneSealed = try req.state.cipher.seal(pending.phone)
        user.phoneIndex = req.state.cipher.index(pending.phone)
        try await user.create(on: req.db)
        let token = try await req.authService.issueToken(for: user, purpose: .webSession)
        let response = req.redirect(to: SiteURL.home.path(["notice": "registered"]))
        response.cookies[Cookies.session] = sessionCookie(token, req: req)
        CSRFMiddleware.rotate(for: req)
        return response
    }

    // MARK: API

    struct TokenRequest: Content { var username: String; var password: String; var challenge: String?; var answer: String? }
    struct TokenResponse: Content { var token: String; var expiresInDays: Int; var user: MeResponse }

    @Sendable static func issueToken(req: Request) async throws -> TokenResponse {
        let body = try req.content.decode(TokenRequest.self)
        let attempt = AuthService.Attempt(clientAddress: req.clientAddress, device: nil, challengeToken: body.challenge, challengeAnswer: body.answer)
        let outcome = try await req.authService
            .signIn(username: try normalizedLogin(body.username, req: req), password: body.password, attempt: attempt, purpose: .api)
        switch outcome {
        case .refused(let message, let challenge, let tooMany):
            // Under attack: the next try must answer the sum; it comes in the headers.
            var headers = HTTPHeaders()
            if challenge {
                let issued = req.state.challenge.issue(now: req.now)
                headers.add(name: "X-Challenge-Question", value: issued.question.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                headers.add(name: "X-Challenge-Token", value: issued.token)
            }
            throw Abort(tooMany ? .tooManyRequests : .unauthorized, headers: headers, reason: message)
        case .signedIn(let user, let token):
            let current = try await CurrentUser.load(user, via: .api, on: req.db)
            return TokenResponse(token: token, expiresInDays: 30, user: MeResponse(current))
        }
    }

    @Sendable static func revokeToken(req: Request) async throws -> HTTPStatus {
        guard let token = req.headers.bearerAuthorization?.token else { throw Abort(.unauthorized, reason: "缺少令牌") }
        try await req.authService.revoke(token: token)
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
