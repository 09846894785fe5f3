import Fluent
import Foundation
import GridCore

// The base-data registry (人、地、物、情、事、组织). Every record belongs to one area (`grid_id`,
// normally a grid; a building not yet placed in a grid hangs on its community and shows up in the
// coverage report) and is scoped like cases: joined to `areas` and filtered by path prefix in SQL.
// `version` counts changes; each change writes a `RegistryRevision`.


/// 楼栋.
final class Building: Model, @unchecked Sendable {
    static let schema = "buildings"

    @ID(key: .id) var id: UUID?
    @Parent(key: "grid_id") var grid: Area
    @Field(key: "name") var name: String
    @Field(key: "address") var address: String
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @Field(key: "floors") var floors: Int
    @Field(key: "units") var units: Int
    @OptionalField(key: "photo_path") var photoPath: String?
    @OptionalField(key: "photo_type") var photoType: String?
    /// The short public token in the building's QR code (扫码找格), assigned when first printed.
    @OptionalField(key: "qr_token") var qrToken: String?
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var location: GeoPoint? { latitude.flatMap { lat in longitude.map { GeoPoint(lon: $0, lat: lat) } } }
}

/// 房屋: a flat, shop or room in a building.
final class House: Model, @unchecked Sendable {
    static let schema = "houses"

    @ID(key: .id) var id: UUID?
    @Parent(key: "building_id") var building: Building
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "number") var number: String
    @OptionalField(key: "area_sqm") var areaSquareMetres: Double?
    @Field(key: "use") var use: HouseUse
    @OptionalField(key: "ownership") var ownership: Ownership?
    @Field(key: "occupancy") var occupancy: Occupancy
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// 户: a household, living in a house, its members are people.
final class Household: Model, @unchecked Sendable {
    static let schema = "households"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @OptionalParent(key: "house_id") var house: House?
    @Field(key: "number") var number: String
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// 人口. The ID number and phone are sealed (AES-GCM) with keyed indexes for exact search and for
/// the ID's last four ("后四位"); in clear only what the features need and what cannot rebuild the
/// number: the birth year and gender (derived from the ID number), the phone's last four.
final class Person: Model, @unchecked Sendable {
    static let schema = "people"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @OptionalParent(key: "household_id") var household: Household?
    @Field(key: "name") var name: String
    @Field(key: "id_sealed") var idSealed: String
    @Field(key: "id_index") var idIndex: String
    /// HMAC of the ID number's last four (`IDTailIndex`), never the digits themselves (migration 017).
    @OptionalField(key: "id_tail_index") var idTailIndex: String?
    @OptionalField(key: "birth_year") var birthYear: Int?
    @Field(key: "gender") var gender: Gender
    @OptionalField(key: "phone_sealed") var phoneSealed: String?
    @OptionalField(key: "phone_index") var phoneIndex: String?
    @OptionalField(key: "phone_tail") var phoneTail: String?
    @Field(key: "kind") var kind: PersonKind
    @OptionalField(key: "relation") var relation: HouseholdRelation?
    @OptionalField(key: "employment") var employment: String?
    @OptionalField(key: "health_sealed") var healthSealed: String?
    /// 户籍地址, as the police register has it (cross-checks compare it).
    @OptionalField(key: "registered_address") var registeredAddress: String?
    @Field(key: "tags") var tags: String
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// 单位 / 企业 / 社会组织 / 个体户.
final class Organization: Model, @unchecked Sendable {
    static let schema = "organizations"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "kind") var kind: OrganizationKind
    @Field(key: "name") var name: String
    @Field(key: "credit_code") var creditCode: String
    @Field(key: "address") var address: String
    @OptionalField(key: "contact_name") var contactName: String?
    @OptionalField(key: "contact_phone_sealed") var contactPhoneSealed: String?
    @OptionalField(key: "employees") var employees: Int?
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// 城市部件: manhole covers, street lamps, hydrants, …
final class CityComponent: Model, @unchecked Sendable {
    static let schema = "components"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "kind") var kind: ComponentKind
    @Field(key: "code") var code: String
    @Field(key: "latitude") var latitude: Double
    @Field(key: "longitude") var longitude: Double
    @Field(key: "state") var state: ComponentState
    @OptionalField(key: "note") var note: String?
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// 特殊人群: a person filed in a group, with the group's own fields and a visit schedule.
final class SpecialGroupMember: Model, @unchecked Sendable {
    static let schema = "special_group_members"

    @ID(key: .id) var id: UUID?
    @Parent(key: "person_id") var person: Person
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "kind") var kind: SpecialGroupKind
    @Field(key: "details") var details: String
    @OptionalField(key: "responsible_id") var responsibleID: UUID?
    @Field(key: "filed_on") var filedOn: String
    @OptionalField(key: "last_visit_on") var lastVisitOn: String?
    @Field(key: "next_visit_due") var nextVisitDue: String
    @Field(key: "active") var active: Bool
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var detailValues: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(details.utf8))) ?? [:]
    }
}

/// 走访 / 民情日记.
final class Visit: Model, @unchecked Sendable {
    static let schema = "visits"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @OptionalField(key: "person_id") var personID: UUID?
    @OptionalField(key: "household_id") var householdID: UUID?
    @OptionalField(key: "member_id") var memberID: UUID?
    @Field(key: "worker_id") var workerID: UUID
    @Field(key: "worker_name") var workerName: String
    @Field(key: "visited_on") var visitedOn: String
    @Field(key: "at") var at: Date
    @Field(key: "note") var note: String

    init() {}
}

/// One change to a registry record: who, when, which fields (personal data shown masked).
final class RegistryRevision: Model, @unchecked Sendable {
    static let schema = "registry_revisions"

    enum Entity: String, Codable, Sendable {
        case person, building, house, household, organization, component, specialGroupMember
        var displayName: String {
            switch self {
            case .person: "人口"; case .building: "楼栋"; case .house: "房屋"; case .household: "户"
            case .organization: "单位组织"; case .component: "部件"; case .specialGroupMember: "特殊人群"
            }
        }
    }

    enum Action: String, Codable, Sendable {
        case create, update, move, delete, `import`, crossCheck, visit
        var displayName: String {
            switch self {
            case .create: "新增"; case .update: "修改"; case .move: "迁移"; case .delete: "注销"
            case .import: "导入"; case .crossCheck: "比对修正"; case .visit: "走访更新"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "entity") var entity: Entity
    @Field(key: "entity_id") var entityID: UUID
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "version") var version: Int
    @Field(key: "action") var action: Action
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "at") var at: Date
    @Field(key: "changes") var changes: String

    init() {}
    init(entity: Entity, entityID: UUID, gridID: Int, version: Int, action: Action, actorID: UUID?, actorName: String, at: Date, changes: [FieldChange]) {
        self.id = UUID()
        self.entity = entity; self.entityID = entityID; self.gridID = gridID; self.version = version; self.action = action
        self.actorID = actorID; self.actorName = actorName; self.at = at
        self.changes = String(decoding: (try? JSONEncoder.sorted.encode(changes)) ?? Data("[]".utf8), as: UTF8.self)
    }

    var fieldChanges: [FieldChange] { (try? JSONDecoder().decode([FieldChange].self, from: Data(changes.utf8))) ?? [] }

    /// The one way the registry writes its audit row: a change by a signed-in user, in the change's transaction.
    static func record(_ entity: Entity, _ entityID: UUID, grid: Int, version: Int, _ action: Action, by user: CurrentUser, at: Date,
                       changes: [FieldChange], on db: any Database) async throws {
        try await RegistryRevision(entity: entity, entityID: entityID, gridID: grid, version: version, action: action,
                                   actorID: user.id, actorName: user.displayName, at: at, changes: changes).create(on: db)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e
    }
}

/// An uploaded import file: validated first (issues kept), committed all-or-nothing on request.
final class ImportJob: Model, @unchecked Sendable {
    static let schema = "import_jobs"

    enum Status: String, Codable, Sendable {
        case invalid, validated, running, committed, failed
        var displayName: String {
            switch self { case .invalid: "校验未通过"; case .validated: "待确认"; case .running: "导入中"; case .committed: "已导入"; case .failed: "导入失败" }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: ImportKind
    @Field(key: "file_name") var fileName: String
    @Field(key: "area_id") var areaID: Int
    @Field(key: "uploaded_by") var uploadedBy: UUID
    @Field(key: "uploaded_at") var uploadedAt: Date
    @Field(key: "status") var status: Status
    @Field(key: "row_count") var rowCount: Int
    @Field(key: "issues") var issues: String
    @Field(key: "sealed_path") var sealedPath: String
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @OptionalField(key: "message") var message: String?

    init() {}

    var issueList: [ImportIssueRow] { (try? JSONDecoder().decode([ImportIssueRow].self, from: Data(issues.utf8))) ?? [] }
}

struct ImportIssueRow: Codable, Sendable { let row: Int; let column: String; let reason: String }

/// 数据比对: one uploaded list from another agency, compared with the registry of an area.
final class CrossCheckRun: Model, @unchecked Sendable {
    static let schema = "cross_checks"

    @ID(key: .id) var id: UUID?
    @Field(key: "source") var source: String
    @Field(key: "area_id") var areaID: Int
    @Field(key: "uploaded_by") var uploadedBy: UUID
    @Field(key: "at") var at: Date
    @Field(key: "their_count") var theirCount: Int
    @Field(key: "our_count") var ourCount: Int

    init() {}
}

final class CrossCheckItem: Model, @unchecked Sendable {
    static let schema = "cross_check_items"

    enum Kind: String, Codable, Sendable {
        case onlyTheirs, onlyOurs, mismatch
        var displayName: String {
            switch self { case .onlyTheirs: "对方有、我方无"; case .onlyOurs: "我方有、对方无"; case .mismatch: "信息不一致" }
        }
    }
    enum Decision: String, Codable, Sendable {
        case open, accepted, dismissed
        var displayName: String { switch self { case .open: "待处理"; case .accepted: "已采纳"; case .dismissed: "已忽略" } }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "check_id") var checkID: UUID
    @Field(key: "kind") var kind: Kind
    @OptionalField(key: "field") var field: CrossCheck.Field?
    @Field(key: "id_sealed") var idSealed: String
    @Field(key: "id_tail") var idTail: String
    @OptionalField(key: "person_id") var personID: UUID?
    @Field(key: "name") var name: String
    @OptionalField(key: "ours") var ours: String?
    @OptionalField(key: "theirs") var theirs: String?
    @Field(key: "decision") var decision: Decision
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_at") var decidedAt: Date?

    init() {}
}
