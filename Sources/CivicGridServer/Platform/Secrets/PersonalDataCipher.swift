import Crypto
import Foundation
import GridCore

/// Encrypts personal data at rest (AES-256-GCM) and makes keyed lookup hashes (HMAC-SHA256),
/// with separate keys derived from the one configured secret (HKDF), so the lookup hash does not
/// weaken the encryption.
struct PersonalDataCipher: @unchecked Sendable {  // SymmetricKey is immutable
    private let sealingKey: SymmetricKey
    private let indexKey: SymmetricKey
    /// HMAC keyed once: each index starts from a copy (the key schedule was a third of the cost).
    private let keyedIndex: HMAC<SHA256>

    init(secret: String) {
        let master = SymmetricKey(data: Data(secret.utf8))
        sealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("civicgrid/pii/aes-gcm".utf8), outputByteCount: 32)
        indexKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("civicgrid/pii/index".utf8), outputByteCount: 32)
        keyedIndex = HMAC<SHA256>(key: indexKey)
    }

    /// Base64 of nonce ‖ ciphertext ‖ tag.
    func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: sealingKey)
        return box.combined!.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw CipherError.malformed }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: sealingKey), as: UTF8.self)
    }

    /// Whole files (an uploaded import waiting for confirmation): nonce ‖ ciphertext ‖ tag.
    func sealData(_ data: Data) throws -> Data {
        try AES.GCM.seal(data, using: sealingKey).combined!
    }

    func openData(_ data: Data) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: sealingKey)
    }

    /// HMAC-SHA256 of the value under the index key, as lower-case hex.
    func index(_ value: String) -> String {
        var mac = keyedIndex
        var text = value
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { Hex.lowercase($0) }
    }

    enum CipherError: Error { case malformed }
}

extension Data {
    var hexString: String { withUnsafeBytes { Hex.lowercase($0) } }
}

/// The keyed index of an ID number's last four digits (the registry search "by 后四位"), so the
/// digits are not kept in clear beside the birth year and the district's region codes.
enum IDTailIndex {
    static func text(forIDNumber id: String) -> String? { id.count >= 4 ? text(lastFour: String(id.suffix(4))) : nil }
    static func text(lastFour: String) -> String { "id-tail|" + lastFour.uppercased() }
}

enum TokenMaker {
    /// 32 random bytes, URL-safe base64.
    static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        return base64URL((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
    }

    /// URL-safe base64 without padding (RFC 4648 §5).
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String { Data(SHA256.hash(data: Data(token.utf8))).hexString }
}
