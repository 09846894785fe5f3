/// The words of the base-data registry (人、地、物、情、事、组织). Raw values are stored in the
/// database and API; display names are what the pages show.
public protocol RegistryTerm: RawRepresentable<String>, CaseIterable, Codable, Sendable, Hashable {
    var displayName: String { get }
}

extension RegistryTerm {
    /// Accepts the stored value or the Chinese display name (imports are typed by people).
    public init?(text: String) {
        let t = text.trimmedSpaces
        if let v = Self(rawValue: t) { self = v; return }
        for v in Self.allCases where v.displayName == t { self = v; return }
        return nil
    }

    public static var choices: String { allCases.map(\.displayName).joined(separator: "、") }
}

public enum Gender: String, RegistryTerm {
    case male, female
    public var displayName: String { self == .male ? "男" : "女" }
}

/// 户籍人口 / 流动人口 / 境外人员.
public enum PersonKind: String, RegistryTerm {
    case registered, migrant, overseas
    public var displayName: String {
        switch self { case .registered: "户籍人口"; case .migrant: "流动人口"; case .overseas: "境外人员" }
    }
}

/// 与户主关系.
public enum HouseholdRelation: String, RegistryTerm {
    case head, spouse, child, parent, grandchild, sibling, tenant, other
    public var displayName: String {
        switch self {
        case .head: "户主"; case .spouse: "配偶"; case .child: "子女"; case .parent: "父母"
        case .grandchild: "孙子女"; case .sibling: "兄弟姐妹"; case .tenant: "租户"; case .other: "其他"
        }
    }
}

/// 房屋用途.
public enum HouseUse: String, RegistryTerm {
    case residential, shop, office, warehouse, other
    public var displayName: String {
        switch self { case .residential: "住宅"; case .shop: "商铺"; case .office: "办公"; case .warehouse: "仓储"; case .other: "其他" }
    }
}

/// 产权性质.
public enum Ownership: String, RegistryTerm {
    case `private`, `public`, collective
    public var displayName: String {
        switch self { case .private: "私有"; case .public: "公有"; case .collective: "集体" }
    }
}

/// 居住状态: 自住 / 出租 / 空置.
public enum Occupancy: String, RegistryTerm {
    case ownerOccupied, rented, vacant
    public var displayName: String {
        switch self { case .ownerOccupied: "自住"; case .rented: "出租"; case .vacant: "空置" }
    }
    public var isOccupied: Bool { self != .vacant }
}

/// 单位 / 企业 / 社会组织 / 个体户.
public enum OrganizationKind: String, RegistryTerm {
    case enterprise, institution, socialOrganization, individualBusiness
    public var displayName: String {
        switch self {
        case .enterprise: "企业"; case .institution: "机关事业单位"; case .socialOrganization: "社会组织"; case .individualBusiness: "个体户"
        }
    }
}

/// 城市部件.
public enum ComponentKind: String, RegistryTerm {
    case manholeCover, streetLamp, hydrant, tree, camera, trashBin, other
    public var displayName: String {
        switch self {
        case .manholeCover: "井盖"; case .streetLamp: "路灯"; case .hydrant: "消防栓"; case .tree: "行道树"
        case .camera: "监控探头"; case .trashBin: "垃圾桶"; case .other: "其他部件"
        }
    }
}

public enum ComponentState: String, RegistryTerm {
    case normal, damaged, missing, underRepair
    public var displayName: String {
        switch self { case .normal: "完好"; case .damaged: "损坏"; case .missing: "丢失"; case .underRepair: "维修中" }
    }
}

/// 特殊人群, each filed with its own fields and visited at its own frequency.
public enum SpecialGroupKind: String, RegistryTerm {
    case lowIncome, fiveGuarantees, disabled, elderlyAlone, leftBehindChild, frontierVeteran
    case communityCorrection, released, mentalDisorder

    public var displayName: String {
        switch self {
        case .lowIncome: "低保户"; case .fiveGuarantees: "五保户"; case .disabled: "残疾人"; case .elderlyAlone: "独居老人"
        case .leftBehindChild: "留守儿童"; case .frontierVeteran: "支边人员"; case .communityCorrection: "社区矫正人员"
        case .released: "刑满释放人员"; case .mentalDisorder: "精神障碍患者"
        }
    }

    /// Required visit frequency, in days (独居老人 weekly, …).
    public var visitEveryDays: Int {
        switch self {
        case .elderlyAlone, .communityCorrection: 7
        case .mentalDisorder, .leftBehindChild, .fiveGuarantees: 14
        case .lowIncome, .disabled, .released, .frontierVeteran: 30
        }
    }

    public var visitFrequencyText: String {
        switch visitEveryDays { case 7: "每周"; case 14: "每两周"; default: "每月" }
    }

    /// Kinds whose details concern justice or health: only the grid team and administrators see them.
    public var isSensitive: Bool { [.communityCorrection, .released, .mentalDisorder].contains(self) }

    /// The kind's own fields, in order: key, label, allowed values (empty: free text).
    public var fields: [SpecialGroupField] {
        switch self {
        case .lowIncome: [.init("certificateNo", "低保证号"), .init("allowance", "月保障金（元）")]
        case .fiveGuarantees: [.init("careMode", "供养方式", ["集中供养", "分散供养"])]
        case .disabled: [.init("disabilityType", "残疾类别", ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]),
                         .init("disabilityGrade", "残疾等级", ["一级", "二级", "三级", "四级"]), .init("certificateNo", "残疾证号")]
        case .elderlyAlone: [.init("emergencyContact", "紧急联系人"), .init("healthStatus", "健康状况", ["良好", "一般", "较差", "失能"])]
        case .leftBehindChild: [.init("guardian", "监护人"), .init("parentsWorkplace", "父母务工地")]
        case .frontierVeteran: [.init("servedIn", "支边地区"), .init("servedYears", "支边年份")]
        case .communityCorrection: [.init("correctionType", "矫正类别", ["管制", "缓刑", "假释", "暂予监外执行"]),
                                    .init("periodEnd", "矫正期满日期"), .init("officer", "司法所负责人")]
        case .released: [.init("releasedOn", "释放日期"), .init("placement", "安置帮教情况", ["已安置", "未安置", "帮教中"])]
        case .mentalDisorder: [.init("riskLevel", "风险等级", ["0级", "1级", "2级", "3级", "4级", "5级"]), .init("guardian", "监护人")]
        }
    }
}

public struct SpecialGroupField: Sendable, Equatable {
    public let key: String
    public let label: String
    public let options: [String]
    public init(_ key: String, _ label: String, _ options: [String] = []) { self.key = key; self.label = label; self.options = options }
}

/// Who may do what with the registry. The area scope (path prefix) is enforced in SQL; these rules
/// decide by role.
public enum RegistryRules {
    /// Roles that work with the registry of their area at all (department handlers do not).
    static let readers: Set<Role> = [.gridWorker, .gridLeader, .supervisor, .mediator, .gridPolice, .patrol, .informant, .operator, .leader, .administrator]
    static let revealers: Set<Role> = [.gridWorker, .gridLeader, .gridPolice, .supervisor, .operator, .administrator]
    static let sensitiveReaders: Set<Role> = [.gridWorker, .gridLeader, .gridPolice, .supervisor, .administrator]

    public static func mayRead(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: readers) }
    /// May show an ID or phone number in full (always logged).
    public static func mayReveal(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: revealers) }
    /// May import, export and cross-check lists.
    public static func mayManageLists(_ roles: Set<Role>) -> Bool { !roles.isDisjoint(with: [.administrator, .operator, .gridLeader]) }

    /// May see who belongs to a special group and its details; others see counts only.
    public static func maySeeSpecialGroup(_ kind: SpecialGroupKind, roles: Set<Role>) -> Bool {
        if kind.isSensitive { return !roles.isDisjoint(with: sensitiveReaders) }
        return !roles.isDisjoint(with: sensitiveReaders.union([.operator, .mediator, .informant]))
    }

    /// The special groups whose members these roles may see named, listed, linked or hinted at, in
    /// catalogue order. Every page, list, export and API answer that names a member filters by this.
    public static func visibleSpecialGroups(_ roles: Set<Role>) -> [SpecialGroupKind] {
        SpecialGroupKind.allCases.filter { maySeeSpecialGroup($0, roles: roles) }
    }
}
