import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import GridCore
import Leaf
import Vapor

/// The one composition root: production (`civicgrid serve`), the CLI and every test call it.
public func configure(_ app: Application, config given: AppConfig) async throws {
    app.directory = DirectoryConfiguration(workingDirectory: packageRoot(app))
    var config = given
    if case .installationFile(let path) = config.secretSource {
        let absolute = path.hasPrefix("/") ? path : app.directory.workingDirectory + path
        config.secret = try InstallationSecret.loadOrCreate(at: absolute, logger: app.logger)
        config.secretIsDefault = false
    }
    let uploads = config.uploadDirectory.hasPrefix("/") ? config.uploadDirectory : app.directory.workingDirectory + config.uploadDirectory
    app.state = AppState(config: config, cipher: PersonalDataCipher(secret: config.secret),
                         uploadDirectory: uploads.hasSuffix("/") ? uploads : uploads + "/",
                         dummyPasswordHash: try Bcrypt.hash(TokenMaker.random(), cost: config.bcryptCost))

    switch config.database {
    case .sqliteFile(let path):
        let absolute = path.hasPrefix("/") ? path : app.directory.workingDirectory + path
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(absolute)), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case .postgres(let url):
        app.databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: url),
                                    maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop), as: .psql)
    }
    app.migrations.addCivicGridMigrations(resourcesDirectory: app.directory.resourcesDirectory, cipher: app.state.cipher)
    _ = app.importProgress  // created once here, before requests run concurrently
    let command = CommandLine.arguments.dropFirst().first
    // A restore copies the database file into place before anything may open it.
    if command != "restore" { app.lifecycle.use(DatabaseStartup()) }
    app.lifecycle.use(PeriodicWork.sweeper(every: config.sweepIntervalSeconds))
    app.lifecycle.use(PeriodicWork.outbox)
    app.lifecycle.use(CaseEventsLifecycle())
    app.lifecycle.use(StopServingFirst())  // last in, first to shut down
    app.storage[RunSweeperKey.self] = app.environment != .testing && (command == nil || command == "serve" || command == "demo")

    app.views.use(.leaf)
    app.leaf.configuration.rootDirectory = app.directory.viewsDirectory
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.leaf.tags["url"] = URLTag()

    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(MetricsMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(AuthenticationMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.routes.defaultMaxBodySize = "2mb"

    try routes(app)
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(CreateAdminCommand(), as: "create-admin")
    app.asyncCommands.use(VerifyTrailCommand(), as: "verify-trail")
    app.asyncCommands.use(ImportCommand(), as: "import")
    app.asyncCommands.use(BenchLocateCommand(), as: "bench-locate")
    app.asyncCommands.use(BenchDashboardCommand(), as: "bench-dashboard")
    app.asyncCommands.use(GenerateCommand(), as: "generate")
    app.asyncCommands.use(BenchSweepCommand(), as: "bench-sweep")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(RotateSecretCommand(), as: "rotate-secret")
}

/// Runs the dialect's start-up statements (SQLite: WAL) once the app boots.
struct DatabaseStartup: LifecycleHandler {
    func didBootAsync(_ application: Application) async throws {
        guard let sql = application.db as? any SQLDatabase else { return }
        for statement in sql.dialectSQL.startupStatements() { try await sql.raw(statement).run() }
    }
}

/// Templates and static files are found from the package root, whatever the working directory:
/// the working directory if it holds them, else the checkout this binary was built from.
private func packageRoot(_ app: Application) -> String {
    let cwd = app.directory.workingDirectory
    if FileManager.default.fileExists(atPath: cwd + "Resources/Views/base.leaf") { return cwd }
    // Sources/CivicGridServer/App/configure.swift → the package root, four levels up.
    var source = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { source = source.deletingLastPathComponent() }
    return source.path + "/"
}

import SQLKit
