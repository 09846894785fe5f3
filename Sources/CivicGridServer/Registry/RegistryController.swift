import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// The registry pages: the hub with search, a grid's overview (看房知人、看人知情), buildings with their
/// houses and households, people with masked personal data and a logged "show", special groups and visits.
enum RegistryController {
    struct Option: Encodable { let value: String; let label: String; let selected: Bool }
    struct Link: Encodable { let label: String; let href: String }
    struct Fact: Encodable { let label: String; let value: String }
    struct Change: Encodable { let at: String; let who: String; let action: String; let changes: [FieldChange] }

    static func reader(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        try RegistryService.requireReader(user)
        return user
    }

    static func service(_ req: Request) -> RegistryService { req.registry }

    static func time(_ date: Date) -> String { Formatting.dateTime(date) }
}
