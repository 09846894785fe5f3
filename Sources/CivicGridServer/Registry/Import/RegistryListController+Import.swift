import Fluent
import Foundation
import GridCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// 数据导入: upload, validate every row, preview, commit all-or-nothing (in the background when large).
extension RegistryListController {
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
                         csv: SiteURL.importTemplate(file: "\(k.rawValue).csv").path, xlsx: SiteURL.importTemplate(file: "\(k.rawValue).xlsx").path)
            },
            areas: try await areaOptions(req, user: user, selected: nil),
            jobs: jobs.map(jobRow), error: error))
    }

    static func jobRow(_ j: ImportJob) -> JobRow {
        JobRow(href: SiteURL.importJob(j.id!).path, kind: j.kind.displayName, file: j.fileName, at: Formatting.dateTime(j.uploadedAt),
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
        try requireRights(for: kind, user)
        let area = try await req.areas.require(body.areaID, in: user.scope)
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
        return req.redirect(to: SiteURL.importJob(job.id!).path)
    }

    /// An import creates records like a form does: the same rule (`RegistryRights`), on top of the right to handle lists.
    static func requireRights(for kind: ImportKind, _ user: CurrentUser) throws {
        for record in kind.records { try RegistryService.require(.create, record, by: user) }
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
              try await req.areas.find(job.areaID, in: user.scope) != nil else {
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
        try requireRights(for: job.kind, user)
        let app = req.application
        guard let area = try await req.areas.find(job.areaID, in: user.scope) else { throw Abort(.notFound) }
        let source = try readSealed(job, req: req)
        let importer = RegistryImporter(db: req.db, app: app)
        // The registry may have changed since the upload: check again.
        let checked = try await importer.validate(source, kind: job.kind, under: area)
        guard checked.isValid else {
            job.status = .invalid; job.issues = try issuesJSON(checked.issues); job.finishedAt = req.state.clock.now()
            try await job.save(on: req.db)
            try? FileManager.default.removeItem(atPath: job.sealedPath)
            return req.redirect(to: SiteURL.importJob(job.id!).path)
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
        return req.redirect(to: SiteURL.importJob(jobID).path)
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
}
