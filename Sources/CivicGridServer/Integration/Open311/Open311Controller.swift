import Fluent
import Foundation
import GridCore
import Vapor

/// Open311 GeoReport v2 at `/open311/v2/`: categories are services, cases are service requests.
/// JSON and XML both; errors as `[{code, description}]`; `jurisdiction_id` is an area code.
/// Extensions: `page`/`page_size`, `extensions=true` (channel and public activity notes) and a
/// `servicerequestupdates` feed. Cases of sensitive kinds (special groups, stability risks) are
/// never listed, and no personal data is ever included.
enum Open311Controller {
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    // MARK: Plumbing

    static func respond(_ req: Request, _ file: String, expect names: Set<String>, root: String, status: HTTPStatus = .ok,
                        _ body: (String, Open311Format) async throws -> Open311Value) async -> Response {
        let parsed = Open311Format.split(file)
        let format = parsed?.format ?? .json
        var result: (HTTPStatus, Open311Value, String)
        do {
            guard let parsed, names.isEmpty || names.contains(parsed.name) else {
                throw Open311Error(status: 404, description: "Unknown resource \(file); use a .json or .xml suffix")
            }
            result = (status, try await body(parsed.name, parsed.format), root)
        } catch let error as Open311Error {
            result = (HTTPStatus(statusCode: error.status), error.body, "errors")
        } catch let abort as any AbortError {
            // GeoReport v2 speaks 400/403/404: a refused value is a bad request.
            let code = abort.status.code >= 500 ? 500 : abort.status == .unprocessableEntity ? 400 : Int(abort.status.code)
            result = (HTTPStatus(statusCode: code), Open311Error(status: code, description: code == 500 ? "Internal error" : abort.reason).body, "errors")
        } catch {
            req.logger.error("open311 failed", metadata: ["error": .string(String(reflecting: error))])
            result = (.internalServerError, Open311Error(status: 500, description: "Internal error").body, "errors")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: format.contentType)
        let text = format == .json ? result.1.json : result.1.xml(root: result.2)
        return Response(status: result.0, headers: headers, body: .init(string: text))
    }

    /// Made once each (ISO8601DateFormatter is thread-safe and costly to create).
    nonisolated(unsafe) static let beijingISO: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    nonisolated(unsafe) static let isoParser = ISO8601DateFormatter()

    static func iso(_ date: Date?) -> Open311Value {
        guard let date else { return .null }
        return .string(beijingISO.string(from: date))
    }

    static func parseDate(_ text: String?, _ name: String) throws -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = isoParser.date(from: text) { return date }
        if let day = LocalDate(text) { return day.startInstant }
        throw Open311Error(status: 400, description: "\(name) must be a W3C datetime such as 2026-11-18T09:00:00+08:00")
    }

    /// The jurisdiction's subtree (an area code), or everything.
    static func jurisdiction(_ req: Request) async throws -> Area? {
        guard let code = req.query[String.self, at: "jurisdiction_id"], !code.isEmpty else { return nil }
        guard let area = try await Area.query(on: req.db).filter(\.$code == code).first() else {
            throw Open311Error(status: 404, description: "jurisdiction_id \(code) not found")
        }
        return area
    }

    // MARK: GET /open311/v2/{discovery|services|requests|servicerequestupdates}.{format}

    @Sendable static func index(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: ["discovery", "services", "requests", "servicerequestupdates"],
                             root: rootName(file)) { name, _ in
            switch name {
            case "discovery": return discovery(req)
            case "services": return try await services(req)
            case "requests": return try await requests(req)
            default: return try await updates(req)
            }
        }
    }

    static func rootName(_ file: String) -> String {
        switch Open311Format.split(file)?.name {
        case "discovery": "discovery"
        case "services": "services"
        case "servicerequestupdates": "service_request_updates"
        default: "service_requests"
        }
    }

    static func discovery(_ req: Request) -> Open311Value {
        let base = PortalController.publicURL(req) + SiteURL.open311(file: "").path  // never the Host header
        return .object([
            ("changeset", .string("2026-11-22T00:00:00+08:00")),
            ("contact", .string("网格化管理指挥中心 · CivicGrid")),
            ("key_service", .string("Ask the administrator of this CivicGrid installation for an api_key (管理员 › 开放接口)")),
            ("endpoints", .list(item: "endpoint", [.object([
                ("specification", .string(specification)), ("url", .string(base)), ("changeset", .string("2026-11-22T00:00:00+08:00")),
                ("type", .string("production")),
                ("formats", .list(item: "format", [.string("application/json"), .string("text/xml")])),
            ])])),
        ])
    }

    // MARK: Services

    static func sensitive(_ c: CaseCategory) -> Bool { c.stabilityRisk || c.code.hasPrefix("TS") }

    static func serviceCategories(_ db: any Database) async throws -> [CaseCategory] {
        try await CaseCategory.query(on: db).filter(\.$active == true).filter(\.$parent.$id != nil).with(\.$parent).sort(\.$code).all()
    }

    /// Utility categories ask how many households are affected; everything else needs no extra fields.
    static func attributes(_ c: CaseCategory) -> [Open311Value] {
        guard c.onSiteHours != nil else { return [] }
        return [.object([
            ("variable", .bool(true)), ("code", .string("households_affected")), ("datatype", .string("number")),
            ("required", .bool(false)), ("datatype_description", .string("受影响户数（整数）")), ("order", .number(1)),
            ("description", .string("大约有多少户受影响？")), ("values", .list(item: "value", [])),
        ])]
    }

    static func services(_ req: Request) async throws -> Open311Value {
        _ = try await jurisdiction(req)
        return .list(item: "service", try await serviceCategories(req.db).map { c in
            .object([
                ("service_code", .string(c.code)), ("service_name", .string(c.name)),
                ("description", .string("\(c.parent?.name ?? "") / \(c.name)：受理 \(c.acceptHours) 小时内，办结 \(c.resolveWorkingDays) 个工作日内")),
                ("metadata", .bool(!attributes(c).isEmpty)), ("type", .string("realtime")), ("keywords", .string(c.parent?.name ?? "")),
                ("group", .string(c.parent?.name ?? "")),
            ])
        })
    }

    @Sendable static func serviceDefinition(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: [], root: "service_definition") { code, _ in
            guard let c = try await serviceCategories(req.db).first(where: { $0.code == code }) else {
                throw Open311Error(status: 404, description: "service_code \(code) not found")
            }
            return .object([("service_code", .string(c.code)), ("attributes", .list(item: "attribute", attributes(c)))])
        }
    }

    // MARK: Requests

    static func requestValue(_ c: Case, category: CaseCategory, holder: String, expected: Date?, notes: [TimelineEntry]?, master: Case? = nil,
                             moderated: String? = nil) -> Open311Value {
        let closed = c.status == .closed || c.status == .rejected
        // A merged duplicate reports the progress of the case that is being worked for it.
        let statusNotes = master.map { m in "重复诉求，已并入 \(m.code) 办理；主事件进度：\(m.status.publicStatus(overdue: m.overdue))" }
            ?? c.status.publicStatus(overdue: c.overdue) + "（\(c.status.displayName)）"
        let published = Open311Publication.text(channel: c.channel, title: c.title, description: c.description, address: c.address,
                                                moderated: moderated, categoryName: category.name)
        var fields: [(String, Open311Value)] = [
            ("service_request_id", .string(c.code)),
            ("status", .string(closed ? "closed" : "open")),
            ("status_notes", .string(statusNotes)),
            ("service_name", .string(category.name)), ("service_code", .string(category.code)),
            ("description", .string(published.description)),
            ("agency_responsible", .string(holder)),
            ("service_notice", .string("受理 \(category.acceptHours) 小时内，办结 \(category.resolveWorkingDays) 个工作日内")),
            ("requested_datetime", iso(c.reportedAt)), ("updated_datetime", iso(c.updatedAt)), ("expected_datetime", iso(closed ? nil : expected)),
            ("address", .optional(published.address)), ("address_id", .null), ("zipcode", .null),
            ("lat", c.latitude.map { .number(Open311Publication.rounded($0)) } ?? .null),
            ("long", c.longitude.map { .number(Open311Publication.rounded($0)) } ?? .null),
            ("media_url", .null),
        ]
        if let notes {
            fields.append(("extended_attributes", .object([
                ("channel", .string(c.channel.displayName)),
                ("notes", .list(item: "note", notes.map { e in
                    .object([("datetime", iso(e.at)), ("type", .string("activity")),
                             ("summary", .string(ActionKind(rawValue: e.action)?.displayName ?? e.action))])
                })),
            ])))
        }
        return .object(fields)
    }

    /// Cases in the jurisdiction of the categories marked public (never sensitive kinds); `ids` narrows to those codes.
    static func requestQuery(_ req: Request, codes: [String]?) async throws -> (QueryBuilder<Case>, [UUID: CaseCategory]) {
        let categories = try await CaseCategory.query(on: req.db).all()
        let published = try await Open311Records.publicCategoryIDs(on: req.db)
        let allowed = categories.filter { published.contains($0.id!) && !sensitive($0) && $0.$parent.id != nil }
        let q = Case.query(on: req.db).join(Area.self, on: \Case.$grid.$id == \Area.$id).filter(\Case.$category.$id ~~ allowed.compactMap(\.id))
        if let area = try await jurisdiction(req) { q.filter(areaWithin: area.areaPath) }
        if let codes { q.filter(\Case.$code ~~ codes) }
        return (q, Dictionary(uniqueKeysWithValues: categories.map { ($0.id!, $0) }))
    }

    static func render(_ cases: [Case], categories: [UUID: CaseCategory], req: Request, extensions: Bool) async throws -> Open311Value {
        let ids = cases.compactMap(\.id)
        let open = ids.isEmpty ? [] : try await CaseDeadline.query(on: req.db).filter(\.$case.$id ~~ ids).filter(\.$metAt == nil).filter(\.$endedAt == nil).all()
        let departments = try await Department.query(on: req.db).all()
        let areas = try await Area.query(on: req.db).filter(\.$id ~~ Array(Set(cases.compactMap { $0.$holderArea.id }))).all()
        let notes = extensions && !ids.isEmpty ? try await TimelineEntry.query(on: req.db).filter(\.$case.$id ~~ ids).sort(\.$seq).all() : []
        let masterIDs = Array(Set(cases.compactMap(\.mergedIntoID)))
        let masters = masterIDs.isEmpty ? [] : try await Case.query(on: req.db).filter(\.$id ~~ masterIDs).all()
        let moderated = try await Open311Records.publications(ids, on: req.db)
        return .list(item: "request", cases.map { c in
            let holder = c.$holderDepartment.id.flatMap { id in departments.first { $0.id == id }?.name }
                ?? c.$holderArea.id.flatMap { id in areas.first { $0.id == id }.map { "\($0.name)网格化管理中心" } } ?? "网格化管理中心"
            let expected = open.filter { $0.$case.id == c.id && ($0.kind == .resolve || $0.kind == .accept) }.map(\.dueAt).max()
            return requestValue(c, category: categories[c.$category.id]!, holder: holder, expected: expected,
                                notes: extensions ? notes.filter { $0.$case.id == c.id } : nil,
                                master: c.mergedIntoID.flatMap { id in masters.first { $0.id == id } }, moderated: moderated[c.id!])
        })
    }

    static func requests(_ req: Request) async throws -> Open311Value {
        let codes = req.query[String.self, at: "service_request_id"].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let (q, categories) = try await requestQuery(req, codes: codes)
        if let services = req.query[String.self, at: "service_code"], !services.isEmpty {
            let wanted = services.split(separator: ",").map(String.init)
            q.filter(\Case.$category.$id ~~ categories.values.filter { wanted.contains($0.code) }.compactMap(\.id))
        }
        let start = try parseDate(req.query[String.self, at: "start_date"], "start_date")
        let end = try parseDate(req.query[String.self, at: "end_date"], "end_date")
        if codes == nil {
            // The specification's default window: the last 90 days.
            q.filter(\Case.$reportedAt >= start ?? req.now.addingTimeInterval(-90 * 86_400))
            if let end { q.filter(\Case.$reportedAt <= end) }
        }
        if let status = req.query[String.self, at: "status"], !status.isEmpty {
            let wanted = Set(status.lowercased().split(separator: ",").map(String.init))
            guard wanted.isSubset(of: ["open", "closed"]) else { throw Open311Error(status: 400, description: "status must be open or closed") }
            if wanted == ["open"] { q.filter(\Case.$status !~ [.closed, .rejected]) }
            if wanted == ["closed"] { q.filter(\Case.$status ~~ [.closed, .rejected]) }
        }
        let pageSize = min(1000, max(1, req.query[Int.self, at: "page_size"] ?? 1000))
        let page = max(1, req.query[Int.self, at: "page"] ?? 1)
        let cases = try await q.sort(\Case.$reportedAt, .descending).range(((page - 1) * pageSize)..<(page * pageSize)).all()
        return try await render(cases, categories: categories, req: req, extensions: req.query[String.self, at: "extensions"] == "true")
    }

    @Sendable static func request(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: [], root: "service_requests") { code, _ in
            let (q, categories) = try await requestQuery(req, codes: [code])
            guard let c = try await q.first() else { throw Open311Error(status: 404, description: "service_request_id \(code) not found") }
            return try await render([c], categories: categories, req: req, extensions: req.query[String.self, at: "extensions"] == "true")
        }
    }

    @Sendable static func token(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: [], root: "service_requests") { token, _ in
            guard let id = UUID(uuidString: token), let c = try await Case.find(id, on: req.db), c.channel == .open311 else {
                throw Open311Error(status: 404, description: "token \(token) not found")
            }
            return .list(item: "request", [.object([("service_request_id", .string(c.code)), ("token", .string(token))])])
        }
    }

    /// The update feed: one entry per public step of any listed case.
    static func updates(_ req: Request) async throws -> Open311Value {
        let (q, _) = try await requestQuery(req, codes: nil)
        let start = try parseDate(req.query[String.self, at: "start_date"], "start_date") ?? req.now.addingTimeInterval(-7 * 86_400)
        let end = try parseDate(req.query[String.self, at: "end_date"], "end_date") ?? req.now
        let cases = try await q.filter(\Case.$updatedAt >= start).all()
        let byID = Dictionary(uniqueKeysWithValues: cases.map { ($0.id!, $0) })
        let entries = byID.isEmpty ? [] : try await TimelineEntry.query(on: req.db).filter(\.$case.$id ~~ Array(byID.keys))
            .filter(\.$at >= start).filter(\.$at <= end).sort(\.$at).limit(1000).all()
        return .list(item: "request_update", entries.map { e in
            let c = byID[e.$case.id]!
            let status = CaseStatus(rawValue: e.toStatus) ?? c.status
            return .object([
                ("update_id", .string(e.id!.uuidString)), ("service_request_id", .string(c.code)),
                ("status", .string(status == .closed || status == .rejected ? "closed" : "open")),
                ("updated_datetime", iso(e.at)), ("description", .string(ActionKind(rawValue: e.action)?.displayName ?? e.action)),
            ])
        })
    }

    // MARK: POST requests

    struct PostForm: Content {
        var api_key: String?
        var service_code: String?
        var lat: String?
        var long: String?
        var address_string: String?
        var description: String?
        var first_name: String?
        var last_name: String?
        var phone: String?
        var email: String?
    }

    @Sendable static func post(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: ["requests"], root: "service_requests", status: .created) { _, _ in
            do { try await req.enforce(.open311) } catch { throw Open311Error(status: 429, description: "Too many requests; retry later") }
            let form = (try? req.content.decode(PostForm.self)) ?? PostForm()
            guard let apiKey = try await ApiKey.active(form.api_key ?? "", on: req.db) else {
                throw Open311Error(status: 403, description: "A valid api_key is required")
            }
            guard apiKey.allows(.open311) else { throw Open311Error(status: 403, description: "This api_key may not submit requests") }
            guard let code = form.service_code, !code.isEmpty else { throw Open311Error(status: 400, description: "service_code is required") }
            guard let category = try await serviceCategories(req.db).first(where: { $0.code == code }) else {
                throw Open311Error(status: 404, description: "service_code \(code) not found")
            }
            let input = try CaseService.ReportInput.open311(form, category: category,
                                                            households: req.content[String.self, at: "attribute", "households_affected"], keyName: apiKey.name)
            let actor = try await CurrentUser.load(apiKey.user, via: .api, on: req.db)
            let c = try await req.cases.report(input, by: actor, now: req.now)
            return .list(item: "request", [.object([
                ("service_request_id", .string(c.code)), ("token", .string(c.id!.uuidString)),
                ("service_notice", .string("已受理登记，受理 \(category.acceptHours) 小时内，办结 \(category.resolveWorkingDays) 个工作日内")),
                ("account_id", .null),
            ])])
        }
    }
}
