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
                        _ body: (String, Open311Format) async throws -> any Encodable) async -> Response {
        let parsed = Open311Format.split(file)
        let format = parsed?.format ?? .json
        var result: (HTTPStatus, any Encodable, String)
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
        do {
            return Response(status: result.0, headers: headers, body: .init(string: try format.write(result.1, root: result.2)))
        } catch {
            req.logger.error("open311 body not written", metadata: ["error": .string(String(reflecting: error))])
            return Response(status: .internalServerError)
        }
    }

    /// Made once each (ISO8601DateFormatter is thread-safe and costly to create).
    nonisolated(unsafe) static let beijingISO: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    nonisolated(unsafe) static let isoParser = ISO8601DateFormatter()

    static func iso(_ date: Date) -> String { beijingISO.string(from: date) }
    static func iso(_ date: Date?) -> String? { date.map(iso) }

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

    static func discovery(_ req: Request) -> Open311Bodies.Discovery {
        let base = PortalController.publicURL(req) + SiteURL.open311(file: "").path  // never the Host header
        let changeset = "2026-11-22T00:00:00+08:00"
        return .init(
            changeset: changeset, contact: "网格化管理指挥中心 · CivicGrid",
            key_service: "Ask the administrator of this CivicGrid installation for an api_key (管理员 › 开放接口)",
            endpoints: Open311List("endpoint", [.init(specification: specification, url: base, changeset: changeset, type: "production",
                                                      formats: Open311List("format", ["application/json", "text/xml"]))]))
    }

    // MARK: Services

    static func sensitive(_ c: CaseCategory) -> Bool { c.stabilityRisk || c.code.hasPrefix("TS") }

    static func serviceCategories(_ db: any Database) async throws -> [CaseCategory] {
        try await CaseCategory.query(on: db).filter(\.$active == true).filter(\.$parent.$id != nil).with(\.$parent).sort(\.$code).all()
    }

    /// Utility categories ask how many households are affected; everything else needs no extra fields.
    static func attributes(_ c: CaseCategory) -> [Open311Bodies.Attribute] {
        guard c.onSiteHours != nil else { return [] }
        return [.init(variable: true, code: "households_affected", datatype: "number", required: false,
                      datatype_description: "受影响户数（整数）", order: 1, description: "大约有多少户受影响？", values: Open311List("value", []))]
    }

    static func services(_ req: Request) async throws -> Open311List<Open311Bodies.Service> {
        _ = try await jurisdiction(req)
        return Open311List("service", try await serviceCategories(req.db).map { c in
            .init(service_code: c.code, service_name: c.name,
                  description: "\(c.parent?.name ?? "") / \(c.name)：受理 \(c.acceptHours) 小时内，办结 \(c.resolveWorkingDays) 个工作日内",
                  metadata: !attributes(c).isEmpty, type: "realtime", keywords: c.parent?.name ?? "", group: c.parent?.name ?? "")
        })
    }

    @Sendable static func serviceDefinition(req: Request) async throws -> Response {
        let file = try req.parameters.require("file")
        return await respond(req, file, expect: [], root: "service_definition") { code, _ in
            guard let c = try await serviceCategories(req.db).first(where: { $0.code == code }) else {
                throw Open311Error(status: 404, description: "service_code \(code) not found")
            }
            return Open311Bodies.ServiceDefinition(service_code: c.code, attributes: Open311List("attribute", attributes(c)))
        }
    }

    // MARK: Requests

    static func requestValue(_ c: Case, category: CaseCategory, holder: String, expected: Date?, notes: [TimelineEntry]?, master: Case? = nil,
                             moderated: String? = nil) -> Open311Bodies.Request {
        let closed = !c.status.isOpen
        // A merged duplicate reports the progress of the case that is being worked for it; a suspended one why it waits.
        let statusNotes = master.map { m in "重复诉求，已并入 \(m.code) 办理；主事件进度：\(m.status.publicStatus(overdue: m.overdue))" }
            ?? (c.status == .suspended ? "暂缓办理" + (c.suspendedUntil.map { "至 \(LocalDate($0))" } ?? "") + (c.suspendedReason.map { "：\($0)" } ?? "")
                : c.status.publicStatus(overdue: c.overdue) + "（\(c.status.displayName)）")
        let published = Open311Publication.text(channel: c.channel, title: c.title, description: c.description, address: c.address,
                                                moderated: moderated, categoryName: category.name)
        return .init(
            service_request_id: c.code, status: closed ? "closed" : "open", status_notes: statusNotes,
            service_name: category.name, service_code: category.code, description: published.description, agency_responsible: holder,
            service_notice: "受理 \(category.acceptHours) 小时内，办结 \(category.resolveWorkingDays) 个工作日内",
            requested_datetime: iso(c.reportedAt), updated_datetime: iso(c.updatedAt), expected_datetime: iso(closed ? nil : expected),
            address: published.address,
            lat: c.latitude.map(Open311Publication.rounded), long: c.longitude.map(Open311Publication.rounded),
            extended_attributes: notes.map { notes in
                Open311Bodies.Extended(channel: c.channel.displayName, notes: Open311List("note", notes.map { e in
                    Open311Bodies.Note(datetime: iso(e.at), type: "activity", summary: ActionKind(rawValue: e.action)?.displayName ?? e.action)
                }))
            })
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

    static func render(_ cases: [Case], categories: [UUID: CaseCategory], req: Request, extensions: Bool) async throws -> Open311List<Open311Bodies.Request> {
        let ids = cases.compactMap(\.id)
        let open = ids.isEmpty ? [] : try await CaseDeadline.query(on: req.db).filter(\.$case.$id ~~ ids).filter(\.$metAt == nil).filter(\.$endedAt == nil).all()
        let departments = try await Department.query(on: req.db).all()
        let areas = try await Area.query(on: req.db).filter(\.$id ~~ Array(Set(cases.compactMap { $0.$holderArea.id }))).all()
        let notes = extensions && !ids.isEmpty ? try await TimelineEntry.query(on: req.db).filter(\.$case.$id ~~ ids).sort(\.$seq).all() : []
        let masterIDs = Array(Set(cases.compactMap(\.mergedIntoID)))
        let masters = masterIDs.isEmpty ? [] : try await Case.query(on: req.db).filter(\.$id ~~ masterIDs).all()
        let moderated = try await Open311Records.publications(ids, on: req.db)
        return Open311List("request", cases.map { c in
            let holder = c.$holderDepartment.id.flatMap { id in departments.first { $0.id == id }?.name }
                ?? c.$holderArea.id.flatMap { id in areas.first { $0.id == id }.map { "\($0.name)网格化管理中心" } } ?? "网格化管理中心"
            let expected = open.filter { $0.$case.id == c.id && ($0.kind == .resolve || $0.kind == .accept) }.map(\.dueAt).max()
            return requestValue(c, category: categories[c.$category.id]!, holder: holder, expected: expected,
                                notes: extensions ? notes.filter { $0.$case.id == c.id } : nil,
                                master: c.mergedIntoID.flatMap { id in masters.first { $0.id == id } }, moderated: moderated[c.id!])
        })
    }

    static func requests(_ req: Request) async throws -> Open311List<Open311Bodies.Request> {
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
            return Open311List("request", [Open311Bodies.Token(service_request_id: c.code, token: token)])
        }
    }

    /// The update feed: one entry per public step of any listed case.
    static func updates(_ req: Request) async throws -> Open311List<Open311Bodies.Update> {
        let (q, _) = try await requestQuery(req, codes: nil)
        let start = try parseDate(req.query[String.self, at: "start_date"], "start_date") ?? req.now.addingTimeInterval(-7 * 86_400)
        let end = try parseDate(req.query[String.self, at: "end_date"], "end_date") ?? req.now
        let cases = try await q.filter(\Case.$updatedAt >= start).all()
        let byID = Dictionary(uniqueKeysWithValues: cases.map { ($0.id!, $0) })
        let entries = byID.isEmpty ? [] : try await TimelineEntry.query(on: req.db).filter(\.$case.$id ~~ Array(byID.keys))
            .filter(\.$at >= start).filter(\.$at <= end).sort(\.$at).limit(1000).all()
        return Open311List("request_update", entries.map { e in
            let c = byID[e.$case.id]!
            let status = CaseStatus(rawValue: e.toStatus) ?? c.status
            return Open311Bodies.Update(update_id: e.id!.uuidString, service_request_id: c.code,
                                        status: status == .closed || status == .rejected ? "closed" : "open",
                                        updated_datetime: iso(e.at), description: ActionKind(rawValue: e.action)?.displayName ?? e.action)
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
            let form = (try? req.content.decode(PostForm.self)) ?? PostForm()
            // A partner app is counted per key, after its key is checked; anonymous and bad-key posts keep the
            // strict per-address limit (so a guesser behind one address gets few tries).
            guard let apiKey = try await ApiKey.active(form.api_key ?? "", on: req.db), apiKey.allows(.open311) else {
                do { try await req.enforce(.open311) } catch { throw Open311Error(status: 429, description: "Too many requests; retry later") }
                throw Open311Error(status: 403, description: form.api_key?.isEmpty == false ? "This api_key may not submit requests (unknown, revoked or without the open311 scope)"
                                                                                             : "A valid api_key is required")
            }
            do { try await req.enforce(apiKey: apiKey) } catch { throw Open311Error(status: 429, description: "Too many requests for this api_key; retry later") }
            guard let code = form.service_code, !code.isEmpty else { throw Open311Error(status: 400, description: "service_code is required") }
            guard let category = try await serviceCategories(req.db).first(where: { $0.code == code }) else {
                throw Open311Error(status: 404, description: "service_code \(code) not found")
            }
            let input = try CaseService.ReportInput.open311(form, category: category,
                                                            households: req.content[String.self, at: "attribute", "households_affected"], keyName: apiKey.name)
            let actor = try await CurrentUser.load(apiKey.user, via: .api, on: req.db)
            let c = try await req.cases.report(input, by: actor, now: req.now)
            return Open311List("request", [Open311Bodies.Created(
                service_request_id: c.code, token: c.id!.uuidString,
                service_notice: "已受理登记，受理 \(category.acceptHours) 小时内，办结 \(category.resolveWorkingDays) 个工作日内")])
        }
    }
}
