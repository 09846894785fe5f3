import Fluent
import GridCore
import Vapor

/// 办事指南: the public, searchable service catalogue (by keyword or pinyin initials), and the
/// administrators' import of it from CSV/XLSX.
enum CatalogController {
    struct ListPage: Encodable {
        let layout: PortalController.Layout
        let query: String
        let categories: [CaseController.Option]
        let items: [Row]
        let total: Int
        let searched: Bool
    }

    struct Row: Encodable { let code: String; let name: String; let department: String; let timeLimit: String; let agentHandled: Bool }

    static let categoryOrder = ["民政", "残联", "人社", "卫健", "公安户政", "医保"]

    @Sendable static func index(req: Request) async throws -> View {
        let q = String((req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(40))
        let category = req.query[String.self, at: "category"] ?? ""
        let items = try await req.catalog.search(q, category: category)
        let known = Set(try await ServiceItem.query(on: req.db).all().map(\.category))
        let categories = categoryOrder.filter(known.contains) + known.subtracting(categoryOrder).sorted()
        return try await req.view.render("portal/services", ListPage(
            layout: PortalController.layout(req, title: "办事指南"), query: q,
            categories: categories.map { CaseController.Option(value: $0, label: $0, selected: $0 == category) },
            items: items.map { Row(code: $0.code, name: $0.name, department: $0.department, timeLimit: $0.timeLimit, agentHandled: $0.agentHandled) },
            total: items.count, searched: !q.isEmpty || !category.isEmpty))
    }

    struct DetailPage: Encodable {
        let layout: PortalController.Layout
        let item: Detail
    }

    struct Detail: Encodable {
        let code: String; let name: String; let department: String; let category: String; let conditions: String
        let materials: [String]; let steps: [String]; let timeLimit: String; let fees: String; let location: String; let agentHandled: Bool
    }

    @Sendable static func show(req: Request) async throws -> View {
        let code = try req.parameters.require("code")
        guard let item = try await ServiceItem.query(on: req.db).filter(\.$code == code).first() else {
            throw Abort(.notFound, reason: "没有这个办事事项")
        }
        return try await req.view.render("portal/service", DetailPage(layout: PortalController.layout(req, title: item.name), item: Detail(
            code: item.code, name: item.name, department: item.department, category: item.category, conditions: item.conditions,
            materials: item.materials.split(separator: "\n").map(String.init), steps: item.steps.split(separator: "\n").map(String.init),
            timeLimit: item.timeLimit, fees: item.fees, location: item.location, agentHandled: item.agentHandled)))
    }

    // MARK: Administration

    struct AdminPage: Encodable {
        let layout: PageLayout
        let total: Int
        let byCategory: [HomeController.Fact]
        let problems: [String]
        let result: String?
    }

    static func administrator(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.isAdministrator else { throw Abort(.forbidden, reason: "办事指南由管理员维护") }
        return user
    }

    static func renderAdmin(_ req: Request, problems: [String] = [], result: String? = nil) async throws -> View {
        let items = try await ServiceItem.query(on: req.db).all()
        var counts: [String: Int] = [:]
        for item in items { counts[item.category, default: 0] += 1 }
        let order = categoryOrder.filter { counts[$0] != nil } + counts.keys.filter { !categoryOrder.contains($0) }.sorted()
        return try await req.view.render("admin/services", AdminPage(
            layout: PageLayout(req, title: "办事指南维护", section: "services"), total: items.count,
            byCategory: order.map { HomeController.Fact(label: $0, value: "\(counts[$0]!) 项") }, problems: problems, result: result))
    }

    @Sendable static func admin(req: Request) async throws -> View {
        _ = try administrator(req)
        return try await renderAdmin(req)
    }

    struct Upload: Content { var file: File }

    @Sendable static func upload(req: Request) async throws -> Response {
        _ = try administrator(req)
        let upload = try req.content.decode(Upload.self)
        do {
            let rows = try Spreadsheet.read(Array(upload.file.data.readableBytesView))
            let (added, updated) = try await req.catalog.importRows(rows, at: req.now)
            return try await renderAdmin(req, result: "导入完成：新增 \(added) 项，更新 \(updated) 项").encodeResponse(for: req)
        } catch let failure as CatalogService.Failure {
            return try await renderAdmin(req, problems: failure.problems.prefix(50).map(\.description)).encodeResponse(status: .unprocessableEntity, for: req)
        } catch let problem as Spreadsheet.Problem {
            return try await renderAdmin(req, problems: [problem.description]).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    /// The whole catalogue as CSV in the import layout: edit in Excel, upload again.
    @Sendable static func export(req: Request) async throws -> Response {
        _ = try administrator(req)
        let items = try await ServiceItem.query(on: req.db).sort(\.$code).all()
        let rows = [CatalogImport.header] + items.map { i in
            [i.code, i.name, i.department, i.category, i.conditions, i.materials.replacingOccurrences(of: "\n", with: "；"),
             i.steps.replacingOccurrences(of: "\n", with: "；"), i.timeLimit, i.fees, i.location, i.agentHandled ? "是" : "否", i.keywords]
        }
        return try RegistryListController.download(Spreadsheet.write(rows, as: .csv), name: "办事指南.csv", format: .csv)
    }
}
