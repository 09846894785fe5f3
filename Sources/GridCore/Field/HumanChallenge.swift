import Crypto
import Foundation

/// The simple challenge on the anonymous report form (人机验证): a small sum in Chinese numerals'
/// plain digits, answered in a box. Stateless: the form carries a token binding the answer and an
/// expiry with an HMAC, so any instance can check it, and a token cannot be edited to a known answer.
public struct HumanChallenge: Sendable {
    private let keyBytes: Data
    /// How long a form stays answerable.
    public var lifetime: TimeInterval = 30 * 60
    /// Sooner than this after the form was served, the answer came from a script.
    public var minimumThinkingTime: TimeInterval = 2

    public init(secret: Data) { keyBytes = Data(SHA256.hash(data: secret + Data("human-challenge".utf8))) }

    public struct Issued: Sendable, Equatable {
        public let question: String
        public let token: String
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case missing, wrongAnswer, expired, tooFast, tampered
        public var description: String {
            switch self {
            case .missing: "请先回答验证问题"
            case .wrongAnswer: "验证问题回答不正确，请重新计算"
            case .expired: "页面停留时间过长，验证已过期，请重新回答"
            case .tooFast: "提交过快，请稍后再提交"
            case .tampered: "验证信息无效，请刷新页面后重试"
            }
        }
    }

    public func issue<R: RandomNumberGenerator>(now: Date, using rng: inout R) -> Issued {
        let a = Int.random(in: 2...9, using: &rng), b = Int.random(in: 2...9, using: &rng)
        let salt = String(UInt32.random(in: 0...UInt32.max, using: &rng), radix: 36)
        let issuedAt = Int(now.timeIntervalSince1970)
        return Issued(question: "\(a) + \(b) = ？", token: "\(issuedAt).\(salt).\(mac(answer: a + b, issuedAt: issuedAt, salt: salt))")
    }

    public func issue(now: Date) -> Issued {
        var rng = SystemRandomNumberGenerator()
        return issue(now: now, using: &rng)
    }

    public func verify(token: String?, answer: String?, now: Date) -> Failure? {
        guard let token, !token.isEmpty, let answer = answer?.trimmingCharacters(in: .whitespaces), !answer.isEmpty else { return .missing }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let issuedAt = Int(parts[0]) else { return .tampered }
        let halfWidth = String(answer.unicodeScalars.map { s in
            (0xFF10...0xFF19).contains(s.value) ? Character(Unicode.Scalar(s.value - 0xFF10 + 0x30)!) : Character(s)
        })
        guard let given = Int(halfWidth) else { return .wrongAnswer }
        let age = now.timeIntervalSince1970 - Double(issuedAt)
        guard age <= lifetime else { return .expired }
        guard age >= minimumThinkingTime else { return .tooFast }
        // The sum is at most 18: checking each candidate tells a wrong answer from an edited token.
        let expected = mac(answer: given, issuedAt: issuedAt, salt: parts[1])
        if ConstantTime.equal(expected, parts[2]) { return nil }
        return (4...18).contains(where: { ConstantTime.equal(mac(answer: $0, issuedAt: issuedAt, salt: parts[1]), parts[2]) }) ? .wrongAnswer : .tampered
    }

    private func mac(answer: Int, issuedAt: Int, salt: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(answer)|\(issuedAt)|\(salt)".utf8), using: SymmetricKey(data: keyBytes))
        return Data(code).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

}
