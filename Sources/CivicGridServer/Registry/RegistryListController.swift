import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import Vapor

/// Lists in and out of the registry: imports (validate, then commit all-or-nothing), templates,
/// exports, cross-checks against another agency's list, the coverage report, and the access log.
enum RegistryListController {
    typealias Option = RegistryController.Option
    typealias Link = RegistryController.Link

    static func manager(_ req: Request) throws -> CurrentUser {
        let user = try req.currentUser
        guard user.kind == .staff, RegistryRules.mayManageLists(user.roles) else {
            throw Abort(.forbidden, reason: "只有管理员、指挥中心坐席和网格长可以导入、导出和比对数据")
        }
        return user
    }

    /// Areas in scope a list can be attached to (district down to grid), for pickers.
    static func areaOptions(_ req: Request, user: CurrentUser, selected: Int?) async throws -> [Option] {
        let areas = try await Area.query(on: req.db).within(user.scope).filter(\.$level != .microGrid).sort(\.$path).limit(2000).all()
        return areas.map { a in
            let depth = max(0, (AreaPath(a.path)?.depth ?? 1) - 1)
            return Option(value: String(a.id!), label: String(repeating: "　", count: depth) + "\(a.name)（\(a.code)）", selected: a.id == selected)
        }
    }

    // MARK: Import

    struct ColumnHelp: Encodable { let header: String; let required: Bool; let hint: String }
    struct KindHelp: Encodable { let value: String; let label: String; let columns: [ColumnHelp]; let csv: String; let xlsx: String }
    struct JobRow: Encodable { let href: String; let kind: String; let file: String; let at: String; let status: String; let rows: Int; let ok: Bool }
    struct ImportPage: Encodable { let layout: PageLayout; let kinds: [KindHelp]; let areas: [Option]; let jobs: [JobRow]; let error: String? }

    @Sendable static func importPage(req: Request) async throws -> View {
        let user = try manager(req)
        return try await renderImportPage(req, user: user, error: nil)
    }

    static func renderImportPage(_ req: Request, user: CurrentUser, error: String?) async throws -> View {
        let jobs = try await ImportJob.query(on: req.db).filter(\.$uploadedBy == user.id).sort(\.$uploadedAt, .descending).limit(20).all()
        return try await req.view.render("registry/import", ImportPage(
            layout: PageLayout(req, title: "数据导入", section: "registry"),
            kinds: ImportKind.allCases.map { k in
                KindHelp(value: k.rawValue, label: k.displayName,
                         columns: k.columns.map { ColumnHelp(header: $0.header, required: $0.required, hint: $0.hint) },
                         csv: "/registry/templates/\(k.rawValue).csv", xlsx: "/registry/templates/\(k.rawValue).xlsx")
            },
            areas: try await areaOptions(req, user: user, selected: nil),
            jobs: jobs.map(jobRow), error: error))
    }

    static func jobRow(_ j: ImportJob) -> JobRow {
        JobRow(href: "/registry/import/\(j.id!)", kind: j.kind.displayName, file: j.fileName, at: Formatting.dateTime(j.uploadedAt),
               status: j.status.displayName, rows: j.rowCount, ok: j.status == .committed)
    }

    struct UploadBody: Content { let kind: String; let areaID: Int; let file: File }

    @Sendable static func upload(req: Request) async throws -> Response {
        let user = try manager(req)
        let body: UploadBody
        do { body = try req.content.decode(UploadBody.self) } catch {
            return try await renderImportPage(req, user: user, error: "请选择数据类型、导入范围和文件").encodeResponse(status: .unprocessableEntity, for: req)
        }
        guard let kind = ImportKind(rawValue: body.kind) else { throw Abort(.badRequest, reason: "未知的数据类型") }
        let area = try await AreaService(db: req.db, levels: req.state.levels).require(body.areaID, in: user.scope)
        let bytes = Array(body.file.data.readableBytesView)
        guard !bytes.isEmpty else {
            return try await renderImportPage(req, user: user, error: "文件是空的").encodeResponse(status: .unprocessableEntity, for: req)
        }
        let job = ImportJob()
        job.id = UUID(); job.kind = kind; job.fileName = String(body.file.filename.suffix(120)); job.areaID = area.id!
        job.uploadedBy = user.id; job.uploadedAt = req.state.clock.now(); job.sealedPath = ""
        do {
            let checked = try await RegistryImporter(db: req.db, app: req.application).validate(try ImportSource(bytes: bytes), kind: kind, under: area)
            job.rowCount = checked.rows
            job.status = checked.isValid ? .validated : .invalid
            job.issues = try issuesJSON(checked.issues)
            if checked.isValid { job.sealedPath = try storeSealed(bytes, id: job.id!, req: req) }
            // Numbers registered outside the area are not named (finding 7), but the attempt is logged.
            let outside = checked.issues.filter { $0.reason == RegistryService.clashOutsideReason }.count
            if outside > 0 {
                try await AccessLog(actorID: user.id, subjectType: "import", subjectID: job.id!.uuidString, field: "idNumberClash", at: req.now,
                                    reason: "导入文件中 \(outside) 个身份证号已在“\(area.name)”范围外登记", subjectLabel: job.fileName).create(on: req.db)
            }
        } catch let problem as Spreadsheet.Problem {
            job.rowCount = 0; job.status = .invalid; job.issues = try issuesJSON([ImportIssue(row: 1, column: "文件", reason: problem.description)])
        }
        try await job.create(on: req.db)
        return req.redirect(to: "/registry/import/\(job.id!)")
    }

    static func issuesJSON(_ issues: [ImportIssue]) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(issues.prefix(200).map { ImportIssueRow(row: $0.row, column: $0.column, reason: $0.reason) }), as: UTF8.self)
    }

    /// The file waiting for confirmation, encrypted (it holds ID numbers), under the upload directory.
    static func storeSealed(_ bytes: [UInt8], id: UUID, req: Request) throws -> String {
        let dir = req.state.config.uploadDirectory + "/imports"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/\(id.uuidString).sealed"
        try req.state.cipher.sealData(Data(bytes)).write(to: URL(fileURLWithPath: path))
        return path
    }

    struct JobPage: Encodable {
        let layout: PageLayout
        let id: String
        let kind: String
        let file: String
        let area: String
        let status: String
        let statusKey: String
        let rows: Int
        let issues: [ImportIssueRow]
        let moreIssues: Bool
        let preview: [[String]]
        let header: [String]
        let canCommit: Bool
        let running: Bool
        let done: Int
        let message: String?
    }

    @Sendable static func job(req: Request) async throws -> View {
        let user = try manager(req)
        let job = try await requireJob(req, user: user)
        var preview: [[String]] = [], header: [String] = []
        if job.status == .validated, let source = try? readSealed(job, req: req), let table = try? source.prefix(21) {
            header = job.kind.templateHeader
            let outcome = RegistryImport.validate(table, kind: job.kind)
            let cipherless = outcome.rows.map { row in job.kind.columns.map { c -> String in
                guard let v = row[c.key] else { return "" }
                switch v {
                case .identity(let id): return id.masked
                case .phone(let p): return PhoneNumber.mask(p)
                case .term(let raw): return termName(raw) ?? raw
                default: return v.text ?? ""
                }
            } }
            preview = cipherless
        }
        let area = try await Area.find(job.areaID, on: req.db)
        let issues = job.issueList
        return try await req.view.render("registry/import_job", JobPage(
            layout: PageLayout(req, title: "导入：\(job.fileName)", section: "registry"), id: job.id!.uuidString, kind: job.kind.displayName,
            file: job.fileName, area: area?.name ?? "", status: job.status.displayName, statusKey: job.status.rawValue, rows: job.rowCount,
            issues: issues, moreIssues: issues.count >= 200, preview: preview, header: header, canCommit: job.status == .validated,
            running: job.status == .running, done: req.application.importProgress.done(job.id!), message: job.message))
    }

    static func termName(_ raw: String) -> String? {
        let all: [any RegistryTerm.Type] = [PersonKind.self, HouseholdRelation.self, HouseUse.self, Ownership.self, Occupancy.self,
                                            OrganizationKind.self, ComponentKind.self, ComponentState.self]
        for t in all { if let name = displayName(t, raw) { return name } }
        return nil
    }
    private static func displayName<T: RegistryTerm>(_ t: T.Type, _ raw: String) -> String? { T(rawValue: raw)?.displayName }

    static func requireJob(_ req: Request, user: CurrentUser) async throws -> ImportJob {
        guard let job = try await ImportJob.find(try req.parameters.require("id", as: UUID.self), on: req.db), job.uploadedBy == user.id || user.isAdministrator,
              try await AreaService(db: req.db, levels: req.state.levels).find(job.areaID, in: user.scope) != nil else {
            throw Abort(.notFound, reason: "导入任务不存在")
        }
        return job
    }

    static func readSealed(_ job: ImportJob, req: Request) throws -> ImportSource {
        let sealed = try Data(contentsOf: URL(fileURLWithPath: job.sealedPath))
        return try ImportSource(bytes: Array(try req.state.cipher.openData(sealed)))
    }

    /// Rows above this are committed in the background with a progress bar.
    static let inlineCommitLimit = 5_000

    @Sendable static func commit(req: Request) async throws -> Response {
        let user = try manager(req)
        let job = try await requireJob(req, user: user)
        guard job.status == .validated else { throw Abort(.conflict, reason: "该导入任务已处理（\(job.status.displayName)）") }
        let app = req.application
        guard let area = try await AreaService(db: req.db, levels: req.state.levels).find(job.areaID, in: user.scope) else { throw Abort(.notFound) }
        let source = try readSealed(job, req: req)
        let importer = RegistryImporter(db: req.db, app: app)
        // The registry may have changed since the upload: check again.
        let checked = try await importer.validate(source, kind: job.kind, under: area)
        guard checked.isValid else {
            job.status = .invalid; job.issues = try issuesJSON(checked.issues); job.finishedAt = req.state.clock.now()
            try await job.save(on: req.db)
            try? FileManager.default.removeItem(atPath: job.sealedPath)
            return req.redirect(to: "/registry/import/\(job.id!)")
        }
        let jobID = job.id!
        let run: @Sendable () async -> Void = {
            let db = app.db
            do {
                let n = try await RegistryImporter(db: db, app: app).commit(checked, under: area, actorID: user.id, actorName: user.displayName) {
                    app.importProgress.set(jobID, done: $0)
                }
                job.status = .committed; job.message = "已导入 \(n) 条\(job.kind.displayName)记录"
            } catch {
                job.status = .failed; job.message = "导入失败，未写入任何数据：\(String(describing: error).prefix(200))"
                app.logger.report(error: error)
            }
            job.finishedAt = app.state.clock.now()
            try? await job.save(on: db)
            try? FileManager.default.removeItem(atPath: job.sealedPath)
            app.importProgress.clear(jobID)
        }
        if checked.rows <= inlineCommitLimit {
            await run()
        } else {
            job.status = .running
            try await job.save(on: req.db)
            app.importProgress.set(jobID, done: 0)
            Task.detached { await run() }
        }
        return req.redirect(to: "/registry/import/\(jobID)")
    }

    struct Progress: Content { let status: String; let done: Int; let total: Int; let message: String? }

    @Sendable static func progress(req: Request) async throws -> Progress {
        let user = try manager(req)
        let job = try await requireJob(req, user: user)
        return Progress(status: job.status.rawValue, done: req.application.importProgress.done(job.id!), total: job.rowCount, message: job.message)
    }

    @Sendable static func template(req: Request) async throws -> Response {
        _ = try manager(req)
        let file = try req.parameters.require("file")
        guard let dot = file.lastIndex(of: "."), let kind = ImportKind(rawValue: String(file[..<dot])),
              let format = Spreadsheet.Format(rawValue: String(file[file.index(after: dot)...])) else { throw Abort(.notFound) }
        return try download(Spreadsheet.write([kind.templateHeader], as: format), name: "\(kind.displayName)导入模板.\(format.rawValue)", format: format)
    }

    static func download(_ data: Data, name: String, format: Spreadsheet.Format) throws -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: format == .csv ? "text" : "application",
                                                     subType: format == .csv ? "csv" : "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                                     parameters: format == .csv ? ["charset": "utf-8"] : [:])
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "export"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"export.\(format.rawValue)\"; filename*=UTF-8''\(encoded)")
        return response
    }

    // MARK: Export

    static let exportLimit = 200_000

    /// Any list as CSV or XLSX, scoped, with ID numbers and phones masked.
    @Sendable static func export(req: Request) async throws -> Response {
        let user = try manager(req)
        let file = try req.parameters.require("file")
        guard let dot = file.lastIndex(of: "."), let kind = ImportKind(rawValue: String(file[..<dot])),
              let format = Spreadsheet.Format(rawValue: String(file[file.index(after: dot)...])) else { throw Abort(.notFound) }
        let purpose = (req.query[String.self, at: "purpose"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if kind.holdsPersonalData, !(2...100).contains(purpose.count) {
            throw Abort(.unprocessableEntity, reason: "导出\(kind.displayName)名单含个人信息，请填写导出用途（2–100 字），导出将记入访问日志")
        }
        let registry = RegistryService(db: req.db, app: req.application)
        let gridID = req.query[Int.self, at: "grid"]
        let grids = Dictionary(try await registry.grids(for: user).map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        func code(_ id: Int) -> String { grids[id]?.code ?? "" }
        var rows: [[String]] = [kind.templateHeader]
        switch kind {
        case .people:
            var q = registry.people(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            let people = try await q.sort(\.$gridID).sort(\.$name).limit(exportLimit).with(\.$household).all()
            rows += people.map { p in
                [code(p.gridID), p.name, registry.maskedID(p), registry.maskedPhone(p) ?? "", p.kind.displayName, p.household?.number ?? "",
                 p.relation?.displayName ?? "", "", "", p.employment ?? "", p.tags]
            }
        case .buildings:
            var q = registry.buildings(user)
            if let gridID { q = q.filter(\.$grid.$id == gridID) }
            rows += try await q.sort(\.$name).limit(exportLimit).all().map { b in
                [code(b.$grid.id), b.name, b.address, b.longitude.map { String($0) } ?? "", b.latitude.map { String($0) } ?? "", String(b.floors), String(b.units)]
            }
        case .houses:
            var q = RegistryService.scoped(House.query(on: req.db).join(Area.self, on: \House.$gridID == \Area.$id), user.scope)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.with(\.$building).limit(exportLimit).all().map { h in
                [code(h.gridID), h.building.name, h.number, h.areaSquareMetres.map { String($0) } ?? "", h.use.displayName, h.ownership?.displayName ?? "", h.occupancy.displayName]
            }
        case .organizations:
            var q = registry.organizations(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.sort(\.$name).limit(exportLimit).all().map { o in
                [code(o.gridID), o.name, o.kind.displayName, o.creditCode, o.address, o.contactName ?? "",
                 o.contactPhoneSealed.flatMap { try? req.state.cipher.open($0) }.map(PhoneNumber.mask) ?? "", o.employees.map(String.init) ?? ""]
            }
        case .components:
            var q = registry.components(user)
            if let gridID { q = q.filter(\.$gridID == gridID) }
            rows += try await q.sort(\.$code).limit(exportLimit).all().map { c in
                [code(c.gridID), c.kind.displayName, c.code, String(c.longitude), String(c.latitude), c.state.displayName, c.note ?? ""]
            }
        }
        let scopeName = gridID.flatMap { grids[$0]?.name } ?? "辖区"
        if kind.holdsPersonalData {
            // PIPL: a list of people leaves the system only for a stated purpose, and the export is on record.
            try await AccessLog(actorID: user.id, subjectType: "export", subjectID: kind.rawValue, field: "export", at: req.now,
                                reason: purpose, subjectLabel: "\(scopeName)\(kind.displayName) \(rows.count - 1) 条").create(on: req.db)
        }
        return try download(Spreadsheet.write(rows, as: format), name: "\(scopeName)\(kind.displayName).\(format.rawValue)", format: format)
    }

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
            runs: runs.map { RunRow(href: "/registry/crosscheck/\($0.id!)", source: $0.source, area: names[$0.areaID] ?? "", at: Formatting.dateTime($0.at), theirs: $0.theirCount, ours: $0.ourCount) },
            error: error, issues: issues.map { ImportIssueRow(row: $0.row, column: $0.column, reason: $0.reason) }))
    }

    struct CrossCheckBody: Content { let source: String; let areaID: Int; let file: File }

    @Sendable static func runCrossCheck(req: Request) async throws -> Response {
        let user = try manager(req)
        guard let body = try? req.content.decode(CrossCheckBody.self), !body.file.data.readableBytesView.isEmpty else {
            return try await renderCrossCheck(req, user: user, error: "请填写来源、选择比对范围并上传文件", issues: []).encodeResponse(status: .unprocessableEntity, for: req)
        }
        let area = try await AreaService(db: req.db, levels: req.state.levels).require(body.areaID, in: user.scope)
        let source = nonEmpty(body.source).map { String($0.prefix(60)) } ?? "外部名单"
        do {
            let table = try Spreadsheet.read(Array(body.file.data.readableBytesView))
            let run = try await CrossCheckService(db: req.db, app: req.application).run(source: source, table: table, area: area, by: user)
            return req.redirect(to: "/registry/crosscheck/\(run.id!)")
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
              try await AreaService(db: req.db, levels: req.state.levels).find(run.areaID, in: user.scope) != nil else { throw Abort(.notFound, reason: "比对记录不存在") }
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
        let grids = try await RegistryService(db: req.db, app: req.application).grids(for: user).filter { $0.path.hasPrefix(area?.path ?? "") }
        return try await req.view.render("registry/crosscheck_run", RunPage(
            layout: PageLayout(req, title: "数据比对：\(run.source)", section: "registry"), id: run.id!.uuidString, source: run.source,
            area: area?.name ?? "", at: Formatting.dateTime(run.at), counts: counts,
            items: items.map { i in
                ItemRow(id: i.id!.uuidString, kind: i.kind.displayName, kindKey: i.kind.rawValue, name: i.name, id4: "****" + i.idTail,
                        field: i.field?.displayName ?? "", ours: i.ours ?? "—", theirs: i.theirs ?? "—", decision: i.decision.displayName,
                        open: i.decision == .open, personHref: i.personID.map { "/registry/people/\($0)" })
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
            try await CrossCheckService(db: req.db, app: req.application).decide(item, accept: body.decision == "accept", gridID: body.gridID, by: user)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            throw Abort(error.status, reason: error.reason)
        }
        return req.redirect(to: "/registry/crosscheck/\(run.id!)?notice=done")
    }

    // MARK: Coverage

    struct Section: Encodable { let key: String; let title: String; let rule: String; let count: Int; let lines: [Link]; let ok: Bool; let more: Bool }
    struct CoveragePage: Encodable { let layout: PageLayout; let areas: [Option]; let area: String; let sections: [Section]; let holes: Int }

    @Sendable static func coverage(req: Request) async throws -> View {
        let user = try RegistryController.reader(req)
        let areas = AreaService(db: req.db, levels: req.state.levels)
        let area = try await areas.chosen(req.query[Int.self, at: "area"], in: user.scope)
        let sections = try await CoverageService(db: req.db, app: req.application).report(for: area, today: LocalDate(req.state.clock.now()), visibility: SpecialGroupVisibility(user))
        return try await req.view.render("registry/coverage", CoveragePage(
            layout: PageLayout(req, title: "覆盖检查", section: "registry"), areas: try await areaOptions(req, user: user, selected: area.id),
            area: area.name,
            sections: sections.map { Section(key: $0.key, title: $0.title, rule: $0.rule, count: $0.count, lines: $0.lines.map { Link(label: $0.text, href: $0.href) },
                                             ok: $0.count == 0, more: $0.count > $0.lines.count) },
            holes: sections.reduce(0) { $0 + $1.count }))
    }

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
                       href: l.subjectType == "person" ? "/registry/people/\(l.subjectID)" : l.subjectType == "user" ? "/staff/\(l.subjectID)" : nil,
                       field: fields[l.field] ?? l.field, reason: l.reason ?? "—")
            }, who: who, total: total))
    }

    // MARK: API

    struct APIPerson: Content { let id: UUID; let name: String; let idNumberMasked: String; let phoneMasked: String?; let gender: String; let birthYear: Int?; let kind: String; let gridID: Int; let householdID: UUID? }

    @Sendable static func apiPeople(req: Request) async throws -> [APIPerson] {
        let user = try RegistryController.reader(req)
        let q = req.query[String.self, at: "q"] ?? ""
        guard !q.trimmingCharacters(in: .whitespaces).isEmpty else { throw Abort(.badRequest, reason: "请提供查询条件 q（姓名、身份证号或其后四位、手机号或其后四位）") }
        let registry = RegistryService(db: req.db, app: req.application)
        return try await registry.search(q, for: user).people.map { p in
            APIPerson(id: p.id!, name: p.name, idNumberMasked: registry.maskedID(p), phoneMasked: registry.maskedPhone(p), gender: p.gender.rawValue,
                      birthYear: p.birthYear, kind: p.kind.rawValue, gridID: p.gridID, householdID: p.$household.id)
        }
    }
}

/// Rows written so far by background imports, for the progress bar.
final class ImportProgressBoard: Sendable {
    private let state = NIOLockedValueBox<[UUID: Int]>([:])
    func set(_ id: UUID, done: Int) { state.withLockedValue { $0[id] = done } }
    func done(_ id: UUID) -> Int { state.withLockedValue { $0[id] ?? 0 } }
    func clear(_ id: UUID) { state.withLockedValue { _ = $0.removeValue(forKey: id) } }
}

extension Application {
    private struct ImportProgressKey: StorageKey { typealias Value = ImportProgressBoard }
    var importProgress: ImportProgressBoard {
        if let board = storage[ImportProgressKey.self] { return board }
        let board = ImportProgressBoard()
        storage[ImportProgressKey.self] = board
        return board
    }
}
