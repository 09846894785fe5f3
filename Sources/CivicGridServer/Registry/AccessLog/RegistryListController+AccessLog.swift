import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// 访问日志: who saw whose full personal data, when and why.
extension RegistryListController {
    // MARK: Access log

    struct LogRow: Encodable { let at: String; let who: String; let subject: String; let href: String?; let field: String; let reason: String }
    struct AccessLogPage: Encodable { let layout: PageLayout; let rows: [LogRow]; let who: String; let total: Int }

    @Sendable static func accessLog(req: Request) async throws -> View {
        let user = try req.currentUser
        guard user.isSystemAdministrator else { throw Abort(.forbidden, reason: "只有系统管理员可以查看个人信息访问日志") }
        let who = (req.query[String.self, at: "who"] ?? "").trimmingCharacters(in: .whitespaces)
        var q = AccessLog.query(on: req.db)
        if !who.isEmpty {
            let ids = try await User.query(on: req.db).group(.or) { $0.filter(\.$username == who).filter(\.$displayName == who) }.all().compactMap(\.id)
            q = q.filter(\.$actorID ~~ ids)
        }
        let total = try await q.count()
        let logs = try await q.sort(\.$at, .descending).limit(300).all()
        var names: [UUID: String] = [:]
        for u in try await User.query(on: req.db).filter(\.$id ~~ Array(Set(logs.map(\.actorID)))).all() { names[u.id!] = "\(u.displayName)（\(u.username)）" }
        let fields = ["idNumber": "身份证号", "phone": "联系电话", "health": "健康状况", "export": "导出名单"]
        return try await req.view.render("admin/accesslog", AccessLogPage(
            layout: PageLayout(req, title: "个人信息访问日志", section: "accesslog"),
            rows: logs.map { l in
                LogRow(at: Formatting.dateTime(l.at), who: names[l.actorID] ?? l.actorID.uuidString,
                       subject: (l.subjectType == "user" ? "工作人员 " : l.subjectType == "export" ? "" : "居民 ") + (l.subjectLabel ?? ""),
                       href: UUID(uuidString: l.subjectID).flatMap { id in l.subjectType == "person" ? SiteURL.person(id).path : l.subjectType == "user" ? SiteURL.staffMember(id).path : nil },
                       field: fields[l.field] ?? l.field, reason: l.reason ?? "—")
            }, who: who, total: total))
    }
}
