import Foundation
import GridCore

/// Every setting in one place, read once from the environment (defaults documented in the README).
public struct AppConfig: Sendable {
    public enum DatabaseKind: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(URL)
    }

    public var database: DatabaseKind
    /// Source of the keys that encrypt personal data and sign tokens. At least 32 bytes.
    public var secret: String
    public var secretIsDefault: Bool
    public var cookieSecure: Bool
    public var bcryptCost: Int
    public var sessionLifetime: TimeInterval
    public var levelScheme: LevelScheme
    public var loginThrottle: LoginThrottle
    public var clock: any GridClock
    /// Where case photos are stored; relative paths are under the package root.
    public var uploadDirectory: String = "data/uploads"
    /// 重复事件: open cases of the same category this close in space and time are offered for merging.
    public var duplicates = DuplicateRule.Settings()
    /// Where status changes of hotline cases are posted back (HOTLINE_CALLBACK_URL); none: no callbacks.
    public var hotlineCallbackURL: String?
    /// The address printed in QR codes (`PUBLIC_URL`, e.g. https://grid.example.cn); else the request's host.
    public var publicURL: String?
    /// Behind a reverse proxy (`TRUST_PROXY=1`): limits count the X-Forwarded-For address.
    public var trustProxy = false
    /// PostgreSQL connections per event loop (`DATABASE_POOL_PER_LOOP`, default 4; one loop per core).
    /// Fluent's default is one: a write transaction then held the connection every other request on
    /// its loop needed for its sign-in. (An SQLite file keeps one: four made no difference there,
    /// its single writer being the queue.)
    public var postgresConnectionsPerLoop = 4
    /// The exception paths' numbers: extensions per case (`CASE_MAX_EXTENSIONS`, default 2), working days to
    /// call a reporter back after closure (`CALLBACK_WORKING_DAYS`, default 2).
    public var workflowRules = WorkflowRules.standard
    /// How often the SLA sweeper runs, in seconds (`SWEEP_INTERVAL_SECONDS`, default 60).
    public var sweepIntervalSeconds = 60
    /// Anonymous reports per address (`PUBLIC_REPORTS_PER_HOUR`, default 10 an hour).
    public var publicReportLimit = RateLimit(limit: 10, window: 3_600)
    /// Tracking lookups and QR pages per address (120 per 10 minutes).
    public var publicLookupLimit = RateLimit(limit: 120, window: 600)
    /// Resident registrations started per address (5 an hour) and per phone number (3 an hour).
    public var registrationLimit = RateLimit(limit: 5, window: 3_600)
    public var registrationPerPhoneLimit = RateLimit(limit: 3, window: 3_600)
    /// Full personal data revealed per user per hour before refusals and a notice to administrators.
    public var revealsPerHour = 30
    /// The bearer token `/metrics` needs over TCP (`METRICS_TOKEN`); none: only a Unix socket may scrape.
    public var metricsToken: String?
    /// Where registration codes go (`LogSMSSender` until an SMS gateway is plugged in).
    var smsSender: any SMSSender = LogSMSSender()

    public static let developmentSecret = "civicgrid-development-secret-change-me-0123456789"

    /// Where the secret comes from: the environment (production), or a random per-installation
    /// file in the data folder (the demo), which `configure` reads or creates.
    public var secretSource: SecretSource = .given

    /// `secret` in the folder of the SQLite file, or `data/secret` (relative to the package root).
    static func defaultSecretFile(_ database: DatabaseKind) -> String {
        if case .sqliteFile(let path) = database {
            let folder = (path as NSString).deletingLastPathComponent
            return (folder.isEmpty ? "." : folder) + "/secret"
        }
        return "data/secret"
    }

    public init(database: DatabaseKind, secret: String = AppConfig.developmentSecret, cookieSecure: Bool = false,
                bcryptCost: Int = 12, sessionLifetime: TimeInterval = 12 * 3600, levelScheme: LevelScheme = .standard,
                loginThrottle: LoginThrottle = LoginThrottle(), clock: any GridClock = SystemClock()) {
        self.database = database
        self.secret = secret
        self.secretIsDefault = secret == AppConfig.developmentSecret
        self.cookieSecure = cookieSecure
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.levelScheme = levelScheme
        self.loginThrottle = loginThrottle
        self.clock = clock
    }

    public enum ConfigError: Error, CustomStringConvertible {
        case invalid(String, String)
        public var description: String {
            switch self { case .invalid(let key, let why): "配置项 \(key) 无效: \(why)" }
        }
    }

    /// Reads the process environment.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        let database: DatabaseKind
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard let parsed = URL(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? "") else {
                throw ConfigError.invalid("DATABASE_URL", "需要 postgres://user:pass@host:port/db 形式")
            }
            database = .postgres(parsed)
        } else {
            database = .sqliteFile(env["DATABASE_PATH"] ?? "data/civicgrid.sqlite")
        }
        let command = CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) ?? "serve"
        let secretFile = env["CIVICGRID_SECRET_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSecretFile(database)
        let (source, value) = try SecretSource.choose(environment: env["CIVICGRID_SECRET"], command: command,
                                                      demo: ["1", "true", "yes"].contains((env["CIVICGRID_DEMO"] ?? "").lowercased()), file: secretFile)
        var config = AppConfig(database: database, secret: value ?? developmentSecret)
        config.secretSource = source
        config.cookieSecure = ["1", "true", "yes"].contains((env["COOKIE_SECURE"] ?? "").lowercased())
        if let cost = env["BCRYPT_COST"] {
            guard let value = Int(cost), (4...31).contains(value) else { throw ConfigError.invalid("BCRYPT_COST", "应为 4–31") }
            config.bcryptCost = value
        }
        if let hours = env["SESSION_HOURS"] {
            guard let value = Double(hours), value > 0 else { throw ConfigError.invalid("SESSION_HOURS", "应为正数") }
            config.sessionLifetime = value * 3600
        }
        if let uploads = env["UPLOAD_DIR"], !uploads.isEmpty { config.uploadDirectory = uploads }
        if let metres = env["DUPLICATE_RADIUS_M"] {
            guard let value = Double(metres), (1...5_000).contains(value) else { throw ConfigError.invalid("DUPLICATE_RADIUS_M", "应为 1–5000 米") }
            config.duplicates.radiusMetres = value
        }
        if let hours = env["DUPLICATE_WINDOW_H"] {
            guard let value = Double(hours), (1...24 * 90).contains(value) else { throw ConfigError.invalid("DUPLICATE_WINDOW_H", "应为 1–2160 小时") }
            config.duplicates.windowHours = value
        }
        if let url = env["HOTLINE_CALLBACK_URL"], !url.isEmpty {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigError.invalid("HOTLINE_CALLBACK_URL", "需要 http(s)://host/path 形式")
            }
            config.hotlineCallbackURL = url
        }
        let demo = ["1", "true", "yes"].contains((env["CIVICGRID_DEMO"] ?? "").lowercased())
        if command == "serve", !demo, (env["PUBLIC_URL"] ?? "").isEmpty {
            throw ConfigError.invalid("PUBLIC_URL", "生产环境必须设置对外访问地址（楼栋二维码、短信链接都指向它），例如 PUBLIC_URL=https://grid.example.cn")
        }
        if let url = env["PUBLIC_URL"], !url.isEmpty {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigError.invalid("PUBLIC_URL", "应为 http(s):// 开头的网址")
            }
            config.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let n = env["DATABASE_POOL_PER_LOOP"] {
            guard let value = Int(n), (1...64).contains(value) else { throw ConfigError.invalid("DATABASE_POOL_PER_LOOP", "应为 1–64") }
            config.postgresConnectionsPerLoop = value
        }
        if let n = env["CASE_MAX_EXTENSIONS"], !n.isEmpty {
            guard let value = Int(n), (0...10).contains(value) else { throw ConfigError.invalid("CASE_MAX_EXTENSIONS", "应为 0–10") }
            config.workflowRules.maxExtensions = value
        }
        if let n = env["CALLBACK_WORKING_DAYS"], !n.isEmpty {
            guard let value = Int(n), (1...10).contains(value) else { throw ConfigError.invalid("CALLBACK_WORKING_DAYS", "应为 1–10") }
            config.workflowRules.callbackWorkingDays = value
        }
        config.trustProxy = ["1", "true", "yes"].contains(env["TRUST_PROXY"]?.lowercased() ?? "")
        if let n = env["REVEALS_PER_HOUR"], !n.isEmpty {
            guard let value = Int(n), (1...1_000).contains(value) else { throw ConfigError.invalid("REVEALS_PER_HOUR", "应为 1–1000") }
            config.revealsPerHour = value
        }
        if let token = env["METRICS_TOKEN"], !token.isEmpty {
            guard token.utf8.count >= 16 else { throw ConfigError.invalid("METRICS_TOKEN", "至少 16 个字符") }
            config.metricsToken = token
        }
        if let n = env["PUBLIC_REPORTS_PER_HOUR"] {
            guard let value = Int(n), (1...10_000).contains(value) else { throw ConfigError.invalid("PUBLIC_REPORTS_PER_HOUR", "应为 1–10000") }
            config.publicReportLimit = RateLimit(limit: value, window: 3_600)
        }
        if let seconds = env["SWEEP_INTERVAL_SECONDS"], !seconds.isEmpty {
            guard let value = Int(seconds), (1...3_600).contains(value) else { throw ConfigError.invalid("SWEEP_INTERVAL_SECONDS", "应为 1–3600") }
            config.sweepIntervalSeconds = value
        }
        if let levels = env["CIVICGRID_LEVELS"], !levels.isEmpty {
            do { config.levelScheme = try LevelScheme.parse(levels) } catch { throw ConfigError.invalid("CIVICGRID_LEVELS", error.description) }
        }
        return config
    }
}

/// Where the installation secret comes from.
public enum SecretSource: Sendable, Equatable {
    /// Passed in (`CIVICGRID_SECRET`, or a test's configuration).
    case given
    /// Read from this file, created (random, 0600) when missing.
    case installationFile(String)

    /// `serve` runs only on a real secret from the environment, unless `CIVICGRID_DEMO=1`; every
    /// other command (demo, import, backup …) uses the installation file when no secret is set.
    static func choose(environment: String?, command: String, demo: Bool, file: String) throws -> (source: SecretSource, value: String?) {
        if let secret = environment, !secret.isEmpty {
            guard secret.utf8.count >= 32 else { throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET", "至少 32 个字节") }
            if secret == AppConfig.developmentSecret && command == "serve" && !demo {
                throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET", SecretSource.productionAdvice)
            }
            return (.given, secret)
        }
        if command == "serve" && !demo { throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET", SecretSource.productionAdvice) }
        return (.installationFile(file), nil)
    }

    static let productionAdvice = """
        未设置（或仍是源代码中的开发密钥）。生产环境请先生成并保存一个密钥：
          export CIVICGRID_SECRET="$(openssl rand -base64 48)"
        它加密身份证号、手机号等个人信息并签发令牌；丢失后已加密的数据无法解密，请与数据库备份分开妥善保管。
        只是试用：civicgrid demo（自动生成本机密钥），或 CIVICGRID_DEMO=1 civicgrid serve
        """
}
