import Fluent
import GridCore
import Vapor

/// `civicgrid demo`: migrate, seed the demo city (once), print the logins, serve.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", short: "H", help: "Address to listen on (default 127.0.0.1)")
        var hostname: String?
        @Option(name: "port", short: "p", help: "Port to listen on (default 8080)")
        var port: Int?
        @Flag(name: "no-serve", help: "Only migrate and seed, then exit")
        var noServe: Bool
        @Option(name: "cases", help: "Cases in the demo history (default 2400, over the past 150 days)")
        var cases: Int?
        @Option(name: "people-per-grid", help: "Registered people per grid on average (default 1700, as in Shifeng; 0 for none)")
        var peoplePerGrid: Int?
    }

    var help: String { "Migrates the database, seeds the demo city if it is not there yet, prints the demo logins and serves." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        app.storage[DemoModeKey.self] = true
        try await app.autoMigrate()
        let started = Date()
        if try await Area.query(on: app.db).count() == 0 {
            context.console.info("Seeding the demo district the first time (232 grids, ~390,000 registered people, 2,400 cases): a few minutes in a debug build…")
        }
        let seeded = try await DemoSeeder(app: app).seedIfEmpty(cases: max(0, signature.cases ?? 2400), peoplePerGrid: max(0, signature.peoplePerGrid ?? 1700))
        if seeded { context.console.info("Demo data ready in \(Int(Date().timeIntervalSince(started))) s.") }
        let hostname = signature.hostname ?? "127.0.0.1", port = signature.port ?? 8080
        var lines = [
            "", "CivicGrid 网格通 demo — " + (seeded ? "demo city created" : "existing demo database reused"),
            "  Open http://\(hostname == "0.0.0.0" ? "localhost" : hostname):\(port)/ and sign in (password for all: \(DemoCity.password)):",
        ]
        for login in DemoSeeder.logins() { lines.append("    \(login.username.padding(toLength: 10, withPad: " ", startingAt: 0)) \(login.who)") }
        lines.append("    13907311001 王秀英，居民（用手机号登录；也可在 /register 注册新居民）")
        let site = "http://\(hostname == "0.0.0.0" ? "localhost" : hostname):\(port)"
        lines.append("  Grid worker's phone app (网格员移动端): \(site)/m/ (sign in as wg001)")
        lines.append("  Resident portal (居民端, no sign-in needed): \(site)/r — building QR codes: 基础信息 › 网格 › 打印楼栋二维码")
        lines.append("")
        context.console.info(lines.joined(separator: "\n"))
        guard !signature.noServe else { return }
        guard let serve = app.asyncCommands.commands["serve"] else { return }
        var serveContext = CommandContext(console: context.console, input: CommandInput(arguments: [
            "civicgrid serve", "--hostname", hostname, "--port", String(port),
        ]))
        serveContext.application = app
        try await serve.run(using: &serveContext)
    }
}

/// `civicgrid create-admin`: the first administrator of a fresh installation.
struct CreateAdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "Login name (default admin)")
        var username: String?
        @Option(name: "name", help: "Display name (default 系统管理员)")
        var name: String?
        @Option(name: "password", help: "Password; a random one is generated and printed when omitted")
        var password: String?
        @Option(name: "root-code", help: "Code of the top area to create when the tree is empty (e.g. 430204)")
        var rootCode: String?
        @Option(name: "root-name", help: "Name of that top area (e.g. 石峰区)")
        var rootName: String?
    }

    var help: String { "Creates an administrator on the top area (creating the top area first on an empty database)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let levels = app.state.levels
        var root = try await Area.query(on: app.db).filter(\.$parent.$id == nil).sort(\.$code).first()
        if root == nil {
            guard let code = signature.rootCode, let name = signature.rootName else {
                throw Abort(.badRequest, reason: "The area tree is empty: pass --root-code and --root-name to create the top area (level \(levels.name(of: levels.root))).")
            }
            root = try await AreaService(db: app.db, levels: levels).create(.init(name: name, code: code), parent: nil)
        }
        let top = root!
        let password = signature.password ?? String(TokenMaker.random().prefix(12)) + "9a"
        try AuthService.checkPasswordStrength(password)
        let username = (signature.username ?? "admin").lowercased()
        let hash = try await AuthService(db: app.db, app: app).hashPassword(password)
        try await app.db.transaction { tx in
            guard try await User.query(on: tx).filter(\.$username == username).count() == 0 else {
                throw Abort(.conflict, reason: "User \(username) already exists")
            }
            let user = User(username: username, displayName: signature.name ?? "系统管理员", kind: .staff, passwordHash: hash)
            try await user.create(on: tx)
            try await RoleAssignment(userID: user.requireID(), role: .administrator, areaID: top.requireID(), departmentID: nil).create(on: tx)
        }
        context.console.info("Administrator \(username) created on \(top.name)." + (signature.password == nil ? " Password: \(password)" : ""))
    }
}
