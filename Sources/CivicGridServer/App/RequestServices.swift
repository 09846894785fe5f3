import Vapor

/// The services a handler uses, reached from the request (`req.cases`, `req.registry` …): each is built on
/// the request's database and application, so no handler assembles one itself.
extension Request {
    var areas: AreaService { AreaService(db: db, levels: state.levels) }
    var cases: CaseService { CaseService(self) }
    var duplicates: DuplicateService { DuplicateService(db: db, app: application) }
    var accountability: AccountabilityService { AccountabilityService(db: db, app: application) }
    var staff: StaffService { StaffService(db: db, app: application) }
    var authService: AuthService { AuthService(db: db, app: application) }
    var registry: RegistryService { RegistryService(db: db, app: application) }
    var crossChecks: CrossCheckService { CrossCheckService(db: db, app: application) }
    var coverage: CoverageService { CoverageService(db: db, app: application) }
    var fieldWork: FieldService { FieldService(db: db, app: application) }
    var tasks: TaskService { TaskService(db: db, app: application) }
    var assessment: AssessmentService { AssessmentService(db: db, app: application) }
    var mapService: MapService { MapService(db: db) }
    var catalog: CatalogService { CatalogService(db: db) }
    var hotline: HotlineService { HotlineService(db: db, app: application) }
}
