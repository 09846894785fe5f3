import Fluent
import Foundation
import GridCore
import Vapor
import XCTVapor
@testable import CivicGridServer

/// A fixed "now" for every test: 2026-11-18 09:00 Beijing time.
let testNow = Date(timeIntervalSince1970: 1_794_963_600)
let testPassword = "pass1234"

extension AppConfig {
    /// SQLite in memory, or PostgreSQL when TEST_DATABASE_URL (or DATABASE_URL) is set; cheap bcrypt.
    static func testing(clock: any GridClock) -> AppConfig {
        let env = ProcessInfo.processInfo.environment
        let url = (env["TEST_DATABASE_URL"] ?? env["DATABASE_URL"]).flatMap { $0.isEmpty ? nil : URL(string: $0) }
        var config = AppConfig(database: url.map { .postgres($0) } ?? .sqliteMemory, bcryptCost: 4, clock: clock)
        config.uploadDirectory = NSTemporaryDirectory() + "civicgrid-test-uploads-\(UUID().uuidString)"
        return config
    }
}

var usingPostgres: Bool {
    let env = ProcessInfo.processInfo.environment
    return !(env["TEST_DATABASE_URL"] ?? env["DATABASE_URL"] ?? "").isEmpty
}

/// Boots the real `configure` against a fresh database, runs `body`, and tears it down.
func withApp(clock: FixedClock = FixedClock(testNow), adjust: (inout AppConfig) -> Void = { _ in },
             _ body: (Application) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    do {
        var config = AppConfig.testing(clock: clock)
        adjust(&config)
        try await configure(app, config: config)
        try await app.autoRevert()
        try await app.autoMigrate()
        try await body(app)
        try await app.autoRevert()
    } catch {
        try? await app.autoRevert()
        try await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

/// A small city to test scope on:
/// 株洲市 ─ 石峰区 ─┬ 清水塘街道 ─ 清水社区 ─┬ 第1网格 (wg-a)
///                   │                        └ 第2网格
///                   └ 响石岭街道 ─ 湘江社区 ── 第1网格 (wg-b)
struct TestCity {
    let city, district, street1, street2, community1, community2, gridA, gridA2, gridB: Area
    let users: [String: User]

    static func build(_ app: Application) async throws -> TestCity {
        let service = AreaService(db: app.db, levels: .standard)
        let city = try await service.create(.init(name: "株洲市", code: "4302"), parent: nil)
        let district = try await service.create(.init(name: "石峰区", code: "430204"), parent: city)
        let street1 = try await service.create(.init(name: "清水塘街道"), parent: district)
        let street2 = try await service.create(.init(name: "响石岭街道"), parent: district)
        let community1 = try await service.create(.init(name: "清水社区"), parent: street1)
        let community2 = try await service.create(.init(name: "湘江社区"), parent: street2)
        let gridA = try await service.create(.init(name: "清水社区第1网格"), parent: community1)
        let gridA2 = try await service.create(.init(name: "清水社区第2网格"), parent: community1)
        let gridB = try await service.create(.init(name: "湘江社区第1网格"), parent: community2)
        let department = Department(code: "CG", name: "区城管局", responsibilities: "市容秩序")
        try await department.create(on: app.db)

        let hash = try Bcrypt.hash(testPassword, cost: 4)
        var users: [String: User] = [:]
        func staff(_ username: String, _ role: Role, _ area: Area?, dept: Department? = nil, _ employment: Employment? = nil) async throws {
            let user = User(username: username, displayName: "测试" + username, kind: .staff, passwordHash: hash)
            user.phoneSealed = try app.state.cipher.seal("13800000000")
            try await user.create(on: app.db)
            try await RoleAssignment(userID: user.requireID(), role: role, areaID: area?.id, departmentID: dept?.id, employment: employment).create(on: app.db)
            users[username] = user
        }
        try await staff("admin", .administrator, city)
        try await staff("op-s1", .operator, street1)
        try await staff("op-s2", .operator, street2)
        try await staff("wg-a", .gridWorker, gridA, .fullTime)
        try await staff("wg-b", .gridWorker, gridB, .partTime)
        try await staff("admin-c1", .administrator, community1)
        try await staff("cg-1", .handler, nil, dept: department)
        try await staff("op-c1", .operator, community1)
        try await staff("gl-c1", .gridLeader, community1)
        try await staff("op-d", .operator, district)
        try await staff("ld-d", .leader, district)
        let water = Department(code: "GS", name: "供水公司", responsibilities: "停水、水管爆裂")
        try await water.create(on: app.db)
        try await staff("gs-1", .handler, nil, dept: water)
        try await CategoryService.linkDefaultDepartments(on: app.db)
        return TestCity(city: city, district: district, street1: street1, street2: street2, community1: community1,
                        community2: community2, gridA: gridA, gridA2: gridA2, gridB: gridB, users: users)
    }
}

extension Application {
    /// Signs in through the API and returns the bearer token.
    func token(_ username: String, password: String = testPassword) async throws -> String {
        let response = try await testable().sendRequest(.POST, "/api/v1/auth/token", headers: ["Content-Type": "application/json"],
                                                        body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#))
        XCTAssertEqual(response.status, .ok, response.body.string)
        return try response.content.decode(AuthController.TokenResponse.self).token
    }

    /// An API key made by the administrator on 开放接口, as shown once on the page.
    func issueApiKey(name: String, scopes: [ApiKey.Scope] = [.open311]) async throws -> String {
        let admin = browser()
        _ = try await admin.login("admin")
        var form = ["name": name]
        for s in scopes { form[s.rawValue] = "1" }
        let page = try await admin.post("/admin/api-keys", form: form)
        XCTAssertEqual(page.status, .ok)
        let html = page.body.string
        guard let range = html.range(of: #"cg_[A-Za-z0-9_-]+"#, options: .regularExpression) else { XCTFail("no key shown"); return "" }
        return String(html[range])
    }

    func category(_ code: String) async throws -> UUID {
        try await CaseCategory.query(on: db).filter(\.$code == code).first()!.requireID()
    }

    func department(_ code: String) async throws -> UUID {
        try await Department.query(on: db).filter(\.$code == code).first()!.requireID()
    }

    func api(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil) async throws -> XCTHTTPResponse {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        if json != nil { headers.contentType = .json }
        return try await testable().sendRequest(method, path, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// A browser: keeps cookies, sends the CSRF token with forms.
    func browser() -> Browser { Browser(app: self) }
}

final class Browser: @unchecked Sendable {
    let app: Application
    var cookies: [String: String] = ["cg_csrf": "test-csrf-token"]
    init(app: Application) { self.app = app }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    func get(_ path: String) async throws -> XCTHTTPResponse {
        let response = try await app.testable().sendRequest(.GET, path, headers: ["Cookie": cookieHeader])
        keep(response)
        return response
    }

    func post(_ path: String, form: [String: String], csrf: String? = "test-csrf-token") async throws -> XCTHTTPResponse {
        var fields = form
        if let csrf { fields["_csrf"] = csrf }
        let body = fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        let response = try await app.testable().sendRequest(.POST, path, headers: [
            "Cookie": cookieHeader, "Content-Type": "application/x-www-form-urlencoded",
        ], body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    func login(_ username: String, password: String = testPassword) async throws -> XCTHTTPResponse {
        try await post("/login", form: ["username": username, "password": password])
    }

    /// The server rotates the CSRF token at sign-in; tests keep the fixed one unless told to follow.
    var followCSRFRotation = false

    private func keep(_ response: XCTHTTPResponse) {
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "cg_csrf", !followCSRFRotation, cookies["cg_csrf"] != nil { continue }
            if header.contains("Max-Age=0") || header.contains("1970") || pair[1].isEmpty { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
        }
    }
}

extension Browser {
    /// Files a person through the registry form (as this browser's user); returns their id.
    func addPerson(_ name: String, idNumber: String, grid: Area, phone: String = "", household: String = "", health: String = "",
                   file: StaticString = #filePath, line: UInt = #line) async throws -> UUID {
        let r = try await post("/registry/people", form: [
            "name": name, "idNumber": idNumber, "phone": phone, "kind": "registered", "gridID": String(grid.id!), "householdNumber": household,
            "relation": "", "employment": "", "tags": "", "health": health, "registeredAddress": ""])
        XCTAssertEqual(r.status, .seeOther, r.body.string, file: file, line: line)
        let location = try XCTUnwrap(r.headers.first(name: .location), file: file, line: line)
        return try XCTUnwrap(UUID(uuidString: String(location.split(separator: "/").last!.split(separator: "?").first!)), file: file, line: line)
    }
}

extension XCTestCase {
    /// A multipart/form-data body: the content type (with its boundary) and the bytes.
    func multipart(_ fields: [String: String], files: [(name: String, filename: String, bytes: [UInt8])]) -> (String, ByteBuffer) {
        let boundary = "----civicgrid\(UUID().uuidString)"
        var body = ByteBuffer()
        for (key, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}

// XCTest's assertions take autoclosures, which cannot `await`; these evaluate first.
func expectEqual<T: Equatable>(_ a: T, _ b: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a, b, message, file: file, line: line)
}
func expectTrue(_ value: Bool, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(value, message, file: file, line: line)
}
func expectFalse(_ value: Bool, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(value, message, file: file, line: line)
}

/// Registers through both steps, reading the code from the recorded text message.
func register(_ app: Application, _ sms: RecordingSMSSender, name: String, phone: String, password: String) async throws -> (Browser, XCTHTTPResponse) {
    let browser = app.browser()
    let first = try await browser.post("/register", form: ["name": name, "phone": phone, "password": password, "password2": password])
    XCTAssertEqual(first.status, .ok, first.body.string)
    let html = first.body.string
    guard let r = html.range(of: #"name="pending" value="([^"]+)""#, options: .regularExpression) else { return (browser, first) }
    let pending = String(html[r]).replacingOccurrences(of: #"name="pending" value=""#, with: "").dropLast()
    let code = sms.sent.last?.text.firstMatch(of: /验证码为 (\d{6})/).map { String($0.1) } ?? "000000"
    return (browser, try await browser.post("/register/confirm", form: ["pending": String(pending), "code": code]))
}

extension XCTestCase {
    /// One action on a case through the API, as `token`; the case's detail when it went through.
    @discardableResult
    func act(_ app: Application, _ id: UUID, _ token: String, _ json: String, expect: HTTPStatus = .ok,
             file: StaticString = #filePath, line: UInt = #line) async throws -> CaseAPIController.DetailDTO? {
        let response = try await app.api(.POST, "/api/v1/cases/\(id)/actions", token: token, json: json)
        XCTAssertEqual(response.status, expect, "\(json): \(response.body.string)", file: file, line: line)
        return response.status == .ok ? try response.content.decode(CaseAPIController.DetailDTO.self) : nil
    }
}
