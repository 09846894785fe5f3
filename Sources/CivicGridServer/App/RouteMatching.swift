import GridCore
import Vapor

extension Routes {
    /// Whether a registered route answers `method` at `path` (its query and fragment ignored): a
    /// `:parameter` matches any one segment, `**` the rest. For `next=` after sign-in and the link crawl.
    func has(_ method: HTTPMethod, _ path: String) -> Bool {
        let segments = SafeRedirect.segments(path)
        return all.contains { route in
            guard route.method == method else { return false }
            var i = 0
            for component in route.path {
                switch component {
                case .catchall: return i < segments.count
                case .anything, .parameter: guard i < segments.count else { return false }
                case .constant(let c): guard i < segments.count, segments[i] == c else { return false }
                }
                i += 1
            }
            return i == segments.count
        }
    }
}
