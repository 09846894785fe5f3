import Foundation
import Vapor

/// Every page and API path, in one place. The same case registers a route (`routes.get(.caseDetail(.placeholder))`),
/// builds a link or a redirect in Swift (`SiteURL.caseDetail(id).path`) and in a template (`#url("caseDetail", c.id)`),
/// so a link cannot point at a path nobody serves: `SiteURLTests` checks every case is registered and every
/// template's `#url` names a case with the right number of values.
enum SiteURL: Sendable, Equatable {
    // App, sign-in
    case root, home, login, logout, register, registerConfirm, health, metrics, events
    // Areas
    case areas, area(Int), areaNew(parent: Int), areaEdit(Int), areaMove(Int), areaDelete(Int)
    // Staff and departments
    case staff, staffNew, staffMember(UUID), staffRoles(UUID), staffRoleDelete(UUID, role: UUID)
    case staffActive(UUID), staffRevealPhone(UUID), staffPassword(UUID)
    case departments, departmentEdit(UUID)
    // Cases
    case cases, caseNew, caseDetail(UUID), caseAct(UUID), caseSanctions(UUID), caseMerge(UUID), casePublication(UUID)
    case casePhoto(UUID), negativeList, categories, category(UUID), calendar
    // Map
    case map, mapHotspots, boundaries, boundariesGeoJSON
    // Field (网格员移动端)
    case field, fieldReport, fieldVisits, fieldVisitNew, fieldPatrol, fieldChecklist, fieldChecklistRetire(UUID)
    case fieldGrid, fieldNotices, fieldNoticeWithdraw(UUID), fieldProfile, fieldOutbox
    case fieldServices, fieldServiceNew, fieldService(UUID), fieldServiceAct(UUID), fieldTasks, fieldTaskItems(UUID)
    // Tasks
    case tasks, task(UUID), taskProgress(UUID)
    // Portal (居民端) and the building QR pages
    case portal, portalReport, portalTrackLookup, portalTrack(code: String), portalRate(code: String)
    case portalWithdraw(code: String), portalGrid(Int), portalStaffPhoto(UUID)
    case catalog, catalogItem(code: String), catalogApply(code: String)
    case buildingCard(token: String), buildingQR(token: String)
    // Assessment, statistics, dashboard
    case stats, statsExport, assessment, assessmentFreeze, assessmentExport
    case assessmentGrid(Int), assessmentHardware(Int), assessmentEvidence(Int)
    case assessmentScheme, assessmentDepartments, assessmentNotice, dashboard, dashboardBoard
    // Agent services (代办)
    case agentServices, agentService(UUID), agentServiceAct(UUID), agentServiceDocument(UUID, doc: UUID)
    case catalogAdmin, catalogCSV
    // Registry
    case registry, registryGrid(Int), registryGridQR(Int)
    case buildings, building(UUID), buildingHouses(UUID), buildingPhoto(UUID)
    case organizations, components, componentState(UUID), household(UUID)
    case personNew, people, person(UUID), personReveal(UUID), personSpecial(UUID), personVisits(UUID)
    case personSpecialClose(UUID, member: UUID), visitPhoto(UUID), specialGroups, coverage
    case registryImport, importJob(UUID), importCommit(UUID), importProgress(UUID), importTemplate(file: String)
    case registryExport(file: String), crossCheck, crossCheckRun(UUID), crossCheckItem(UUID), accessLog
    // Integration
    case hotline, hotlineCategories, hotlineRetry(UUID), apiKeys, apiKeyRevoke(UUID), apiKeyLimit(UUID)
    case open311(file: String), open311Service(file: String), open311Request(file: String), open311Token(file: String)
    case openAPI, apiDocs
    // JSON API
    case apiToken, apiMe, apiAreas, apiArea(Int), apiAreaMove(Int), apiAreaGeoJSON(Int)
    case apiMapLayer(String), apiMapLocate, apiBoundaries
    case apiCases, apiCase(UUID), apiCaseActions(UUID), apiCaseDuplicates(UUID), apiCaseMerge(UUID)
    case apiCategories, apiCalendar(year: Int), apiHotlineOrders
    case apiUsers, apiUser(UUID), apiUserRoles(UUID), apiUserRole(UUID, role: UUID), apiDepartments, apiPeople

    /// The path's pieces: constants and named values (`:id` when registered).
    var segments: [Segment] {
        switch self {
        case .root: []
        case .home: ["home"]
        case .login: ["login"]
        case .logout: ["logout"]
        case .register: ["register"]
        case .registerConfirm: ["register", "confirm"]
        case .health: ["health"]
        case .metrics: ["metrics"]
        case .events: ["events"]

        case .areas: ["areas"]
        case .area(let id): ["areas", .id(id)]
        case .areaNew(let parent): ["areas", .id(parent), "new"]
        case .areaEdit(let id): ["areas", .id(id), "edit"]
        case .areaMove(let id): ["areas", .id(id), "move"]
        case .areaDelete(let id): ["areas", .id(id), "delete"]

        case .staff: ["staff"]
        case .staffNew: ["staff", "new"]
        case .staffMember(let id): ["staff", .id(id)]
        case .staffRoles(let id): ["staff", .id(id), "roles"]
        case .staffRoleDelete(let id, let role): ["staff", .id(id), "roles", .value("role", role), "delete"]
        case .staffActive(let id): ["staff", .id(id), "active"]
        case .staffRevealPhone(let id): ["staff", .id(id), "phone"]
        case .staffPassword(let id): ["staff", .id(id), "password"]
        case .departments: ["departments"]
        case .departmentEdit(let id): ["departments", .id(id)]

        case .cases: ["cases"]
        case .caseNew: ["cases", "new"]
        case .caseDetail(let id): ["cases", .id(id)]
        case .caseAct(let id): ["cases", .id(id), "act"]
        case .caseSanctions(let id): ["cases", .id(id), "sanctions"]
        case .caseMerge(let id): ["cases", .id(id), "merge"]
        case .casePublication(let id): ["cases", .id(id), "publication"]
        case .casePhoto(let id): ["photos", .id(id)]
        case .negativeList: ["negative-list"]
        case .categories: ["categories"]
        case .category(let id): ["categories", .id(id)]
        case .calendar: ["calendar"]

        case .map: ["map"]
        case .mapHotspots: ["map", "hotspots"]
        case .boundaries: ["map", "boundaries"]
        case .boundariesGeoJSON: ["map", "boundaries.geojson"]

        case .field: ["m", .trailingSlash]  // the service worker's scope is "/m/"
        case .fieldReport: ["m", "report"]
        case .fieldVisits: ["m", "visits"]
        case .fieldVisitNew: ["m", "visits", "new"]
        case .fieldPatrol: ["m", "patrol"]
        case .fieldChecklist: ["m", "patrol", "items"]
        case .fieldChecklistRetire(let id): ["m", "patrol", "items", .id(id), "retire"]
        case .fieldGrid: ["m", "grid"]
        case .fieldNotices: ["m", "notices"]
        case .fieldNoticeWithdraw(let id): ["m", "notices", .id(id), "withdraw"]
        case .fieldProfile: ["m", "profile"]
        case .fieldOutbox: ["m", "outbox"]
        case .fieldServices: ["m", "services"]
        case .fieldServiceNew: ["m", "services", "new"]
        case .fieldService(let id): ["m", "services", .id(id)]
        case .fieldServiceAct(let id): ["m", "services", .id(id), "act"]
        case .fieldTasks: ["m", "tasks"]
        case .fieldTaskItems(let id): ["m", "tasks", .id(id), "items"]

        case .tasks: ["tasks"]
        case .task(let id): ["tasks", .id(id)]
        case .taskProgress(let id): ["tasks", .id(id), "progress"]

        case .portal: ["r"]
        case .portalReport: ["r", "report"]
        case .portalTrackLookup: ["r", "track"]
        case .portalTrack(let code): ["r", "track", .value("code", code)]
        case .portalRate(let code): ["r", "track", .value("code", code), "rate"]
        case .portalWithdraw(let code): ["r", "track", .value("code", code), "withdraw"]
        case .portalGrid(let id): ["r", "grids", .id(id)]
        case .portalStaffPhoto(let id): ["r", "staff", .id(id), "photo"]
        case .catalog: ["r", "services"]
        case .catalogItem(let code): ["r", "services", .value("code", code)]
        case .catalogApply(let code): ["r", "services", .value("code", code), "apply"]
        case .buildingCard(let token): ["b", .value("token", token)]
        case .buildingQR(let token): ["b", .value("token", token), "qr.svg"]

        case .stats: ["stats"]
        case .statsExport: ["stats", "export"]
        case .assessment: ["assessment"]
        case .assessmentFreeze: ["assessment", "freeze"]
        case .assessmentExport: ["assessment", "export"]
        case .assessmentGrid(let id): ["assessment", "grids", .id(id)]
        case .assessmentHardware(let id): ["assessment", "grids", .id(id), "hardware"]
        case .assessmentEvidence(let id): ["assessment", "grids", .id(id), "evidence"]
        case .assessmentScheme: ["assessment", "scheme"]
        case .assessmentDepartments: ["assessment", "departments"]
        case .assessmentNotice: ["assessment", "notice"]
        case .dashboard: ["dashboard"]
        case .dashboardBoard: ["dashboard", "board"]

        case .agentServices: ["agent-services"]
        case .agentService(let id): ["agent-services", .id(id)]
        case .agentServiceAct(let id): ["agent-services", .id(id), "act"]
        case .agentServiceDocument(let id, let doc): ["agent-services", .id(id), "documents", .value("doc", doc)]
        case .catalogAdmin: ["admin", "services"]
        case .catalogCSV: ["admin", "services", "catalog.csv"]

        case .registry: ["registry"]
        case .registryGrid(let id): ["registry", "grids", .id(id)]
        case .registryGridQR(let id): ["registry", "grids", .id(id), "qr"]
        case .buildings: ["registry", "buildings"]
        case .building(let id): ["registry", "buildings", .id(id)]
        case .buildingHouses(let id): ["registry", "buildings", .id(id), "houses"]
        case .buildingPhoto(let id): ["registry", "buildings", .id(id), "photo"]
        case .organizations: ["registry", "organizations"]
        case .components: ["registry", "components"]
        case .componentState(let id): ["registry", "components", .id(id), "state"]
        case .household(let id): ["registry", "households", .id(id)]
        case .personNew: ["registry", "people", "new"]
        case .people: ["registry", "people"]
        case .person(let id): ["registry", "people", .id(id)]
        case .personReveal(let id): ["registry", "people", .id(id), "reveal"]
        case .personSpecial(let id): ["registry", "people", .id(id), "special"]
        case .personVisits(let id): ["registry", "people", .id(id), "visits"]
        case .personSpecialClose(let id, let member): ["registry", "people", .id(id), "special", .value("member", member), "close"]
        case .visitPhoto(let id): ["visit-photos", .id(id)]
        case .specialGroups: ["registry", "special"]
        case .coverage: ["registry", "coverage"]
        case .registryImport: ["registry", "import"]
        case .importJob(let id): ["registry", "import", .id(id)]
        case .importCommit(let id): ["registry", "import", .id(id), "commit"]
        case .importProgress(let id): ["registry", "import", .id(id), "progress"]
        case .importTemplate(let file): ["registry", "templates", .value("file", file)]
        case .registryExport(let file): ["registry", "export", .value("file", file)]
        case .crossCheck: ["registry", "crosscheck"]
        case .crossCheckRun(let id): ["registry", "crosscheck", .id(id)]
        case .crossCheckItem(let id): ["registry", "crosscheck", "items", .id(id)]
        case .accessLog: ["admin", "access-log"]

        case .hotline: ["admin", "hotline"]
        case .hotlineCategories: ["admin", "hotline", "categories"]
        case .hotlineRetry(let id): ["admin", "hotline", "outbox", .id(id), "retry"]
        case .apiKeys: ["admin", "api-keys"]
        case .apiKeyRevoke(let id): ["admin", "api-keys", .id(id), "revoke"]
        case .apiKeyLimit(let id): ["admin", "api-keys", .id(id), "limit"]
        case .open311(let file): ["open311", "v2", .value("file", file)]
        case .open311Service(let file): ["open311", "v2", "services", .value("file", file)]
        case .open311Request(let file): ["open311", "v2", "requests", .value("file", file)]
        case .open311Token(let file): ["open311", "v2", "tokens", .value("file", file)]
        case .openAPI: ["openapi.json"]
        case .apiDocs: ["api-docs"]

        case .apiToken: ["api", "v1", "auth", "token"]
        case .apiMe: ["api", "v1", "me"]
        case .apiAreas: ["api", "v1", "areas"]
        case .apiArea(let id): ["api", "v1", "areas", .id(id)]
        case .apiAreaMove(let id): ["api", "v1", "areas", .id(id), "move"]
        case .apiAreaGeoJSON(let id): ["api", "v1", "areas", .id(id), "geojson"]
        case .apiMapLayer(let layer): ["api", "v1", "map", "layers", .value("layer", layer)]
        case .apiMapLocate: ["api", "v1", "map", "locate"]
        case .apiBoundaries: ["api", "v1", "boundaries"]
        case .apiCases: ["api", "v1", "cases"]
        case .apiCase(let id): ["api", "v1", "cases", .id(id)]
        case .apiCaseActions(let id): ["api", "v1", "cases", .id(id), "actions"]
        case .apiCaseDuplicates(let id): ["api", "v1", "cases", .id(id), "duplicates"]
        case .apiCaseMerge(let id): ["api", "v1", "cases", .id(id), "merge"]
        case .apiCategories: ["api", "v1", "categories"]
        case .apiCalendar(let year): ["api", "v1", "calendar", .value("year", year)]
        case .apiHotlineOrders: ["api", "v1", "hotline", "orders"]
        case .apiUsers: ["api", "v1", "users"]
        case .apiUser(let id): ["api", "v1", "users", .id(id)]
        case .apiUserRoles(let id): ["api", "v1", "users", .id(id), "roles"]
        case .apiUserRole(let id, let role): ["api", "v1", "users", .id(id), "roles", .value("role", role)]
        case .apiDepartments: ["api", "v1", "departments"]
        case .apiPeople: ["api", "v1", "people"]
        }
    }

    /// The link: "/cases/3F2…", each value percent-encoded as one path segment.
    var path: String { Self.link(segments) }

    private static func link(_ segments: [Segment]) -> String {
        "/" + segments.map { segment in
            switch segment {
            case .constant(let text): text
            case .parameter(_, let value): value.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? value
            case .trailingSlash: ""
            }
        }.joined(separator: "/")
    }

    /// The link with a query, e.g. `.staffMember(id).path(["notice": "saved"])`; keys in the given order.
    func path(_ query: KeyValuePairs<String, String>) -> String {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        // `+` would read as a space in a form-encoded query; encode it like the rest.
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return encoded.isEmpty ? path : path + "?" + encoded
    }

    /// What routing matches: constants, and `:name` for each value.
    var pathComponents: [PathComponent] {
        segments.compactMap { segment in
            switch segment {
            case .constant(let text): .constant(text)
            case .parameter(let name, _): .parameter(name)
            case .trailingSlash: nil
            }
        }
    }

    /// The OpenAPI form: "/api/v1/cases/{id}".
    var openAPIPath: String {
        "/" + segments.map { segment in
            switch segment {
            case .constant(let text): text
            case .parameter(let name, _): "{\(name)}"
            case .trailingSlash: ""
            }
        }.joined(separator: "/")
    }

    /// Whether a concrete path is this case's route (any values in its parameters).
    func matches(_ concrete: String) -> Bool {
        let parts = concrete.split(separator: "/", omittingEmptySubsequences: true)
        let pattern = pathComponents
        guard parts.count == pattern.count else { return false }
        return zip(pattern, parts).allSatisfy { component, part in
            if case .constant(let text) = component { return text == part }
            return true
        }
    }

    /// The JSON API (`/api/v1/…`): bearer tokens, JSON errors.
    static func isJSONAPI(_ path: String) -> Bool { path.hasPrefix("/api/") }

    /// Open311 GeoReport v2 (`/open311/v2/…`): `api_key`, no cookies.
    static func isOpen311(_ path: String) -> Bool { path.hasPrefix("/open311/") }

    /// The case's name as templates write it in `#url("name", …)`.
    var name: String {
        let described = String(describing: self)
        return described.firstIndex(of: "(").map { String(described[..<$0]) } ?? described
    }

    private static let segmentCharacters: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#")
        return allowed
    }()

    enum Segment: Sendable, Equatable, ExpressibleByStringLiteral {
        case constant(String)
        case parameter(name: String, value: String)
        /// Links end in "/" (routing ignores it).
        case trailingSlash

        init(stringLiteral value: String) { self = .constant(value) }

        static func id(_ value: some RouteValue) -> Segment { .parameter(name: "id", value: value.routeText) }
        static func value(_ name: String, _ value: some RouteValue) -> Segment { .parameter(name: name, value: value.routeText) }
    }
}

/// A value that fills a path segment, with a stand-in used only to register the route.
protocol RouteValue: Sendable {
    static var placeholder: Self { get }
    var routeText: String { get }
}

extension Int: RouteValue {
    static var placeholder: Int { 0 }
    var routeText: String { String(self) }
}

extension UUID: RouteValue {
    static var placeholder: UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }
    var routeText: String { uuidString }
}

extension String: RouteValue {
    static var placeholder: String { "" }
    var routeText: String { self }
}

extension SiteURL {
    /// One of each case, values as placeholders: what templates may name, and what `SiteURLTests`
    /// checks against the registered routes (a case missing here is a registered route it cannot find).
    static let all: [SiteURL] = [
        .root, .home, .login, .logout, .register, .registerConfirm, .health, .metrics, .events, .areas,
        .area(.placeholder), .areaNew(parent: .placeholder), .areaEdit(.placeholder), .areaMove(.placeholder),
        .areaDelete(.placeholder), .staff, .staffNew, .staffMember(.placeholder), .staffRoles(.placeholder),
        .staffRoleDelete(.placeholder, role: .placeholder), .staffActive(.placeholder),
        .staffRevealPhone(.placeholder), .staffPassword(.placeholder), .departments, .departmentEdit(.placeholder),
        .cases, .caseNew, .caseDetail(.placeholder), .caseAct(.placeholder), .caseSanctions(.placeholder),
        .caseMerge(.placeholder), .casePublication(.placeholder), .casePhoto(.placeholder), .negativeList, .categories,
        .category(.placeholder), .calendar, .map, .mapHotspots, .boundaries, .boundariesGeoJSON, .field, .fieldReport,
        .fieldVisits, .fieldVisitNew, .fieldPatrol, .fieldChecklist, .fieldChecklistRetire(.placeholder), .fieldGrid,
        .fieldNotices, .fieldNoticeWithdraw(.placeholder), .fieldProfile, .fieldOutbox, .fieldServices,
        .fieldServiceNew, .fieldService(.placeholder), .fieldServiceAct(.placeholder), .fieldTasks,
        .fieldTaskItems(.placeholder), .tasks, .task(.placeholder), .taskProgress(.placeholder), .portal,
        .portalReport, .portalTrackLookup, .portalTrack(code: .placeholder), .portalRate(code: .placeholder),
        .portalWithdraw(code: .placeholder), .portalGrid(.placeholder), .portalStaffPhoto(.placeholder), .catalog,
        .catalogItem(code: .placeholder), .catalogApply(code: .placeholder), .buildingCard(token: .placeholder),
        .buildingQR(token: .placeholder), .stats, .statsExport, .assessment, .assessmentFreeze, .assessmentExport,
        .assessmentGrid(.placeholder), .assessmentHardware(.placeholder), .assessmentEvidence(.placeholder),
        .assessmentScheme, .assessmentDepartments, .assessmentNotice, .dashboard, .dashboardBoard, .agentServices,
        .agentService(.placeholder), .agentServiceAct(.placeholder),
        .agentServiceDocument(.placeholder, doc: .placeholder), .catalogAdmin, .catalogCSV, .registry,
        .registryGrid(.placeholder), .registryGridQR(.placeholder), .buildings, .building(.placeholder),
        .buildingHouses(.placeholder), .buildingPhoto(.placeholder), .organizations, .components,
        .componentState(.placeholder), .household(.placeholder), .personNew, .people, .person(.placeholder),
        .personReveal(.placeholder), .personSpecial(.placeholder), .personVisits(.placeholder),
        .personSpecialClose(.placeholder, member: .placeholder), .visitPhoto(.placeholder), .specialGroups, .coverage,
        .registryImport, .importJob(.placeholder), .importCommit(.placeholder), .importProgress(.placeholder),
        .importTemplate(file: .placeholder), .registryExport(file: .placeholder), .crossCheck,
        .crossCheckRun(.placeholder), .crossCheckItem(.placeholder), .accessLog, .hotline, .hotlineCategories,
        .hotlineRetry(.placeholder), .apiKeys, .apiKeyRevoke(.placeholder), .apiKeyLimit(.placeholder), .open311(file: .placeholder),
        .open311Service(file: .placeholder), .open311Request(file: .placeholder), .open311Token(file: .placeholder),
        .openAPI, .apiDocs, .apiToken, .apiMe, .apiAreas, .apiArea(.placeholder), .apiAreaMove(.placeholder),
        .apiAreaGeoJSON(.placeholder), .apiMapLayer(.placeholder), .apiMapLocate, .apiBoundaries, .apiCases,
        .apiCase(.placeholder), .apiCaseActions(.placeholder), .apiCaseDuplicates(.placeholder),
        .apiCaseMerge(.placeholder), .apiCategories, .apiCalendar(year: .placeholder), .apiHotlineOrders, .apiUsers,
        .apiUser(.placeholder), .apiUserRoles(.placeholder), .apiUserRole(.placeholder, role: .placeholder),
        .apiDepartments, .apiPeople
    ]

    /// The link a template names, `#url("caseDetail", c.id)`: the case's path with the values in order;
    /// nil for an unknown name or the wrong number of values.
    static func link(named name: String, values: [String]) -> String? {
        guard let route = byName[name] else { return nil }
        var remaining = values[...]
        let filled = route.segments.map { segment -> Segment? in
            guard case .parameter(let parameter, _) = segment else { return segment }
            return remaining.popFirst().map { .parameter(name: parameter, value: $0) }
        }
        guard remaining.isEmpty, !filled.contains(nil) else { return nil }
        return link(filled.compactMap { $0 })
    }

    private static let byName: [String: SiteURL] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}
