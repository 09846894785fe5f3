import Crypto
import Foundation
import GridCore

/// "This device signed in to this account before": a random id and an HMAC of it with the
/// account name under the installation secret. Set at sign-in, kept a year, HttpOnly.
enum DeviceCookie {
    static let name = "cg_device"

    static func make(username: String, secret: String) -> String {
        let id = TokenMaker.random().prefix(22)
        return "\(id).\(mac(String(id), username: username, secret: secret))"
    }

    static func isValid(_ value: String, username: String, secret: String) -> Bool {
        let parts = value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count >= 16 else { return false }
        return ConstantTime.equal(mac(parts[0], username: username, secret: secret), parts[1])
    }

    private static func mac(_ id: String, username: String, secret: String) -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data((secret + "|device-cookie").utf8)))
        return Data(Data(HMAC<SHA256>.authenticationCode(for: Data("\(username.lowercased())|\(id)".utf8), using: key)).prefix(16)).hexString
    }
}
