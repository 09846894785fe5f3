import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// 比对核查: another agency's list against an area, item by item.
extension RegistryListController {
    // MARK: Cross-check

    struct RunRow: Encodable { let href: String; let source: String; let area: String; let at: String; let theirs: Int; let ours: Int }
    struct CrossCheckPage: Encodable { let layout: PageLayout; let areas: [Option]; let runs: [RunRow]; let error: String?; let issues: [ImportIssueRow] }

    @Sendable static func crossCheckPage(req: Request) async throws -> View {
        let user = try manager(req)
        return try await renderCrossCheck(req, user: user, error: nil, issues: [])
    }

    static func renderCrossCheck(_ req: Request, user: CurrentUser, error: String?, issues: [ImportIssue]) async throws -> View {
        let runs = try await CrossCheckRun.query(on: req.db).filter(\.$uploadedBy == user.id).sort(\.$at, .descending).limit(20).all()
        var names: [Int: String] = [:]
        for a in try await Area.query(on: req.db).filter(\.$id ~~ runs.map(\.areaID)).all() { names[a.id!] = a.name }
        return try await req.view.render("registry/crosscheck", CrossCheckPage(
            layout: PageLayout(req, title: "数据比对", section: "registry"), areas: try await areaOptions(req, user: user, selected: nil),
            runs: runs.map { RunRow(href: SiteURL.crossCheckRun($0.id!).path, source: $0.source, area: names[$0.areaID] ?? "", at: Formatting.dateTime($0.at), theirs: $0.theirCount, ours: $0.ourCount) },
            error: error, issues: issues.map { ImportIssueRow(row: $0.row, column: $0.column, reason: $0.reason) }))
    }

    struct CrossCheckBody: Content { let source: String; let areaID: Int; let file: File }

    @Sendable static func runCrossCheck(req: Request) async throws -> Response {
        let user = try manager(req)
        guard let body = try? req.content.decode(CrossCheckBody.self), !body.file.data.readableBytesView.isEmpty else {
            return try await renderCrossCheck(req, user: user, error: "请填写来源、选择比对范围并上传文件", issues: []).encodeResponse(status: .unprocessableEntity, for: req)
        }
        let area = try await req.areas.require(body.areaID, in: user.scope)
        let source = nonEmpty(body.source).map { String($0.prefix(60)) } ?? "外部名单"
        do {
            let table = try Spreadsheet.read(Array(body.file.data.readableBytesView))
            let run = try await req.crossChecks.run(source: source, table: table, area: area, by: user)
            return req.redirect(to: SiteURL.crossCheckRun(run.id!).path)
        } catch let problem as Spreadsheet.Problem {
            return try await renderCrossCheck(req, user: user, error: problem.description, issues: []).encodeResponse(status: .unprocessableEntity, for: req)
        } catch let problem as CrossCheckService.Problem {
            return try await renderCrossCheck(req, user: user, error: problem.description, issues: problem.issues).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    struct ItemRow: Encodable { let id: String; let kind: String; let kindKey: String; let name: String; let id4: String; let field: String; let ours: String; let theirs: String; let decision: String; let open: Bool; let personHref: String? }
    struct RunPage: Encodable {
        let layout: PageLayout
        let id: String
        let source: String
        let area: String
        let at: String
        let counts: [Option]
        let items: [ItemRow]
        let grids: [Option]
        let filter: String
    }

    static func requireRun(_ req: Request, id: UUID, user: CurrentUser) async throws -> CrossCheckRun {
        guard let run = try await CrossCheckRun.find(id, on: req.db),
              try await req.areas.find(run.areaID, in: user.scope) != nil else { throw Abort(.notFound, reason: "比对记录不存在") }
        return run
    }

    @Sendable static func crossCheckRun(req: Request) async throws -> View {
        let user = try manager(req)
        let run = try await requireRun(req, id: try req.parameters.require("id", as: UUID.self), user: user)
        let filter = req.query[String.self, at: "kind"] ?? ""
        var q = CrossCheckItem.query(on: req.db).filter(\.$checkID == run.id!)
        if let k = CrossCheckItem.Kind(rawValue: filter) { q = q.filter(\.$kind == k) }
        let items = try await q.sort(\.$decision, .descending).sort(\.$kind).sort(\.$name).limit(500).all()
        var counts: [Option] = []
        for k in [CrossCheckItem.Kind.onlyTheirs, .onlyOurs, .mismatch] {
            let n = try await CrossCheckItem.query(on: req.db).filter(\.$checkID == run.id!).filter(\.$kind == k).count()
            counts.append(Option(value: k.rawValue, label: "\(k.displayName) \(n)", selected: k.rawValue == filter))
        }
        let area = try await Area.find(run.areaID, on: req.db)
        let grids = try await req.registry.grids(for: user).filter { $0.path.hasPrefix(area?.path ?? "") }
        return try await req.view.render("registry/crosscheck_run", RunPage(
            layout: PageLayout(req, title: "数据比对：\(run.source)", section: "registry"), id: run.id!.uuidString, source: run.source,
            area: area?.name ?? "", at: Formatting.dateTime(run.at), counts: counts,
            items: items.map { i in
                ItemRow(id: i.id!.uuidString, kind: i.kind.displayName, kindKey: i.kind.rawValue, name: i.name, id4: "****" + i.idTail,
                        field: i.field?.displayName ?? "", ours: i.ours ?? "—", theirs: i.theirs ?? "—", decision: i.decision.displayName,
                        open: i.decision == .open, personHref: i.personID.map { SiteURL.person($0).path })
            },
            grids: grids.map { Option(value: String($0.id!), label: $0.name, selected: false) }, filter: filter))
    }

    struct DecideBody: Content { let decision: String; let gridID: Int? }

    @Sendable static func decide(req: Request) async throws -> Response {
        let user = try manager(req)
        guard let item = try await CrossCheckItem.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound) }
        let run = try await requireRun(req, id: item.checkID, user: user)
        let body = try req.content.decode(DecideBody.self)
        do {
            try await req.crossChecks.decide(item, accept: body.decision == "accept", gridID: body.gridID, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            throw Abort(error.status, reason: error.reason)
        }
        return req.redirect(to: SiteURL.crossCheckRun(run.id!).path(["notice": "done"]))
    }
}
