import Foundation
import Logging

/// The per-installation secret of a demo or trial installation: 48 random bytes (base64) in a file
/// of the data folder, readable by its owner only (0600), made on the first start and reused after.
/// It is in neither backups (they hold the database and the uploads) nor logs (only its path is).
enum InstallationSecret {
    static func loadOrCreate(at path: String, logger: Logger) throws -> String {
        let fm = FileManager.default
        if let data = fm.contents(atPath: path) {
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= 32 else { throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET_FILE", "\(path) 中的密钥不足 32 个字节") }
            if let mode = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
            return secret
        }
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let secret = TokenMaker.random() + TokenMaker.random().prefix(22)
        try write(secret, to: path)
        logger.notice("Created this installation's secret in \(path) (0600). Keep it with care: without it the sealed data cannot be read.")
        return secret
    }

    /// Writes (or replaces) the file with mode 0600 from the start: created through a temporary
    /// file that never had wider permissions, then renamed into place.
    static func write(_ secret: String, to path: String) throws {
        let temporary = path + ".tmp-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET_FILE", "无法写入 \(path)")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AppConfig.ConfigError.invalid("CIVICGRID_SECRET_FILE", "无法写入 \(path)")
        }
    }
}
