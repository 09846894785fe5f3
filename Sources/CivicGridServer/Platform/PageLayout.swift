import GridCore
import Vapor

/// What every page's frame shows: title, navigation for the user's roles, and the CSRF token.
struct PageLayout: Encodable {
    let title: String
    let section: String
    let csrf: String
    let user: Badge?
    let nav: [NavItem]
    let notice: String?

    struct Badge: Encodable { let name: String; let roles: String }
    struct NavItem: Encodable { let label: String; let href: String; let active: Bool }

    init(_ req: Request, title: String, section: String, notice: String? = nil) {
        self.title = title
        self.section = section
        csrf = CSRFMiddleware.token(for: req)
        self.notice = notice ?? req.query[String.self, at: "notice"].flatMap(PageLayout.notices)
        guard let current = req.auth.get(CurrentUser.self) else {
            user = nil
            nav = []
            return
        }
        user = Badge(name: current.displayName,
                     roles: current.kind == .resident ? "居民" : current.assignments.map(\.label).joined(separator: "；"))
        var items: [(String, String, String)] = [("home", "首页", SiteURL.home.path), ("cases", current.kind == .resident ? "我的诉求" : "事件", SiteURL.cases.path)]
        if current.kind == .resident { items.append(("portal", "居民服务", SiteURL.portal.path)) }
        if current.kind == .staff, !current.roles.isDisjoint(with: [.gridWorker, .gridLeader]) { items.append(("field", "手机端", SiteURL.field.path)) }
        if current.kind == .staff {
            if !current.scope.areaPaths.isEmpty { items.append(("areas", "网格层级", SiteURL.areas.path)) }
            if !current.scope.areaPaths.isEmpty { items.append(("map", "地图", SiteURL.map.path)) }
            if !current.scope.areaPaths.isEmpty && !current.roles.isDisjoint(with: [.operator, .leader, .administrator, .supervisor, .gridLeader]) {
                items.append(("stats", "统计考核", SiteURL.stats.path))
            }
            if !current.scope.areaPaths.isEmpty && RegistryRules.mayRead(current.roles) { items.append(("registry", "基础信息", SiteURL.registry.path)) }
            if TaskService.issuerArea(current) != nil { items.append(("tasks", "任务派发", SiteURL.tasks.path)) }
            if !current.scope.areaPaths.isEmpty || current.assignments.contains(where: { $0.departmentID != nil }) {
                items.append(("agent", "帮办代办", SiteURL.agentServices.path))
            }
            if current.isAdministrator { items.append(("staff", "人员岗位", SiteURL.staff.path)) }
            items.append(("departments", "职能部门", SiteURL.departments.path))
            // Lists and accountability pages for those who dispatch, supervise or administer.
            if !current.roles.isDisjoint(with: [.operator, .leader, .administrator]) {
                items.append(("categories", "分类清单", SiteURL.categories.path))
                items.append(("calendar", "工作日历", SiteURL.calendar.path))
            }
            if !current.roles.isDisjoint(with: [.operator, .leader, .administrator, .handler, .supervisor]) {
                items.append(("negative", "负面清单", SiteURL.negativeList.path))
            }
            if current.isAdministrator { items.append(("services", "办事指南", SiteURL.catalogAdmin.path)) }
            if current.isSystemAdministrator {
                items.append(("apikeys", "开放接口", SiteURL.apiKeys.path))
                items.append(("hotline", "热线对接", SiteURL.hotline.path))
                items.append(("accesslog", "访问日志", SiteURL.accessLog.path))
            }
        }
        nav = items.map { NavItem(label: $0.1, href: $0.2, active: $0.0 == section) }
    }

    /// Short confirmations after a redirect (`?notice=saved`); fixed keys so no text is injected.
    static func notices(_ key: String) -> String? {
        [
            "saved": "已保存", "created": "已创建", "moved": "已移动，下级区域的路径和编码已同步更新", "deleted": "已删除",
            "role-added": "已添加岗位", "role-removed": "已移除岗位", "password": "密码已重置", "registered": "注册成功，欢迎使用",
            "activated": "账号已启用", "deactivated": "账号已停用", "reported": "事件已上报", "done": "操作成功，已记入流转记录",
            "imported": "导入完成", "recategorized": "类别已更改，时限已按新类别重算（已用时间照算），并已按新类别查找疑似重复事件", "merged": "已并入主事件，本事件以“重复诉求”结束，进度随主事件更新",
            "boundaries": "边界已导入，新上报的事件、楼栋和部件将按新边界自动落格",
            "rated": "感谢您的评价", "withdrawn": "诉求已撤回，不再办理", "frozen": "本月考核结果已冻结", "not-ended": "该月尚未结束，月末后才能冻结", "bad-code": "查询码有误，请核对：共 10 位，不含 0、1、O、I、L",
        ][key]
    }
}
