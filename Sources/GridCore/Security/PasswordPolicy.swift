/// What a new password must be (NIST SP 800-63B's advice rather than letters-plus-digits rules):
/// long enough, not too long for bcrypt (72 bytes), and not one that every attacker tries first —
/// a list of common passwords, one character repeated, a keyboard or digit run, or the user's own
/// phone number or login name.
public enum PasswordPolicy {
    public static let minimumLength = 10
    public static let maximumBytes = 72

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case tooShort, tooLong, common, containsIdentity
        public var description: String {
            switch self {
            case .tooShort: "密码至少 \(PasswordPolicy.minimumLength) 位（可以用一句好记的话）"
            case .tooLong: "密码过长（不超过 \(PasswordPolicy.maximumBytes) 个字节）"
            case .common: "这个密码太常见，很容易被猜到，请换一个"
            case .containsIdentity: "密码不能包含手机号或用户名"
            }
        }
    }

    /// nil when acceptable. `identities`: the phone number, the login name (each ≥ 4 characters counts).
    public static func problem(with password: String, identities: [String] = []) -> Problem? {
        if password.count < minimumLength { return .tooShort }
        if password.utf8.count > maximumBytes { return .tooLong }
        let lower = password.lowercased()
        if isCommon(lower) { return .common }
        for id in identities.map({ $0.lowercased() }) where id.count >= 4 && lower.contains(id) { return .containsIdentity }
        return nil
    }

    static func isCommon(_ lower: String) -> Bool {
        if Set(lower).count <= 2 { return true }                                  // aaaaaaaaaa, abababab…
        if commonList.contains(lower) { return true }
        // A common stem padded with digits or symbols: password2026, qwerty123456, 11111111a.
        let stem = String(lower.drop(while: { !$0.isLetter && !$0.isNumber }))
            .trimmingCharacters(in: .init(charactersIn: "0123456789!@#$%^&*.-_ "))
        if stem.count < 4 || commonList.contains(stem) || commonStems.contains(stem) { return true }
        if isRun(lower) { return true }
        return false
    }

    /// Every character one step from the previous (1234567890, abcdefghij, 9876543210) or a keyboard row.
    static func isRun(_ s: String) -> Bool {
        let scalars = s.unicodeScalars.map(\.value)
        if scalars.count >= 2 {
            let steps = zip(scalars.dropFirst(), scalars).map { Int($0) - Int($1) }
            if steps.allSatisfy({ $0 == 1 }) || steps.allSatisfy({ $0 == -1 }) { return true }
        }
        for row in ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "0987654321", "1qaz2wsx3edc4rfv", "qazwsxedc"] {
            if row.contains(s) || s.hasPrefix(row) && s.dropFirst(row.count).allSatisfy(\.isNumber) { return true }
        }
        return false
    }

    static let commonStems: Set<String> = [
        "password", "passw0rd", "p@ssw0rd", "qwerty", "qwertyuiop", "admin", "administrator", "welcome", "iloveyou", "abc", "abcd",
        "abcdef", "woaini", "woaini1314", "aini", "aa", "test", "root", "letmein", "monkey", "dragon", "master", "football", "baseball",
        "zhang", "wang", "li", "liu", "chen", "civicgrid", "grid", "wangge", "demo", "user", "guest", "login", "china", "beijing",
        "shanghai", "zhuzhou", "hunan", "asdf", "zxcv", "asdfgh", "zxcvbn", "qazwsx", "1qaz2wsx", "pass", "secret", "changeme",
    ]
    static let commonList: Set<String> = [
        "1234567890", "12345678910", "123456789a", "a123456789", "1234567890a", "0123456789", "9876543210", "1111111111",
        "123123123123", "1234512345", "5201314520", "5201314", "1314520520", "qwertyuiop", "qwerty1234", "1qaz2wsx3edc",
        "password12", "password123", "password1234", "passw0rd12", "p@ssw0rd12", "iloveyou12", "admin12345", "admin123456",
        "abc1234567", "abcd123456", "aa12345678", "a1b2c3d4e5", "woaini1314", "woaini5201314", "1q2w3e4r5t", "zaq12wsxcde",
        "qwe123qwe123", "asd123456789", "zxc123456789", "88888888888", "147258369", "1472583690", "159357159357", "asdfghjkl1",
    ]
}
