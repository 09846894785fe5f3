/// What a staff member does, held on an area (its subtree is the scope) or in a department.
public enum Role: String, CaseIterable, Codable, Sendable {
    case gridWorker, gridLeader, supervisor, mediator, gridPolice, patrol, informant
    case `operator`, handler, leader, administrator

    public var displayName: String {
        switch self {
        case .gridWorker: "网格员"
        case .gridLeader: "网格长"
        case .supervisor: "督导员"
        case .mediator: "调解员"
        case .gridPolice: "网格警员"
        case .patrol: "巡防员"
        case .informant: "网格信息员"
        case .operator: "指挥中心坐席"
        case .handler: "部门承办人"
        case .leader: "领导"
        case .administrator: "管理员"
        }
    }

    /// Department handlers belong to a department; every other role is held on an area.
    public var isDepartmentRole: Bool { self == .handler }

    /// The levels this role may be held on. Grid team roles sit on a grid (or a micro-grid);
    /// a grid leader is usually the community Party secretary, so also on a community;
    /// command centers exist at community, street and district level.
    public var allowedLevels: Set<AreaLevel> {
        switch self {
        case .gridWorker, .informant: [.grid, .microGrid]
        case .gridLeader: [.grid, .community]
        case .supervisor, .mediator, .gridPolice, .patrol: [.grid, .community]
        case .operator: [.community, .street, .district]
        case .leader: Set(AreaLevel.allCases)
        case .administrator: Set(AreaLevel.allCases)
        case .handler: []
        }
    }

    /// What this role does next, shown on its home page.
    public var duty: String {
        switch self {
        case .gridWorker: "巡查网格、入户走访、采集更新基础信息、上报并现场处置事件"
        case .gridLeader: "审核网格员不能现场处置的事项，批准后逐级上报"
        case .supervisor: "督导网格工作，检查走访和巡查质量"
        case .mediator: "调解邻里、劳资等矛盾纠纷"
        case .gridPolice: "协同网格员排查治安隐患"
        case .patrol: "日常巡防，发现问题及时报告"
        case .informant: "收集社情民意，及时报送信息"
        case .operator: "24 小时内受理事件，分类交办、催办督办、结案销号"
        case .handler: "签收交办事项，按期办理并反馈结果"
        case .leader: "查看辖区态势、排名和考核"
        case .administrator: "维护网格层级、人员岗位、部门职责清单"
        }
    }
}

/// 专职 / 兼职, for grid workers.
public enum Employment: String, CaseIterable, Codable, Sendable {
    case fullTime, partTime
    public var displayName: String { self == .fullTime ? "专职" : "兼职" }
}

/// Why a role assignment was refused.
public enum RoleAssignmentViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case areaRequired(Role)
    case departmentRequired
    case wrongLevel(Role, AreaLevel)
    case employmentOnlyForGridWorkers

    public var description: String {
        switch self {
        case .areaRequired(let role): "“\(role.displayName)”岗位必须指定所在区域"
        case .departmentRequired: "部门承办人必须指定所属部门"
        case .wrongLevel(let role, let level): "“\(role.displayName)”不能设在“\(level.defaultName)”一级"
        case .employmentOnlyForGridWorkers: "只有网格员区分专职/兼职"
        }
    }
}

public enum RoleRules {
    /// Checks that a role fits where it is held.
    public static func check(role: Role, areaLevel: AreaLevel?, hasDepartment: Bool, employment: Employment?) throws(RoleAssignmentViolation) {
        if role.isDepartmentRole {
            guard hasDepartment else { throw .departmentRequired }
        } else {
            guard let areaLevel else { throw .areaRequired(role) }
            guard role.allowedLevels.contains(areaLevel) else { throw .wrongLevel(role, areaLevel) }
        }
        if employment != nil && role != .gridWorker { throw .employmentOnlyForGridWorkers }
    }
}

extension Set where Element == Role {
    /// The command center's desk (坐席, or an administrator): who speaks to residents — reads a case's
    /// 查询码 out on the phone, writes what Open311 publishes of a resident's report.
    public var speaksForCommandCenter: Bool { !isDisjoint(with: [.operator, .administrator]) }
}
