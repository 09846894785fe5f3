/// The case classification list (事件分类清单) a new installation starts with: two levels, each
/// second-level item with its time limits and the department it usually goes to. Administrators edit it.
public enum CategoryCatalog {
    /// Categories only staff file: a resident does not report a person as 可疑人员 or under 社区矫正 / 精神障碍,
    /// nor choose 待分类. Everything else is on the resident's short list unless an administrator takes it off.
    public static let staffOnlyCodes: Set<String> = ["QT99", "ZA01", "TS04", "TS05"]

    public struct Item: Sendable, Equatable {
        public let code: String
        public let name: String
        /// nil for a first-level group.
        public let parentCode: String?
        public let policy: SLAPolicy
        public let departmentCode: String?
        /// One of the 13 kinds of social-stability risk watched separately.
        public let stabilityRisk: Bool
    }

    private static func group(_ code: String, _ name: String) -> Item {
        Item(code: code, name: name, parentCode: nil, policy: .general, departmentCode: nil, stabilityRisk: false)
    }

    private static func item(_ code: String, _ name: String, _ parent: String, _ dept: String?, _ policy: SLAPolicy = .general,
                             risk: Bool = false) -> Item {
        Item(code: code, name: name, parentCode: parent, policy: policy, departmentCode: dept, stabilityRisk: risk)
    }

    public static let standard: [Item] = [
        group("SZ", "市政设施"),
        item("SZ01", "井盖破损丢失", "SZ", "CG", SLAPolicy(resolveWorkingDays: 3)),
        item("SZ02", "路灯不亮", "SZ", "CG"),
        item("SZ03", "道路破损", "SZ", "ZJ"),
        item("SZ04", "下水道堵塞", "SZ", "CG", SLAPolicy(resolveWorkingDays: 3)),
        item("SZ05", "房屋屋檐破损", "SZ", "ZJ"),
        group("SD", "水电气"),
        item("SD01", "停水", "SD", "GS", .utilities),
        item("SD02", "水管爆裂", "SD", "GS", .utilities),
        item("SD03", "停电", "SD", "GD", .utilities),
        item("SD04", "线路故障", "SD", "GD", .utilities),
        item("SD05", "燃气泄漏", "SD", "RQ", SLAPolicy(acceptHours: 2, onSiteHours: 2, resolveWorkingDays: 1)),
        item("SD06", "停气", "SD", "RQ", .utilities),
        group("HJ", "环境卫生"),
        item("HJ01", "生活垃圾未清运", "HJ", "HW", SLAPolicy(resolveWorkingDays: 2)),
        item("HJ02", "装修垃圾乱堆", "HJ", "HW"),
        item("HJ03", "噪声扰民", "HJ", "HB"),
        item("HJ04", "油烟污染", "HJ", "HB"),
        item("HJ05", "公厕脏乱", "HJ", "HW"),
        group("SR", "市容秩序"),
        item("SR01", "占道经营", "SR", "CG"),
        item("SR02", "违章搭建", "SR", "CG"),
        item("SR03", "乱贴乱画", "SR", "CG"),
        item("SR04", "车辆乱停", "SR", "GA"),
        group("ZA", "治安隐患"),
        item("ZA01", "可疑人员", "ZA", "GA", SLAPolicy(acceptHours: 4, resolveWorkingDays: 3)),
        item("ZA02", "治安隐患", "ZA", "GA"),
        item("ZA03", "消防隐患", "ZA", "YJ", SLAPolicy(acceptHours: 4, resolveWorkingDays: 3)),
        item("ZA04", "安全生产隐患", "ZA", "YJ"),
        group("TS", "特殊人群"),
        item("TS01", "独居老人求助", "TS", "MZ", SLAPolicy(acceptHours: 4, resolveWorkingDays: 3)),
        item("TS02", "残疾人帮扶", "TS", "CL"),
        item("TS03", "留守儿童关爱", "TS", "JY"),
        item("TS04", "社区矫正人员异常", "TS", "SF", SLAPolicy(acceptHours: 4, resolveWorkingDays: 3)),
        item("TS05", "精神障碍患者异常", "TS", "WJ", SLAPolicy(acceptHours: 4, resolveWorkingDays: 3)),
        group("MS", "民生服务"),
        item("MS01", "低保救助咨询", "MS", "MZ"),
        item("MS02", "社保医保咨询", "MS", "RS"),
        item("MS03", "食品安全", "MS", "SJ"),
        item("MS04", "物业服务", "MS", "ZJ"),
        group("MD", "矛盾纠纷"),
        item("MD01", "邻里纠纷", "MD", nil),
        item("MD02", "家庭纠纷", "MD", nil),
        // The 13 kinds of social-stability risk (重点领域社会稳定风险), filed and counted separately.
        item("MD11", "劳资纠纷", "MD", "RS", risk: true),
        item("MD12", "征地拆迁", "MD", "ZJ", risk: true),
        item("MD13", "房地产开发及物业", "MD", "ZJ", risk: true),
        item("MD14", "环境保护", "MD", "HB", risk: true),
        item("MD15", "非法集资", "MD", "GA", risk: true),
        item("MD16", "涉法涉诉", "MD", "SF", risk: true),
        item("MD17", "医疗纠纷", "MD", "WJ", risk: true),
        item("MD18", "教育问题", "MD", "JY", risk: true),
        item("MD19", "企业改制", "MD", "RS", risk: true),
        item("MD20", "交通运输", "MD", "GA", risk: true),
        item("MD21", "食品药品安全", "MD", "SJ", risk: true),
        item("MD22", "安全生产", "MD", "YJ", risk: true),
        item("MD23", "退役军人权益", "MD", "MZ", risk: true),
    ]
}
