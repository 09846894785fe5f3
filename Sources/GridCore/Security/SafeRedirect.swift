/// Where a `next=` parameter may send someone after signing in: a local path and nothing else.
///
/// Accepted: starts with one `/`, then no second `/` right after it, no backslash anywhere, no
/// control or white-space characters (no CR/LF header injection, no tab that browsers drop to turn
/// `/\t/evil.example` into `//evil.example`), no `//` anywhere, no scheme, at most 512 characters.
/// Whether the path names a route is the server's part (`knownPath`).
public enum SafeRedirect {
    public static let maxLength = 512

    /// The path as given when safe; `nil` otherwise.
    public static func localPath(_ candidate: String?) -> String? {
        guard let s = candidate, !s.isEmpty, s.utf8.count <= maxLength, s.hasPrefix("/") else { return nil }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x21 || v == 0x7F || (0x80...0x9F).contains(v) { return nil }            // controls, space
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .format { return nil }
            if scalar == "\\" { return nil }
        }
        if s.contains("//") { return nil }
        // Percent-encoded forms of what was refused above (a second decoding must not produce them).
        let lower = s.lowercased()
        for bad in ["%0d", "%0a", "%09", "%00", "%5c", "%2f%2f", "/%2f", "%2f/"] where lower.contains(bad) { return nil }
        return s
    }

    /// The path part (before `?` or `#`), split into its segments.
    public static func segments(_ path: String) -> [Substring] {
        let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? path.endIndex
        return path[..<end].split(separator: "/", omittingEmptySubsequences: true)
    }
}
