/// A LIKE pattern built from what someone typed: `%`, `_` and the escape character itself are
/// matched literally (escaped with `\`, used with `ESCAPE '\'`), so `q=%` finds a per-cent sign
/// instead of every row.
public enum LikePattern {
    public static let escapeCharacter: Character = "\\"

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            if ch == "%" || ch == "_" || ch == escapeCharacter { out.append(escapeCharacter) }
            out.append(ch)
        }
        return out
    }

    public static func contains(_ text: String) -> String { "%" + escape(text) + "%" }
    public static func prefix(_ text: String) -> String { escape(text) + "%" }
}
