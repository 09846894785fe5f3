import Fluent
import FluentSQL
import GridCore
import SQLKit

/// Text search on a string column with the user's text taken literally (`LikePattern`): Fluent's
/// `~~` and `=~` put the text into LIKE unescaped, so `%` would match every row. Use these for any
/// LIKE built from input.
enum LikeMatch {
    case contains(String)
    case prefix(String)

    var pattern: String {
        switch self {
        case .contains(let t): LikePattern.contains(t)
        case .prefix(let t): LikePattern.prefix(t)
        }
    }
}

extension QueryBuilder {
    @discardableResult
    func filter<Field: QueryableProperty>(_ field: KeyPath<Model, Field>, like match: LikeMatch) -> Self
        where Field.Model == Model, Field.Value == String
    {
        filter(.sql(embed: Model.likeCondition(field, match)))
    }
}

extension Model {
    static func likeCondition<Field: QueryableProperty>(_ field: KeyPath<Self, Field>, _ match: LikeMatch) -> SQLQueryString
        where Field.Model == Self
    {
        let column = path(for: field).map(\.description).joined(separator: "_")
        return "\(ident: schemaOrAlias).\(ident: column) LIKE \(bind: match.pattern) ESCAPE '\\'"
    }
}
