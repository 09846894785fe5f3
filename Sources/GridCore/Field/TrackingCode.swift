import Foundation

/// 查询码: what a resident keeps to follow their report without an account. Ten characters from
/// an alphabet without look-alikes (no 0/O, 1/I/L), the last one a check character so a mistyped
/// code is caught before any lookup. Unguessable (31⁹ ≈ 2.6·10¹³ codes), unlike the case number.
public struct TrackingCode: Hashable, Sendable, CustomStringConvertible {
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    public static let length = 10

    /// The canonical form: ten upper-case characters, no separators.
    public let value: String

    /// Accepts what a person types: any case, spaces and dashes, and the look-alikes O→0… are refused, not guessed.
    public init?(_ typed: String) {
        let cleaned = typed.uppercased().filter { !" -\u{3000}".contains($0) }
        guard cleaned.count == Self.length, cleaned.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        let chars = Array(cleaned)
        guard Self.check(Array(chars.prefix(Self.length - 1))) == chars.last else { return nil }
        value = cleaned
    }

    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> TrackingCode {
        let body = (0..<(length - 1)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        return TrackingCode(trusted: String(body) + String(check(body)))
    }

    public static func generate() -> TrackingCode {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    private init(trusted: String) { value = trusted }

    /// Weighted sum modulo the alphabet size (weights 1…9): catches every single wrong character
    /// and every swap of two neighbouring characters, because 31 is prime.
    static func check(_ body: [Character]) -> Character {
        var sum = 0
        for (i, c) in body.enumerated() { sum += (i + 1) * alphabet.firstIndex(of: c)! }
        return alphabet[sum % alphabet.count]
    }

    /// Shown in groups, easy to read out over the phone: `ABCD-EFGH-JK`.
    public var grouped: String {
        let c = Array(value)
        return String(c[0..<4]) + "-" + String(c[4..<8]) + "-" + String(c[8...])
    }

    public var description: String { value }
}
