import Fluent
import GridCore
import XCTVapor
@testable import CivicGridServer

/// Every route × every kind of user, in scope and out of scope. A new route fails
/// `testEveryRouteIsInTheMatrix` until it is added here with who may use it.
final class AuthorizationMatrixTests: XCTestCase {
    /// The people of `TestCity` (plus a resident and nobody).
    enum Who: String, CaseIterable {
        case anonymous, resident
        case workerA = "wg-a", workerB = "wg-b", gridLeader = "gl-c1", communityOperator = "op-c1", streetOperator = "op-s1"
        case otherStreetOperator = "op-s2", districtOperator = "op-d", leader = "ld-d", handler = "cg-1", communityAdmin = "admin-c1", admin
    }

    struct Fixture {
        let city: TestCity
        let caseA: UUID        // a case in grid A, held by 城管 (handler cg-1)
        let staffA: UUID       // wg-a
        let roleA: UUID        // wg-a's role
        let category: UUID
        let department: UUID
        let photo: UUID
        let apiKey: UUID
        let building: UUID     // in grid A, with a household and a person
        let household: UUID
        let person: UUID
        let importJob: UUID    // uploaded by op-c1 for community 1
        let crossCheck: UUID   // run by op-c1 on community 1
        let crossCheckItem: UUID
        let trackingCode: String  // caseA's
        let qrToken: String       // the building's
        let notice: UUID          // posted by wg-a to grid A
        let task: UUID            // sent by op-s1 (清水塘街道) to grid A
        let agentRequest: UUID    // 帮办代办 in grid A, submitted by wg-a to 城管 (cg-1)
        let agentDocument: UUID
        let checklistItem: UUID   // on grid A's patrol checklist
    }

    struct Rule {
        let method: HTTPMethod
        let pattern: String
        /// nil only for a few reads that cannot be fetched here (the event stream, photos of files the fixture lacks); every state-changing rule has one (`testEveryStateChangingRuleHasAPath`): mutations are tried by those who must be refused.
        let path: ((Fixture) -> String)?
        let allowed: Set<Who>
        var body: String? = nil
        var form: [String: String]? = nil
    }

    static let everyone = Set(Who.allCases)
    static let signedIn = everyone.subtracting([.anonymous])
    static let staff = signedIn.subtracting([.resident])
    /// Those whose scope covers grid A.
    static let coversA: Set<Who> = [.workerA, .gridLeader, .communityOperator, .streetOperator, .districtOperator, .leader, .communityAdmin, .admin]
    static let administrators: Set<Who> = [.communityAdmin, .admin]
    static let registryReaders = staff.subtracting([.handler])
    /// Registry changes (`RegistryRights`): grid workers and leaders, command-center operators, administrators.
    static let editors: Set<Who> = [.workerA, .workerB, .gridLeader, .communityOperator, .streetOperator, .otherStreetOperator, .districtOperator,
                                    .communityAdmin, .admin]
    static let editorsA: Set<Who> = [.workerA, .gridLeader, .communityOperator, .streetOperator, .districtOperator, .communityAdmin, .admin]
    /// 走访 is field work: not the command center's.
    static let visitorsA: Set<Who> = [.workerA, .gridLeader, .communityAdmin, .admin]
    static let revealersA: Set<Who> = [.workerA, .gridLeader, .communityOperator, .streetOperator, .districtOperator, .communityAdmin, .admin]
    static let listManagers: Set<Who> = [.gridLeader, .communityOperator, .streetOperator, .otherStreetOperator, .districtOperator, .communityAdmin, .admin]
    static let listManagersA = listManagers.subtracting([.otherStreetOperator])
    /// The phone app's users.
    static let fieldWorkers: Set<Who> = [.workerA, .workerB, .gridLeader]
    /// Staff who hold a role on an area (the department handler holds none).
    static let staffWithAreas = staff.subtracting([.handler])
    static let operatorsOrLeaders: Set<Who> = [.communityOperator, .streetOperator, .otherStreetOperator, .districtOperator, .leader, .communityAdmin, .admin]

    static var rules: [Rule] {
        [
            // Public
            Rule(method: .GET, pattern: "/health", path: { _ in "/health" }, allowed: everyone),
            // Operational: from this machine (tests have no remote address) or with METRICS_TOKEN.
            Rule(method: .GET, pattern: "/metrics", path: { _ in "/metrics" }, allowed: everyone),
            Rule(method: .GET, pattern: "/login", path: { _ in "/login" }, allowed: everyone),
            Rule(method: .GET, pattern: "/register", path: { _ in "/register" }, allowed: everyone),
            Rule(method: .GET, pattern: "/openapi.json", path: { _ in "/openapi.json" }, allowed: everyone),
            Rule(method: .GET, pattern: "/open311/v2/:file", path: { _ in "/open311/v2/services.json" }, allowed: everyone),
            Rule(method: .GET, pattern: "/open311/v2/services/:file", path: { _ in "/open311/v2/services/SZ01.json" }, allowed: everyone),
            Rule(method: .GET, pattern: "/open311/v2/requests/:file", path: nil, allowed: everyone),
            Rule(method: .GET, pattern: "/open311/v2/tokens/:file", path: nil, allowed: everyone),
            Rule(method: .POST, pattern: "/open311/v2/:file", path: { _ in "/open311/v2/requests.json" }, allowed: everyone),
            Rule(method: .POST, pattern: "/login", path: { _ in "/login" }, allowed: everyone),
            Rule(method: .POST, pattern: "/register", path: { _ in "/register" }, allowed: everyone),
            Rule(method: .POST, pattern: "/register/confirm", path: { _ in "/register/confirm" }, allowed: everyone),
            Rule(method: .POST, pattern: "/api/v1/auth/token", path: { _ in "/api/v1/auth/token" }, allowed: everyone),
            Rule(method: .GET, pattern: "/", path: nil, allowed: everyone),
            // Signed in
            Rule(method: .POST, pattern: "/logout", path: { _ in "/logout" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/home", path: { _ in "/home" }, allowed: signedIn),
            // A never-ending stream: exercised over real HTTP in LiveEventsTests.
            Rule(method: .GET, pattern: "/events", path: nil, allowed: signedIn),
            Rule(method: .GET, pattern: "/api-docs", path: { _ in "/api-docs" }, allowed: everyone),
            Rule(method: .GET, pattern: "/api/v1/me", path: { _ in "/api/v1/me" }, allowed: signedIn),
            Rule(method: .DELETE, pattern: "/api/v1/auth/token", path: { _ in "/api/v1/auth/token" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/api/v1/categories", path: { _ in "/api/v1/categories" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/api/v1/calendar/:year", path: { _ in "/api/v1/calendar/2026" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/cases", path: { _ in "/cases" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/api/v1/cases", path: { _ in "/api/v1/cases" }, allowed: signedIn),
            // Areas
            Rule(method: .GET, pattern: "/areas", path: { _ in "/areas" }, allowed: coversA.union([.workerB, .otherStreetOperator])),
            Rule(method: .GET, pattern: "/areas/:id", path: { "/areas/\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/api/v1/areas", path: { _ in "/api/v1/areas" }, allowed: signedIn),
            Rule(method: .GET, pattern: "/api/v1/areas/:id", path: { "/api/v1/areas/\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/api/v1/areas/:id/geojson", path: { "/api/v1/areas/\($0.city.community1.id!)/geojson" },
                 allowed: coversA.subtracting([.workerA])),
            Rule(method: .GET, pattern: "/areas/:id/new", path: { "/areas/\($0.city.community1.id!)/new" }, allowed: administrators),
            Rule(method: .GET, pattern: "/areas/:id/edit", path: { "/areas/\($0.city.gridA.id!)/edit" }, allowed: administrators),
            Rule(method: .POST, pattern: "/areas/:id/new", path: { "/areas/\($0.city.community1.id!)/new" }, allowed: administrators, form: ["name": "矩阵网格"]),
            Rule(method: .POST, pattern: "/areas/:id/edit", path: { "/areas/\($0.city.gridA2.id!)/edit" }, allowed: administrators, form: ["name": "清水社区第2网格"]),
            Rule(method: .POST, pattern: "/areas/:id/move", path: { "/areas/\($0.city.gridA2.id!)/move" }, allowed: [.admin], form: ["parent": "0"]),
            Rule(method: .POST, pattern: "/areas/:id/delete", path: { "/areas/\($0.city.gridA2.id!)/delete" }, allowed: administrators),
            Rule(method: .POST, pattern: "/api/v1/areas", path: { _ in "/api/v1/areas" }, allowed: administrators, body: #"{"name":"矩阵"}"#),
            Rule(method: .PATCH, pattern: "/api/v1/areas/:id", path: { "/api/v1/areas/\($0.city.gridA2.id!)" }, allowed: administrators, body: #"{"name":"清水社区第2网格"}"#),
            Rule(method: .DELETE, pattern: "/api/v1/areas/:id", path: { "/api/v1/areas/\($0.city.gridA2.id!)" }, allowed: administrators),
            Rule(method: .POST, pattern: "/api/v1/areas/:id/move", path: { "/api/v1/areas/\($0.city.gridA2.id!)/move" }, allowed: [.admin], body: #"{"parent":0}"#),
            // Staff
            Rule(method: .GET, pattern: "/staff", path: { _ in "/staff" }, allowed: administrators),
            Rule(method: .GET, pattern: "/staff/new", path: { _ in "/staff/new" }, allowed: administrators),
            Rule(method: .GET, pattern: "/staff/:id", path: { "/staff/\($0.staffA)" }, allowed: administrators),
            Rule(method: .GET, pattern: "/api/v1/users", path: { _ in "/api/v1/users" }, allowed: administrators),
            Rule(method: .GET, pattern: "/api/v1/users/:id", path: { "/api/v1/users/\($0.staffA)" }, allowed: administrators),
            Rule(method: .POST, pattern: "/staff/new", path: { _ in "/staff/new" }, allowed: administrators, form: ["username": ""]),
            Rule(method: .POST, pattern: "/staff/:id/roles", path: { "/staff/\($0.staffA)/roles" }, allowed: administrators, form: ["role": ""]),
            Rule(method: .POST, pattern: "/staff/:id/roles/:role/delete", path: { "/staff/\($0.staffA)/roles/\($0.roleA)/delete" }, allowed: administrators),
            Rule(method: .POST, pattern: "/staff/:id/active", path: { "/staff/\($0.staffA)/active" }, allowed: administrators, form: ["active": "1"]),
            Rule(method: .POST, pattern: "/staff/:id/phone", path: { "/staff/\($0.staffA)/phone" }, allowed: administrators, form: [:]),
            Rule(method: .POST, pattern: "/staff/:id/password", path: { "/staff/\($0.staffA)/password" }, allowed: administrators, form: ["password": "x"]),
            Rule(method: .POST, pattern: "/api/v1/users", path: { _ in "/api/v1/users" }, allowed: administrators, body: #"{"username":"","displayName":"","password":""}"#),
            Rule(method: .POST, pattern: "/api/v1/users/:id/roles", path: { "/api/v1/users/\($0.staffA)/roles" }, allowed: administrators, body: #"{"role":"mediator"}"#),
            Rule(method: .DELETE, pattern: "/api/v1/users/:id/roles/:role", path: { "/api/v1/users/\($0.staffA)/roles/\($0.roleA)" }, allowed: administrators),
            // Departments and lists
            Rule(method: .GET, pattern: "/departments", path: { _ in "/departments" }, allowed: staff),
            Rule(method: .GET, pattern: "/api/v1/departments", path: { _ in "/api/v1/departments" }, allowed: staff),
            Rule(method: .GET, pattern: "/departments/:id", path: { "/departments/\($0.department)" }, allowed: [.admin]),
            Rule(method: .POST, pattern: "/departments", path: { _ in "/departments" }, allowed: [.admin], form: ["code": ""]),
            Rule(method: .POST, pattern: "/departments/:id", path: { "/departments/\($0.department)" }, allowed: [.admin], form: ["code": ""]),
            Rule(method: .POST, pattern: "/api/v1/departments", path: { _ in "/api/v1/departments" }, allowed: [.admin], body: #"{"code":""}"#),
            Rule(method: .GET, pattern: "/categories", path: { _ in "/categories" }, allowed: staff),
            Rule(method: .GET, pattern: "/categories/:id", path: { "/categories/\($0.category)" }, allowed: [.admin]),
            Rule(method: .POST, pattern: "/categories/:id", path: { "/categories/\($0.category)" }, allowed: [.admin], form: ["name": ""]),
            Rule(method: .GET, pattern: "/calendar", path: { _ in "/calendar" }, allowed: staff),
            Rule(method: .POST, pattern: "/calendar", path: { _ in "/calendar" }, allowed: [.admin], form: ["date": "x", "kind": "x"]),
            Rule(method: .GET, pattern: "/negative-list", path: { _ in "/negative-list" }, allowed: staff),
            Rule(method: .GET, pattern: "/admin/api-keys", path: { _ in "/admin/api-keys" }, allowed: [.admin]),
            Rule(method: .POST, pattern: "/admin/api-keys", path: { _ in "/admin/api-keys" }, allowed: [.admin], form: ["name": ""]),
            Rule(method: .POST, pattern: "/admin/api-keys/:id/revoke", path: { "/admin/api-keys/\($0.apiKey)/revoke" }, allowed: [.admin], form: [:]),
            Rule(method: .POST, pattern: "/admin/api-keys/:id/limit", path: { "/admin/api-keys/\($0.apiKey)/limit" }, allowed: [.admin],
                 form: ["postsPerHour": "0"]),
            // Registry: readers by role, records by scope; changes by editors; lists by managers.
            Rule(method: .GET, pattern: "/registry", path: { _ in "/registry?q=1234" }, allowed: registryReaders),
            Rule(method: .GET, pattern: "/registry/grids/:id", path: { "/registry/grids/\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/registry/buildings", path: { _ in "/registry/buildings" }, allowed: editors),
            Rule(method: .GET, pattern: "/registry/buildings/:id", path: { "/registry/buildings/\($0.building)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/registry/buildings/:id", path: { "/registry/buildings/\($0.building)" }, allowed: editorsA, form: [:]),
            Rule(method: .POST, pattern: "/registry/buildings/:id/houses", path: { "/registry/buildings/\($0.building)/houses" }, allowed: editorsA, form: [:]),
            Rule(method: .POST, pattern: "/registry/buildings/:id/photo", path: { "/registry/buildings/\($0.building)/photo" }, allowed: editorsA, form: [:]),
            Rule(method: .GET, pattern: "/registry/buildings/:id/photo", path: nil, allowed: coversA),
            Rule(method: .POST, pattern: "/registry/organizations", path: { _ in "/registry/organizations" }, allowed: editors),
            Rule(method: .POST, pattern: "/registry/components", path: { _ in "/registry/components" }, allowed: editors),
            Rule(method: .POST, pattern: "/registry/components/:id/state", path: { _ in "/registry/components/\(UUID())/state" }, allowed: editors),
            Rule(method: .POST, pattern: "/registry/people/:id/special/:member/close", path: { "/registry/people/\($0.person)/special/\(UUID())/close" }, allowed: editorsA),
            Rule(method: .GET, pattern: "/registry/households/:id", path: { "/registry/households/\($0.household)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/registry/people/new", path: { _ in "/registry/people/new" }, allowed: editors),
            Rule(method: .POST, pattern: "/registry/people", path: { _ in "/registry/people" }, allowed: editors),
            Rule(method: .GET, pattern: "/registry/people/:id", path: { "/registry/people/\($0.person)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/registry/people/:id", path: { "/registry/people/\($0.person)" }, allowed: editorsA, form: [:]),
            Rule(method: .POST, pattern: "/registry/people/:id/reveal", path: { "/registry/people/\($0.person)/reveal" }, allowed: revealersA,
                 form: ["field": "idNumber", "reason": "矩阵测试"]),
            Rule(method: .POST, pattern: "/registry/people/:id/special", path: { "/registry/people/\($0.person)/special" }, allowed: editorsA, form: [:]),
            Rule(method: .POST, pattern: "/registry/people/:id/visits", path: { "/registry/people/\($0.person)/visits" }, allowed: visitorsA, form: [:]),
            Rule(method: .GET, pattern: "/registry/special", path: { _ in "/registry/special" }, allowed: registryReaders),
            Rule(method: .GET, pattern: "/registry/coverage", path: { _ in "/registry/coverage" }, allowed: registryReaders),
            Rule(method: .GET, pattern: "/registry/import", path: { _ in "/registry/import" }, allowed: listManagers),
            Rule(method: .POST, pattern: "/registry/import", path: { _ in "/registry/import" }, allowed: listManagers),
            Rule(method: .GET, pattern: "/registry/import/:id", path: { "/registry/import/\($0.importJob)" }, allowed: [.communityOperator, .communityAdmin, .admin]),
            Rule(method: .POST, pattern: "/registry/import/:id/commit", path: { "/registry/import/\($0.importJob)/commit" }, allowed: [.communityOperator, .communityAdmin, .admin]),
            Rule(method: .GET, pattern: "/registry/import/:id/progress", path: { "/registry/import/\($0.importJob)/progress" }, allowed: [.communityOperator, .communityAdmin, .admin]),
            Rule(method: .GET, pattern: "/registry/templates/:file", path: { _ in "/registry/templates/people.csv" }, allowed: listManagers),
            Rule(method: .GET, pattern: "/registry/export/:file", path: { _ in "/registry/export/people.csv?purpose=%E6%A0%B8%E5%AF%B9" }, allowed: listManagers),
            Rule(method: .GET, pattern: "/registry/crosscheck", path: { _ in "/registry/crosscheck" }, allowed: listManagers),
            Rule(method: .POST, pattern: "/registry/crosscheck", path: { _ in "/registry/crosscheck" }, allowed: listManagers),
            Rule(method: .GET, pattern: "/registry/crosscheck/:id", path: { "/registry/crosscheck/\($0.crossCheck)" }, allowed: listManagersA),
            Rule(method: .POST, pattern: "/registry/crosscheck/items/:id", path: { "/registry/crosscheck/items/\($0.crossCheckItem)" }, allowed: listManagersA,
                 form: ["decision": "dismiss"]),
            Rule(method: .GET, pattern: "/admin/access-log", path: { _ in "/admin/access-log" }, allowed: [.admin]),
            Rule(method: .GET, pattern: "/api/v1/people", path: { _ in "/api/v1/people?q=1234" }, allowed: registryReaders),
            // Cases: grid A's case is seen by those covering grid A and by the department holding it.
            Rule(method: .GET, pattern: "/cases/new", path: { _ in "/cases/new" },
                 allowed: [.resident, .workerA, .workerB, .gridLeader, .communityOperator, .streetOperator, .otherStreetOperator, .districtOperator]),
            Rule(method: .GET, pattern: "/cases/:id", path: { "/cases/\($0.caseA)" }, allowed: coversA.union([.handler])),
            Rule(method: .GET, pattern: "/api/v1/cases/:id", path: { "/api/v1/cases/\($0.caseA)" }, allowed: coversA.union([.handler])),
            Rule(method: .GET, pattern: "/photos/:id", path: { "/photos/\($0.photo)" }, allowed: coversA.union([.handler])),
            Rule(method: .POST, pattern: "/cases/new", path: { _ in "/cases/new" }, allowed: signedIn),
            Rule(method: .POST, pattern: "/cases/:id/act", path: { "/cases/\($0.caseA)/act" }, allowed: signedIn),
            Rule(method: .POST, pattern: "/cases/:id/merge", path: { "/cases/\($0.caseA)/merge" }, allowed: coversA.union([.handler]), form: ["master": UUID().uuidString]),
            Rule(method: .POST, pattern: "/cases/:id/publication", path: { "/cases/\($0.caseA)/publication" },
                 allowed: [.communityOperator, .streetOperator, .districtOperator, .communityAdmin, .admin], form: ["text": "路口井盖破损"]),
            Rule(method: .GET, pattern: "/api/v1/cases/:id/duplicates", path: { "/api/v1/cases/\($0.caseA)/duplicates" }, allowed: coversA.union([.handler])),
            Rule(method: .POST, pattern: "/api/v1/cases/:id/merge", path: { "/api/v1/cases/\($0.caseA)/merge" }, allowed: coversA.union([.handler]),
                 body: #"{"masterID":"00000000-0000-0000-0000-000000000000"}"#),
            // Hotline: orders in with an API key (not a session); the mapping and outbox for system administrators.
            Rule(method: .POST, pattern: "/api/v1/hotline/orders", path: { _ in "/api/v1/hotline/orders" }, allowed: everyone),
            Rule(method: .GET, pattern: "/admin/hotline", path: { _ in "/admin/hotline" }, allowed: [.admin]),
            Rule(method: .POST, pattern: "/admin/hotline/categories", path: { _ in "/admin/hotline/categories" }, allowed: [.admin],
                 form: ["source": "12345", "text": "矩阵", "category": UUID().uuidString]),
            Rule(method: .POST, pattern: "/admin/hotline/outbox/:id/retry", path: { _ in "/admin/hotline/outbox/\(UUID())/retry" }, allowed: [.admin]),
            // Map: area staff, for areas in their scope; boundaries in by administrators.
            Rule(method: .GET, pattern: "/map", path: { "/map?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/map/hotspots", path: { "/map/hotspots?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/map/boundaries", path: { "/map/boundaries?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/map/boundaries.geojson", path: { "/map/boundaries.geojson?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/map/boundaries", path: { "/map/boundaries?area=\($0.city.gridA.id!)" }, allowed: administrators),
            Rule(method: .GET, pattern: "/api/v1/map/layers/:layer", path: { "/api/v1/map/layers/cases?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .GET, pattern: "/api/v1/map/locate", path: nil, allowed: signedIn),
            Rule(method: .GET, pattern: "/api/v1/boundaries", path: { "/api/v1/boundaries?area=\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/api/v1/cases", path: { _ in "/api/v1/cases" }, allowed: signedIn),
            Rule(method: .POST, pattern: "/api/v1/cases/:id/actions", path: { "/api/v1/cases/\($0.caseA)/actions" }, allowed: [.handler], body: #"{"action":"acknowledge"}"#),
            // The phone app: grid workers and grid leaders, records in their own grids.
            Rule(method: .GET, pattern: "/m", path: { _ in "/m/" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/report", path: { _ in "/m/report" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/report", path: { _ in "/m/report" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/visits", path: { _ in "/m/visits" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/visits/new", path: { "/m/visits/new?person=\($0.person)" }, allowed: [.workerA, .gridLeader]),
            Rule(method: .POST, pattern: "/m/visits", path: { _ in "/m/visits" }, allowed: fieldWorkers, form: ["person": UUID().uuidString, "note": "x"]),
            Rule(method: .GET, pattern: "/m/patrol", path: { _ in "/m/patrol" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/patrol", path: { _ in "/m/patrol" }, allowed: fieldWorkers, form: ["grid": "1"]),
            Rule(method: .GET, pattern: "/m/grid", path: { _ in "/m/grid" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/notices", path: { _ in "/m/notices" }, allowed: fieldWorkers, form: ["grid": "1", "title": "标题", "body": "内容"]),
            Rule(method: .POST, pattern: "/m/notices/:id/withdraw", path: { "/m/notices/\($0.notice)/withdraw" }, allowed: [.workerA, .gridLeader]),
            Rule(method: .POST, pattern: "/m/profile", path: { _ in "/m/profile" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/outbox", path: { _ in "/m/outbox" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/tasks", path: { _ in "/m/tasks" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/tasks/:id/items", path: { "/m/tasks/\($0.task)/items" }, allowed: [.workerA, .gridLeader],
                 form: ["grid": "999999", "item": "0"]),
            Rule(method: .GET, pattern: "/m/patrol/items", path: { _ in "/m/patrol/items" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/patrol/items", path: { _ in "/m/patrol/items" }, allowed: fieldWorkers, form: ["grid": "1", "title": "井盖", "kind": "component"]),
            Rule(method: .POST, pattern: "/m/patrol/items/:id/retire", path: { "/m/patrol/items/\($0.checklistItem)/retire" }, allowed: [.workerA, .gridLeader]),
            // 帮办代办: the grid's workers collect and deliver, the department reviews, those over the grid look on.
            Rule(method: .GET, pattern: "/m/services", path: { _ in "/m/services" }, allowed: fieldWorkers),
            Rule(method: .GET, pattern: "/m/services/new", path: { _ in "/m/services/new" }, allowed: fieldWorkers),
            Rule(method: .POST, pattern: "/m/services", path: { _ in "/m/services" }, allowed: fieldWorkers, form: ["service": "MZ004"]),
            Rule(method: .GET, pattern: "/m/services/:id", path: { "/m/services/\($0.agentRequest)" }, allowed: [.workerA, .gridLeader]),
            Rule(method: .POST, pattern: "/m/services/:id/act", path: { "/m/services/\($0.agentRequest)/act" }, allowed: [.workerA, .gridLeader],
                 form: ["action": "approve"]),
            Rule(method: .GET, pattern: "/agent-services", path: { _ in "/agent-services" }, allowed: staff),
            Rule(method: .GET, pattern: "/agent-services/:id", path: { "/agent-services/\($0.agentRequest)" }, allowed: coversA.union([.handler])),
            Rule(method: .POST, pattern: "/agent-services/:id/act", path: { "/agent-services/\($0.agentRequest)/act" }, allowed: [.workerA, .gridLeader, .handler],
                 form: ["action": "approve"]),
            Rule(method: .GET, pattern: "/agent-services/:id/documents/:doc", path: { "/agent-services/\($0.agentRequest)/documents/\($0.agentDocument)" },
                 allowed: [.workerA, .gridLeader, .handler]),
            Rule(method: .GET, pattern: "/r/services/:code/apply", path: { _ in "/r/services/MZ001/apply" }, allowed: everyone),
            Rule(method: .POST, pattern: "/r/services/:code/apply", path: { _ in "/r/services/MZ004/apply" }, allowed: everyone),
            Rule(method: .POST, pattern: "/r/track/:code/withdraw", path: { "/r/track/\($0.trackingCode)/withdraw" }, allowed: everyone),
            // Statistics and the big screen: staff with an area, for areas in their scope.
            Rule(method: .GET, pattern: "/stats", path: { _ in "/stats" }, allowed: staffWithAreas),
            Rule(method: .GET, pattern: "/stats/export", path: { _ in "/stats/export?format=csv" }, allowed: staffWithAreas),
            Rule(method: .GET, pattern: "/assessment", path: { _ in "/assessment" }, allowed: staffWithAreas),
            Rule(method: .POST, pattern: "/assessment/freeze", path: { _ in "/assessment/freeze" }, allowed: [.streetOperator, .otherStreetOperator, .districtOperator, .leader, .admin],
                 form: ["area": "1", "month": "2026-10"]),
            Rule(method: .GET, pattern: "/assessment/export", path: { _ in "/assessment/export?format=csv" }, allowed: staffWithAreas),
            Rule(method: .GET, pattern: "/assessment/grids/:id", path: { "/assessment/grids/\($0.city.gridA.id!)" }, allowed: coversA),
            Rule(method: .POST, pattern: "/assessment/grids/:id/hardware", path: { "/assessment/grids/\($0.city.gridA.id!)/hardware" },
                 allowed: [.streetOperator, .districtOperator, .leader, .admin], form: ["points": "99", "month": "2026-11"]),
            Rule(method: .GET, pattern: "/assessment/grids/:id/evidence", path: { "/assessment/grids/\($0.city.gridA.id!)/evidence?measure=patrolDays" }, allowed: coversA),
            Rule(method: .GET, pattern: "/assessment/scheme", path: { _ in "/assessment/scheme" }, allowed: staffWithAreas),
            Rule(method: .POST, pattern: "/assessment/scheme", path: { _ in "/assessment/scheme" }, allowed: administrators, form: ["points_patrolDays": "x"]),
            Rule(method: .GET, pattern: "/assessment/departments", path: { _ in "/assessment/departments" }, allowed: staffWithAreas),
            Rule(method: .GET, pattern: "/assessment/notice", path: { _ in "/assessment/notice" }, allowed: staffWithAreas),
            Rule(method: .POST, pattern: "/cases/:id/sanctions", path: { "/cases/\($0.caseA)/sanctions" }, allowed: [.streetOperator, .districtOperator, .leader, .admin],
                 form: ["kind": "talk", "target": "x", "reason": "超时未办"]),
            Rule(method: .GET, pattern: "/dashboard", path: { _ in "/dashboard" }, allowed: staffWithAreas),
            Rule(method: .GET, pattern: "/dashboard/board", path: { "/dashboard/board?area=\($0.city.gridA.id!)" }, allowed: coversA),
            // Top-down tasks: issued by operators, leaders and administrators; seen by staff whose scope holds the issuer.
            Rule(method: .GET, pattern: "/tasks", path: { _ in "/tasks" }, allowed: staffWithAreas),
            Rule(method: .POST, pattern: "/tasks", path: { _ in "/tasks" }, allowed: [.communityOperator, .streetOperator, .otherStreetOperator, .districtOperator, .leader, .communityAdmin, .admin],
                 form: ["title": "x"]),
            Rule(method: .GET, pattern: "/tasks/:id", path: { "/tasks/\($0.task)" }, allowed: [.streetOperator, .districtOperator, .leader, .admin]),
            Rule(method: .GET, pattern: "/tasks/:id/progress", path: { "/tasks/\($0.task)/progress" }, allowed: [.streetOperator, .districtOperator, .leader, .admin]),
            // A visit's photos: whoever may see the person (checked in FieldTests).
            Rule(method: .GET, pattern: "/visit-photos/:id", path: nil, allowed: coversA),
            Rule(method: .GET, pattern: "/registry/grids/:id/qr", path: { "/registry/grids/\($0.city.gridA.id!)/qr" }, allowed: coversA.intersection(registryReaders)),
            // The resident portal and QR pages: public, rate-limited, nobody's personal data.
            Rule(method: .GET, pattern: "/r", path: { _ in "/r" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/report", path: { _ in "/r/report" }, allowed: everyone),
            Rule(method: .POST, pattern: "/r/report", path: { _ in "/r/report" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/track", path: { "/r/track?code=\($0.trackingCode)" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/track/:code", path: { "/r/track/\($0.trackingCode)" }, allowed: everyone),
            Rule(method: .POST, pattern: "/r/track/:code/rate", path: { "/r/track/\($0.trackingCode)/rate" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/grids/:id", path: { "/r/grids/\($0.city.gridA.id!)" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/staff/:id/photo", path: nil, allowed: everyone),
            Rule(method: .GET, pattern: "/r/services", path: { _ in "/r/services?q=dbsq" }, allowed: everyone),
            Rule(method: .GET, pattern: "/r/services/:code", path: { _ in "/r/services/MZ001" }, allowed: everyone),
            Rule(method: .GET, pattern: "/admin/services", path: { _ in "/admin/services" }, allowed: administrators),
            Rule(method: .POST, pattern: "/admin/services", path: { _ in "/admin/services" }, allowed: administrators),
            Rule(method: .GET, pattern: "/admin/services/catalog.csv", path: { _ in "/admin/services/catalog.csv" }, allowed: administrators),
            Rule(method: .GET, pattern: "/b/:token", path: { "/b/\($0.qrToken)" }, allowed: everyone),
            Rule(method: .GET, pattern: "/b/:token/qr.svg", path: { "/b/\($0.qrToken)/qr.svg" }, allowed: everyone),
        ]
    }

    func fixture(_ app: Application) async throws -> Fixture {
        let city = try await TestCity.build(app)
        let hash = try Bcrypt.hash(testPassword, cost: 4)
        let resident = User(username: "resident", displayName: "居民", kind: .resident, passwordHash: hash)
        try await resident.create(on: app.db)
        // A case in grid A, dispatched to 城管.
        let community = try await app.token("op-c1")
        let created = try await app.api(.POST, "/api/v1/cases", token: community, json: """
            {"categoryID":"\(try await app.category("SZ01"))","title":"井盖破损","channel":"wechatGroup","gridID":\(city.gridA.id!)}
            """)
        let caseID = try created.content.decode(CaseAPIController.CaseDTO.self).id
        for action in [#"{"action":"accept"}"#, #"{"action":"dispatch","department":"\#(try await app.department("CG"))"}"#] {
            let status = try await app.api(.POST, "/api/v1/cases/\(caseID)/actions", token: community, json: action).status
            XCTAssertEqual(status, .ok)
        }
        let photo = CasePhoto()
        photo.id = UUID(); photo.$case.id = caseID; photo.uploadedBy = city.users["op-c1"]!.id!; photo.stage = "report"
        photo.storedPath = "2026/11/00000000-0000-0000-0000-000000000000.png"; photo.contentType = "image/png"; photo.bytes = 1; photo.sha256 = ""; photo.createdAt = testNow
        try await photo.create(on: app.db)
        try FileManager.default.createDirectory(atPath: app.state.uploadDirectory + "/2026/11", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: app.state.uploadDirectory + "/" + photo.storedPath, contents: Data(PhotoTests.png))
        let key = ApiKey()
        key.name = "x"; key.keyHash = "h"; key.prefix = "cg_x"; key.$user.id = resident.id!; key.createdBy = resident.id!; key.createdAt = testNow; key.scopes = "open311"
        try await key.create(on: app.db)
        let wgA = city.users["wg-a"]!
        let role = try await RoleAssignment.query(on: app.db).filter(\.$user.$id == wgA.id!).first()!
        // Registry records in grid A, an import job and a cross-check by op-c1.
        let worker = try await CurrentUser.load(wgA, via: .webSession, on: app.db)
        let registry = RegistryService(db: app.db, app: app)
        let building = try await registry.saveBuilding(.init(gridID: city.gridA.id!, name: "1栋", address: "清水路1号", latitude: nil, longitude: nil, floors: 6, units: 1),
                                                       existing: nil, by: worker)
        try await registry.saveHouse(.init(number: "1-101", areaSquareMetres: nil, use: "residential", ownership: nil, occupancy: "ownerOccupied", householdNumber: "A-1"),
                                     in: building, existing: nil, by: worker)
        let idNumber = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1970, month: 1, day: 1), sequence: 5).value
        let person = try await registry.savePerson(.init(name: "矩阵", idNumber: idNumber, kind: "registered", gridID: city.gridA.id!, householdNumber: "A-1"),
                                                   existing: nil, by: worker)
        let opC1 = try await CurrentUser.load(city.users["op-c1"]!, via: .webSession, on: app.db)
        let job = ImportJob()
        job.kind = .people; job.fileName = "x.csv"; job.areaID = city.community1.id!; job.uploadedBy = opC1.id; job.uploadedAt = testNow
        job.status = .invalid; job.rowCount = 0; job.issues = "[]"; job.sealedPath = ""
        try await job.create(on: app.db)
        let other = IdentityNumber.make(region: "430204", birth: LocalDate(year: 1971, month: 1, day: 1), sequence: 6).value
        let run = try await CrossCheckService(db: app.db, app: app).run(source: "矩阵", table: [["身份证号", "姓名"], [other, "外人"]], area: city.community1, by: opC1)
        let item = try await CrossCheckItem.query(on: app.db).filter(\.$checkID == run.id!).first()!
        building.qrToken = "ABCDEFGH"
        try await building.save(on: app.db)
        let notice = try await FieldService(db: app.db, app: app).postNotice(gridID: city.gridA.id!, title: "停水通知", body: "周四停水", by: worker)
        let opS1 = try await CurrentUser.load(city.users["op-s1"]!, via: .webSession, on: app.db)
        let task = try await TaskService(db: app.db, app: app).create(.init(title: "消防排查", description: "", items: "检查灭火器", dueOn: "2026-11-30",
                                                                               gridIDs: [city.gridA.id!]), by: opS1)
        let desk = AgentServiceDesk(db: app.db, app: app)
        let agent = try await desk.request(.init(serviceCode: "MZ004", gridID: city.gridA.id!, applicantName: "矩阵", phone: "13907310009",
                                                 address: "清水路 1 号 101", note: ""), by: worker, as: .gridWorker)
        agent.departmentID = try await app.department("CG")  // as if 城管 handled it: the handler in TestCity
        try await agent.save(on: app.db)
        _ = try await desk.act(.submit, on: agent, by: .gridWorker, actorID: worker.id.uuidString, actorName: worker.displayName, comment: "",
                               documents: [File(data: ByteBuffer(bytes: PhotoTests.png), filename: "doc.png")], uploadedBy: worker.id)
        let document = try await AgentServiceDocument.query(on: app.db).first()!
        let checklistItem = try await FieldService(db: app.db, app: app).addChecklistItem(
            .init(gridID: city.gridA.id!, title: "窨井盖", kind: "component", place: "", categoryID: nil), by: worker)
        return Fixture(city: city, caseA: caseID, staffA: wgA.id!, roleA: role.id!, category: try await app.category("SZ01"),
                       department: try await app.department("CG"), photo: photo.id!, apiKey: key.id!,
                       building: building.id!, household: try await Household.query(on: app.db).first()!.id!, person: person.id!,
                       importJob: job.id!, crossCheck: run.id!, crossCheckItem: item.id!,
                       trackingCode: try await Case.find(caseID, on: app.db)!.trackingCode!, qrToken: "ABCDEFGH", notice: notice.id!, task: task.id!,
                       agentRequest: agent.id!, agentDocument: document.id!, checklistItem: checklistItem.id!)
    }

    /// A state-changing rule without a path could never fail: every one is exercised.
    func testEveryStateChangingRuleHasAPath() {
        let untested = Self.rules.filter { $0.method != .GET && $0.path == nil }.map { "\($0.method.rawValue) \($0.pattern)" }
        XCTAssertEqual(untested, [], "give these rules a path")
    }

    func testEveryRouteIsInTheMatrix() async throws {
        try await withApp { app in
            let registered = Set(app.routes.all.map { "\($0.method.rawValue) /" + $0.path.map(\.description).joined(separator: "/") })
            let listed = Set(Self.rules.map { "\($0.method.rawValue) \($0.pattern)" })
            XCTAssertEqual(registered.subtracting(listed).sorted(), [], "routes with no authorization rule: add them to the matrix")
            XCTAssertEqual(listed.subtracting(registered).sorted(), [], "rules for routes that do not exist")
        }
    }

    func testEveryoneGetsExactlyWhatTheMatrixAllows() async throws {
        try await withApp { app in
            let f = try await fixture(app)
            var sessions: [Who: Browser] = [:]
            var tokens: [Who: String] = [:]
            for who in Who.allCases where who != .anonymous {
                let browser = app.browser()
                let username = who == .resident ? "resident" : who.rawValue
                let login = try await browser.login(username)
                XCTAssertEqual(login.status, .seeOther, username)
                sessions[who] = browser
                tokens[who] = try await app.token(username)
            }
            sessions[.anonymous] = app.browser()
            let before = try await counts(app)

            for rule in Self.rules {
                guard let path = rule.path?(f) else { continue }
                // Mutations are only tried by those who must be refused: nothing may change.
                let whoToTry = rule.method == .GET ? Set(Who.allCases) : Self.everyone.subtracting(rule.allowed)
                for who in whoToTry.sorted(by: { $0.rawValue < $1.rawValue }) {
                    let response: XCTHTTPResponse
                    if path.hasPrefix("/api/") {
                        response = try await app.api(rule.method, path, token: tokens[who], json: rule.body)
                    } else if rule.method == .GET {
                        response = try await sessions[who]!.get(path)
                    } else {
                        response = try await sessions[who]!.post(path, form: rule.form ?? [:])
                    }
                    let allowed = rule.allowed.contains(who)
                    let redirectedToLogin = response.status == .seeOther && (response.headers.first(name: .location) ?? "").hasPrefix("/login")
                    let refused = [.unauthorized, .forbidden, .notFound].contains(response.status) || redirectedToLogin
                    if allowed {
                        XCTAssertTrue(response.status.code < 400 && !redirectedToLogin, "\(rule.method) \(path) should be allowed for \(who): \(response.status)")
                    } else {
                        XCTAssertTrue(refused, "\(rule.method) \(path) should be refused for \(who): \(response.status)")
                    }
                }
            }
            let after = try await counts(app)
            XCTAssertEqual(before, after, "refused requests changed nothing")
        }
    }

    func counts(_ app: Application) async throws -> [Int] {
        [try await Area.query(on: app.db).count(), try await User.query(on: app.db).count(), try await RoleAssignment.query(on: app.db).count(),
         try await Department.query(on: app.db).count(), try await Case.query(on: app.db).count(), try await TimelineEntry.query(on: app.db).count(),
         try await CalendarDay.query(on: app.db).count(), try await ApiKey.query(on: app.db).filter(\.$revokedAt == nil).count(),
         try await AccessLog.query(on: app.db).filter(\.$subjectType !~ ["export", "agentDocument"]).count()  /* an allowed export or document view is logged by design */, try await Person.query(on: app.db).count(), try await Building.query(on: app.db).count(),
         try await House.query(on: app.db).count(), try await SpecialGroupMember.query(on: app.db).count(), try await Visit.query(on: app.db).count(),
         try await RegistryRevision.query(on: app.db).count(), try await CrossCheckItem.query(on: app.db).filter(\.$decision == .open).count(),
         try await GridNotice.query(on: app.db).filter(\.$withdrawnAt == nil).count(), try await PatrolCheckIn.query(on: app.db).count(),
         try await FieldTask.query(on: app.db).count(), try await TaskItemMark.query(on: app.db).count(),
         try await AgentServiceRequest.query(on: app.db).count(), try await AgentServiceStep.query(on: app.db).count(),
         try await PatrolChecklistItem.query(on: app.db).filter(\.$active == true).count()]
    }
}
