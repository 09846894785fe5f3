import Fluent
import GridCore
import Vapor

enum Cookies {
    static let session = "cg_session"
    static let csrf = "cg_csrf"
    static let device = DeviceCookie.name
}

/// Signs the request in from the session cookie or a bearer token, and loads the user's scope.
struct AuthenticationMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let bearer = request.headers.bearerAuthorization?.token
        if let token = bearer ?? request.cookies[Cookies.session]?.string {
            let auth = AuthService(db: request.db, app: request.application)
            if let session = try await auth.session(forToken: token), (bearer != nil) == (session.purpose == .api) {
                let assignments = try await request.application.state.assignments.assignments(
                    of: session.userID, generation: session.generation, on: request.db)
                request.referenceGeneration = session.generation
                request.auth.login(CurrentUser.make(id: session.userID, username: session.username, displayName: session.displayName,
                                                    kind: session.kind, via: session.purpose, assignments: assignments))
            }
        }
        return try await next.respond(to: request)
    }
}

/// Double-submit CSRF protection: a random cookie that every form echoes in `_csrf` and every
/// script echoes in `X-CSRF-Token`. Requests signed in with a bearer token carry no cookies an
/// attacker could ride on, so they are exempt.
struct CSRFMiddleware: AsyncMiddleware {
    private struct TokenKey: StorageKey { typealias Value = String }
    private struct MintedKey: StorageKey { typealias Value = String }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = request.cookies[Cookies.csrf]?.string
        if let existing { request.storage[TokenKey.self] = existing }
        // API calls ride on no cookie unless they are signed in by the web session; only then can a
        // forged cross-site request carry authority, so only then is the header required.
        // Open311 clients authenticate with `api_key` and carry no cookies of ours.
        let isAPI = SiteURL.isJSONAPI(request.url.path) || SiteURL.isOpen311(request.url.path)
        let cookieAuthenticated = request.auth.get(CurrentUser.self)?.via == .webSession
        let exempt = request.headers.bearerAuthorization != nil || (isAPI && !cookieAuthenticated)
        if ![.GET, .HEAD, .OPTIONS].contains(request.method), !exempt {
            // Large (photo) forms arrive streamed: collect them here, within the route's limit, to read the token.
            if request.headers.first(name: "X-CSRF-Token") == nil {
                _ = try await request.body.collect(max: Self.maxBody(for: request.url.path)).get()
            }
            let sent = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: "_csrf"))
            guard let existing, let sent, ConstantTime.equal(existing, sent) else {
                throw Abort(.forbidden, reason: "页面已过期或请求来源无效，请刷新页面后重试")
            }
        }
        let response = try await next.respond(to: request)
        // A browser without a token gets one with the first page that renders a form; API calls
        // (and pages without forms) neither make one nor set a cookie.
        if let minted = request.storage[MintedKey.self] {
            response.cookies[Cookies.csrf] = HTTPCookies.Value(
                string: minted, path: "/", isSecure: request.state.config.cookieSecure, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }

    /// A new token for this browser, sent with the response (at sign-in and sign-out, so a token
    /// planted or read before cannot be used in the new session).
    static func rotate(for request: Request) {
        let minted = TokenMaker.random()
        request.storage[TokenKey.self] = minted
        request.storage[MintedKey.self] = minted
    }

    /// The token a page puts in its forms: the browser's, or a new one sent with the response.
    static func token(for request: Request) -> String {
        if let token = request.storage[TokenKey.self] { return token }
        let minted = TokenMaker.random()
        request.storage[TokenKey.self] = minted
        request.storage[MintedKey.self] = minted
        return minted
    }

    /// Photo forms may carry several phone photos; everything else is small.
    static func maxBody(for path: String) -> Int {
        let photoForms: [SiteURL] = [.caseNew, .fieldReport, .fieldVisits, .fieldProfile, .portalReport, .catalogAdmin]
        let isCaseAction = SiteURL.caseAct(.placeholder).matches(path)
        return isCaseAction || photoForms.contains { $0.path == path } ? 50 * 1024 * 1024 : 2 * 1024 * 1024
    }
}

/// Conservative headers on every response: no inline script, no framing, no sniffing.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value:
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        return response
    }
}

extension Request {
    private struct ReferenceGenerationKey: StorageKey { typealias Value = Int64 }

    /// The reference generation read with the sign-in (nil for anonymous requests): callers pass it to
    /// `ReferenceCache` and skip reading it again.
    var referenceGeneration: Int64? {
        get { storage[ReferenceGenerationKey.self] }
        set { storage[ReferenceGenerationKey.self] = newValue }
    }
}
