import Fluent
import GridCore
import Vapor

/// The case engine over JSON: list, report, read with timeline and allowed actions, act.
enum CaseAPIController {
    struct CaseDTO: Content {
        let id: UUID
        let code: String
        let title: String
        let description: String
        let status: CaseStatus
        let statusName: String
        let publicStatus: String
        let overdue: Bool
        let channel: String
        let categoryID: UUID
        let gridID: Int
        let holderAreaID: Int?
        let holderDepartmentID: UUID?
        let coHandlerIDs: [UUID]
        let resolution: Resolution?
        let satisfaction: Satisfaction?
        let latitude: Double?
        let longitude: Double?
        let address: String?
        let reportedAt: Date
        let acceptedAt: Date?
        let closedAt: Date?
        /// Set when this case was merged into another as a duplicate.
        let mergedIntoID: UUID?

        init(_ c: Case) {
            mergedIntoID = c.mergedIntoID
            id = c.id!
            code = c.code
            title = c.title
            description = c.description
            status = c.status
            statusName = c.status.displayName
            publicStatus = c.status.publicStatus(overdue: c.overdue)
            overdue = c.overdue
            channel = c.channel.rawValue
            categoryID = c.$category.id
            gridID = c.$grid.id
            holderAreaID = c.$holderArea.id
            holderDepartmentID = c.$holderDepartment.id
            coHandlerIDs = c.coHandlerIDs
            resolution = c.resolution
            satisfaction = c.satisfaction
            latitude = c.latitude
            longitude = c.longitude
            address = c.address
            reportedAt = c.reportedAt
            acceptedAt = c.acceptedAt
            closedAt = c.closedAt
        }
    }

    struct Page: Content { let items: [CaseDTO]; let total: Int; let page: Int; let pageSize: Int }

    @Sendable static func list(req: Request) async throws -> Page {
        let user = try req.currentUser
        let tab = req.query[String.self, at: "tab"].flatMap(CaseQueries.Tab.init(rawValue:)) ?? .all
        let query = try await CaseQueries.query(tab, filter: CaseController.filter(from: req), user: user, now: req.now, on: req.db)
        let page = max(1, req.query[Int.self, at: "page"] ?? 1), size = min(100, max(1, req.query[Int.self, at: "pageSize"] ?? 30))
        let total = try await query.count()
        let cases = try await query.sort(\Case.$reportedAt, .descending).range(((page - 1) * size)..<(page * size)).all()
        return Page(items: cases.map(CaseDTO.init), total: total, page: page, pageSize: size)
    }

    struct ReportBody: Content {
        var categoryID: UUID
        var title: String
        var description: String?
        var channel: String
        var urgency: Urgency?
        var gridID: Int?
        var latitude: Double?
        var longitude: Double?
        var address: String?
        var reporterName: String?
        var reporterPhone: String?
        var externalRef: String?
        var onSiteNote: String?
        var needsApproval: Bool?
        /// "wgs84" (default) or "gcj02" for positions taken from a Chinese map app.
        var datum: String?
    }

    @Sendable static func create(req: Request) async throws -> Response {
        let user = try req.currentUser
        let body = try req.content.decode(ReportBody.self)
        let c = try await req.cases.report(try .api(body), by: user, now: req.now)
        return try await CaseDTO(c).encodeResponse(status: .created, for: req)
    }

    struct DetailDTO: Content {
        let `case`: CaseDTO
        let deadlines: [DeadlineDTO]
        let timeline: [EntryDTO]
        let allowedActions: [ActionKind]
    }
    struct DeadlineDTO: Content {
        let kind: DeadlineKind; let dueAt: Date; let metAt: Date?; let endedAt: Date?; let overdueAt: Date?; let areaID: Int?; let departmentID: UUID?
        /// 时限灯 of a running clock: green below 80 % of its time, yellow from 80 %, red overdue; a stopped one keeps its last colour
        /// (red if it finished late).
        let light: DeadlineLight
        /// Why it stopped without being met or missed (extended, suspended, withdrawn, voided, recategorized).
        let endReason: DeadlineEnd?
    }
    struct EntryDTO: Content {
        let seq: Int; let at: Date; let actorName: String; let role: String; let level: String; let action: String
        let fromStatus: String; let toStatus: String; let comment: String; let hash: String; let prevHash: String
    }

    static func detail(_ id: UUID, req: Request) async throws -> DetailDTO {
        let user = try req.currentUser
        let service = req.cases
        let c = try await service.require(id, for: user)
        let deadlines = try await CaseQueries.deadlines(of: id, on: req.db).all()
        let entries = try await CaseQueries.trace(of: id, on: req.db).all()
        let allowed = try await service.machine().allowedActions(for: CaseService.actor(user), on: try await service.snapshot(of: c, on: req.db), now: req.now)
        return DetailDTO(
            case: CaseDTO(c),
            deadlines: deadlines.map { DeadlineDTO(kind: $0.kind, dueAt: $0.dueAt, metAt: $0.metAt, endedAt: $0.endedAt, overdueAt: $0.overdueAt,
                                                   areaID: $0.areaID, departmentID: $0.departmentID, light: $0.finalLight(now: req.now),
                                                   endReason: $0.endReason) },
            timeline: entries.map { EntryDTO(seq: $0.seq, at: $0.at, actorName: $0.actorName, role: $0.role, level: $0.level, action: $0.action,
                                             fromStatus: $0.fromStatus, toStatus: $0.toStatus, comment: $0.comment, hash: $0.hash, prevHash: $0.prevHash) },
            allowedActions: allowed)
    }

    struct DuplicateDTO: Content { let case_: CaseDTO; let distanceMetres: Double; let hoursApart: Double
        enum CodingKeys: String, CodingKey { case case_ = "case", distanceMetres, hoursApart } }

    /// Open cases of the same category near this one (any channel), nearest first.
    @Sendable static func duplicates(req: Request) async throws -> [DuplicateDTO] {
        let user = try req.currentUser
        let c = try await req.cases.require(try req.parameters.require("id", as: UUID.self), for: user)
        return try await req.duplicates.candidates(for: c, user: user).map {
            DuplicateDTO(case_: CaseDTO($0.record), distanceMetres: ($0.match.distanceMetres * 10).rounded() / 10, hoursApart: ($0.match.hoursApart * 10).rounded() / 10)
        }
    }

    struct MergeBody: Content { var masterID: UUID }

    /// Closes this case as a duplicate of `masterID` (不予受理·重复诉求) and links it.
    @Sendable static func merge(req: Request) async throws -> CaseDTO {
        let user = try req.currentUser
        let body = try req.content.decode(MergeBody.self)
        let merged = try await req.duplicates
            .merge(try req.parameters.require("id", as: UUID.self), into: body.masterID, by: user, now: req.now)
        return CaseDTO(merged)
    }

    @Sendable static func show(req: Request) async throws -> DetailDTO { try await detail(try req.parameters.require("id", as: UUID.self), req: req) }

    struct ActBody: Content {
        var action: String
        var comment: String?
        var reason: String?
        var department: String?
        var coHandlers: [String]?
        var workingDays: Int?
        var passed: Bool?
        var satisfaction: String?
        /// decideExtension, decideSuspension, reviewReturn, decideVoid.
        var approved: Bool?
        /// requestExtension: `workingDays` more, or until the end of this date ("yyyy-MM-dd").
        var until: String?
        /// suspend: the review date ("yyyy-MM-dd").
        var reviewDate: String?
        /// callback: "reached" / "noAnswer" / "refused", and whether it is solved.
        var contact: String?
        var resolved: Bool?
        /// recategorize: the new 小类's id.
        var category: String?
    }

    @Sendable static func act(req: Request) async throws -> DetailDTO {
        let user = try req.currentUser
        let id = try req.parameters.require("id", as: UUID.self)
        let body = try req.content.decode(ActBody.self)
        let form = CaseController.ActForm(action: body.action, comment: body.comment, reason: body.reason, department: body.department,
                                          coHandlers: body.coHandlers, days: body.workingDays.map(String.init),
                                          passed: body.passed == false ? "0" : "1", satisfaction: body.satisfaction, photos: nil,
                                          approved: body.approved.map { $0 ? "1" : "0" }, until: body.until, reviewDate: body.reviewDate,
                                          contact: body.contact, resolved: body.resolved.map { $0 ? "1" : "0" }, category: body.category)
        _ = try await req.cases.perform(try form.caseAction(), on: id, by: user, now: req.now)
        return try await detail(id, req: req)
    }

    struct CategoryDTO: Content {
        let id: UUID; let code: String; let name: String; let parentID: UUID?; let policy: SLAPolicy; let departmentID: UUID?; let stabilityRisk: Bool
    }

    @Sendable static func categories(req: Request) async throws -> [CategoryDTO] {
        _ = try req.currentUser
        return try await CaseCategory.query(on: req.db).filter(\.$active == true).sort(\.$code).all().map {
            CategoryDTO(id: $0.id!, code: $0.code, name: $0.name, parentID: $0.$parent.id, policy: $0.policy, departmentID: $0.$department.id,
                        stabilityRisk: $0.stabilityRisk)
        }
    }

    struct DayDTO: Content { let date: String; let kind: WorkCalendar.DayKind; let name: String }

    @Sendable static func calendar(req: Request) async throws -> [DayDTO] {
        _ = try req.currentUser
        let year = try req.parameters.require("year", as: Int.self)
        return try await CalendarDay.query(on: req.db).filter(\.$date =~ "\(year)-").sort(\.$date).all().map {
            DayDTO(date: $0.date, kind: $0.kind, name: $0.name)
        }
    }
}
