/// The kinds of registry record (人、房、组织、部件, and what is filed about people).
public enum RegistryRecord: String, CaseIterable, Sendable {
    case person, household, building, house, organization, component, specialGroup, visit

    public var displayName: String {
        switch self {
        case .person: "人口"; case .household: "户"; case .building: "楼栋"; case .house: "房屋"; case .organization: "单位组织"
        case .component: "城市部件"; case .specialGroup: "特殊人群"; case .visit: "走访记录"
        }
    }
}

/// What is done to a record. Records are never erased: `close` ends one (解除特殊人群管理, 部件报废 …) and keeps its history.
public enum RegistryChange: String, CaseIterable, Sendable {
    case create, update, close

    public var displayName: String { switch self { case .create: "登记"; case .update: "修改"; case .close: "注销" } }
}

/// The one rule for who may create, change and close each kind of registry record. Forms, the phone,
/// imports, cross-check corrections and the API all ask it; a page shows a form only when it says yes.
/// (Bulk lists — import, export, cross-check — additionally need `RegistryRules.mayManageLists`.)
public enum RegistryRights {
    /// The people who keep a community's registry: its grid workers and leaders, the community's
    /// command center (which also imports the police and civil-affairs lists), and administrators.
    static let keepers: Set<Role> = [.gridWorker, .gridLeader, .operator, .administrator]
    /// 信息员 (楼栋长, volunteers) help keep people, buildings, organisations and components current.
    static let helpers: Set<Role> = [.informant]
    /// Ending a record is for those who answer for the grid, not for one worker alone.
    static let closers: Set<Role> = [.gridLeader, .operator, .administrator]

    public static func roles(_ change: RegistryChange, _ record: RegistryRecord) -> Set<Role> {
        switch (record, change) {
        case (.visit, .create):
            // 走访 is field work; a visit, once recorded, is a fact of the trace: not edited, not removed.
            [.gridWorker, .gridLeader, .informant, .administrator]
        case (.visit, _):
            []
        case (.specialGroup, .close):
            // The worker who follows the person ends the follow-up with a reason, as do those above.
            closers.union([.gridWorker])
        case (_, .close):
            closers
        case (.specialGroup, _):
            // Who may see the group's kind is checked too (`RegistryRules.maySeeSpecialGroup`).
            keepers.union(helpers)
        default:
            keepers.union(helpers)
        }
    }

    public static func may(_ change: RegistryChange, _ record: RegistryRecord, roles: Set<Role>) -> Bool {
        !roles.isDisjoint(with: Self.roles(change, record))
    }

    /// May change anything in the registry at all (shows the edit links of a page).
    public static func mayChangeAnything(_ roles: Set<Role>) -> Bool {
        RegistryRecord.allCases.contains { record in RegistryChange.allCases.contains { may($0, record, roles: roles) } }
    }

    /// The refusal, in the words a user understands.
    public static func refusal(_ change: RegistryChange, _ record: RegistryRecord) -> String {
        "您的岗位不能\(change.displayName)\(record.displayName)"
    }
}

extension ImportKind {
    /// What a file of this kind creates (a people list also files households).
    public var records: [RegistryRecord] {
        switch self {
        case .people: [.person, .household]
        case .buildings: [.building]
        case .houses: [.house]
        case .organizations: [.organization]
        case .components: [.component]
        }
    }
}
