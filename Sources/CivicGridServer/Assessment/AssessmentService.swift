import Fluent
import Foundation
import GridCore
import Vapor

/// 百分考核 on the server: gathers each grid's month from the records (in a few bulk queries for
/// all grids at once), scores it with the current scheme, keeps the street's hardware points, and
/// freezes a month once it has ended.
struct AssessmentService {
    let db: any Database
    let app: Application
    var now: Date { app.state.clock.now() }

    /// A month "yyyy-MM" with its first and last day.
    struct Month: Equatable {
        let first: LocalDate
        var text: String { String(first.description.prefix(7)) }
        var last: LocalDate { next.first.adding(days: -1) }
        var next: Month { Month(first: first.month == 12 ? LocalDate(year: first.year + 1, month: 1, day: 1) : LocalDate(year: first.year, month: first.month + 1, day: 1)) }
        var previous: Month { Month(first: first.month == 1 ? LocalDate(year: first.year - 1, month: 12, day: 1) : LocalDate(year: first.year, month: first.month - 1, day: 1)) }

        init(first: LocalDate) { self.first = first }
        init?(_ text: String) {
            guard text.count == 7, let d = LocalDate(text + "-01") else { return nil }
            first = d
        }
        init(containing d: LocalDate) { first = LocalDate(year: d.year, month: d.month, day: 1) }
    }

    func scheme() async throws -> AssessmentScheme {
        try await AssessmentSchemeRecord.query(on: db).sort(\.$version, .descending).first()?.scheme ?? .standard
    }

    func saveScheme(_ edited: AssessmentScheme, by user: CurrentUser) async throws -> AssessmentScheme {
        let current = try await scheme()
        var next = edited
        next.version = current.version + 1
        let valid: AssessmentScheme
        do { valid = try next.validated() } catch { throw Abort(.unprocessableEntity, reason: error.description) }
        let r = AssessmentSchemeRecord()
        r.version = valid.version; r.body = String(decoding: try JSONEncoder().encode(valid), as: UTF8.self)
        r.createdAt = now; r.createdBy = user.displayName
        try await r.create(on: db)
        return valid
    }

    // MARK: Gathering a month

    /// Every grid's month, gathered with one query per kind of record.
    func months(_ grids: [Area], _ month: Month) async throws -> [Int: AssessmentMonth] {
        let ids = grids.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        let today = LocalDate(now)
        let end = min(month.last, today)  // the current month counts up to today
        let start = month.first.startInstant, stop = month.next.first.startInstant
        var out = Dictionary(uniqueKeysWithValues: ids.map { ($0, AssessmentMonth()) })
        let calendar = try await CalendarService.load(on: db)
        var workingDays = 0
        var d = month.first
        while d <= end { if calendar.isWorkingDay(d) { workingDays += 1 }; d = d.adding(days: 1) }
        for id in ids { out[id]!.workingDays = workingDays }

        // Patrol days (days with a check-in that are working days or not: a Sunday patrol counts too, capped below).
        var days: [Int: Set<String>] = [:]
        for c in try await PatrolCheckIn.query(on: db).filter(\.$gridID ~~ ids)
            .filter(\.$day >= month.first.description).filter(\.$day <= month.last.description).all() where !c.isUnverified {
            days[c.gridID, default: []].insert(c.day)
        }
        for (id, set) in days { out[id]?.patrolDays = min(set.count, max(workingDays, 1)) }

        // Visits: due by each active member's frequency over the days of the month so far; done with a member.
        let span = max(0, end.daysSinceEpoch - month.first.daysSinceEpoch + 1)
        for m in try await SpecialGroupMember.query(on: db).filter(\.$gridID ~~ ids).filter(\.$active == true).all() {
            out[m.gridID]?.visitsDue += Int((Double(span) / Double(m.kind.visitEveryDays)).rounded(.up))
        }
        for v in try await Visit.query(on: db).filter(\.$gridID ~~ ids).filter(\.$memberID != nil)
            .filter(\.$visitedOn >= month.first.description).filter(\.$visitedOn <= month.last.description).all() {
            out[v.gridID]?.visitsDone += 1
        }
        for id in ids { out[id]!.visitsDone = min(out[id]!.visitsDone, out[id]!.visitsDue) }

        // Registry updates.
        for r in try await RegistryRevision.query(on: db).filter(\.$gridID ~~ ids).filter(\.$at >= start).filter(\.$at < stop).all() {
            out[r.gridID]?.registryUpdates += 1
        }

        // Hardware.
        for h in try await AssessmentHardware.query(on: db).filter(\.$gridID ~~ ids).filter(\.$month == month.text).all() {
            out[h.gridID]?.hardware = h.points; out[h.gridID]?.hardwareReason = h.reason
        }

        // Cases received in the month (rollups): all, and those the grid's workers found.
        for (id, facts) in try await CaseRollup.perArea(ids, from: month.first.description, to: month.last.description, on: db) {
            out[id]?.cases = facts.all
            out[id]?.casesFound = facts.byChannel[CaseChannel.gridWorker.rawValue]?.received ?? 0
            out[id]?.workerReports = facts.byChannel[CaseChannel.gridWorker.rawValue] ?? CaseFacts()
        }

        // Verification speed: each verification in the month after the reply before it.
        let verifies = try await TimelineEntry.query(on: db).join(Case.self, on: \TimelineEntry.$case.$id == \Case.$id)
            .filter(Case.self, \.$grid.$id ~~ ids).filter(\.$action == ActionKind.verify.rawValue)
            .filter(\.$at >= start).filter(\.$at < stop).all()
        if !verifies.isEmpty {
            let caseIDs = Array(Set(verifies.map { $0.$case.id }))
            let replies = try await TimelineEntry.query(on: db).filter(\.$case.$id ~~ caseIDs).filter(\.$action == ActionKind.reply.rawValue).all()
            let grids = Dictionary(try await Case.query(on: db).filter(\.$id ~~ caseIDs).all().map { ($0.id!, $0.$grid.id) }, uniquingKeysWith: { a, _ in a })
            var hours: [Int: [Double]] = [:]
            for v in verifies {
                guard let reply = replies.filter({ $0.$case.id == v.$case.id && $0.seq < v.seq }).max(by: { $0.seq < $1.seq }),
                      let grid = grids[v.$case.id] else { continue }
                hours[grid, default: []].append(v.at.timeIntervalSince(reply.at) / 3600)
            }
            for (grid, list) in hours where !list.isEmpty {
                out[grid]?.verifyHours = list.reduce(0, +) / Double(list.count)
                out[grid]?.verifications = list.count
            }
        }

        // The negative list: deadlines the grid missed this month.
        let negatives = try await NegativeListEntry.query(on: db).filter(\.$areaID ~~ ids.map { Optional($0) })
            .filter(\.$createdAt >= start).filter(\.$createdAt < stop).with(\.$case).all()
        for n in negatives {
            guard let grid = n.areaID else { continue }
            out[grid]?.deductions.append(.init(points: n.points, reason: n.reason, caseCode: n.case.code))
        }

        // Tasks due in the month (and passed) that the grid left unfinished.
        let targets = try await TaskGrid.query(on: db).filter(\.$gridID ~~ ids).all()
        if !targets.isEmpty {
            let tasks = try await FieldTask.query(on: db).filter(\.$id ~~ Array(Set(targets.map(\.taskID))))
                .filter(\.$dueOn >= month.first.description).filter(\.$dueOn <= month.last.description).filter(\.$dueOn < today.description).all()
            let byID = Dictionary(tasks.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
            let marks = tasks.isEmpty ? [] : try await TaskItemMark.query(on: db).filter(\.$taskID ~~ tasks.compactMap(\.id)).filter(\.$gridID ~~ ids).all()
            for t in targets {
                guard let task = byID[t.taskID] else { continue }
                let done = Set(marks.filter { $0.taskID == t.taskID && $0.gridID == t.gridID }.map(\.itemIndex)).count
                if done < task.itemList.count { out[t.gridID]?.overdueTasks.append(task.title) }
            }
        }
        return out
    }

    // MARK: Scores

    struct GridScore {
        let grid: Area
        let score: AssessmentScore?
        /// Frozen results are read back as they were.
        let frozen: AssessmentResult?

        var total: Double { frozen?.total ?? score?.total ?? 0 }
        func part(_ p: AssessmentScheme.Part) -> Double {
            if let f = frozen { return p == .daily ? f.daily : p == .hardware ? f.hardware : f.work }
            return score?.part(p) ?? 0
        }
        var deducted: Double { frozen?.deducted ?? score?.deducted ?? 0 }
    }

    /// The grids' scores for the month: frozen ones as frozen, the others computed now.
    func scores(_ grids: [Area], _ month: Month) async throws -> [GridScore] {
        let frozen = Dictionary(try await AssessmentResult.query(on: db).filter(\.$month == month.text).filter(\.$gridID ~~ grids.compactMap(\.id)).all()
            .map { ($0.gridID, $0) }, uniquingKeysWith: { a, _ in a })
        let open = grids.filter { frozen[$0.id!] == nil }
        let scheme = try await scheme()
        let months = try await months(open, month)
        return grids.map { g in
            if let f = frozen[g.id!] { return GridScore(grid: g, score: nil, frozen: f) }
            return GridScore(grid: g, score: months[g.id!].map { Assessment.score($0, scheme: scheme) }, frozen: nil)
        }.sorted { $0.total != $1.total ? $0.total > $1.total : $0.grid.code < $1.grid.code }
    }

    struct FrozenDetail: Codable {
        struct Line: Codable { let measure: String; let part: String; let points: Double; let max: Double; let actual: String; let formula: String }
        struct Deduction: Codable { let points: Double; let reason: String; let caseCode: String? }
        let lines: [Line]
        let deductions: [Deduction]
        let explanation: [String]
    }

    static func detail(_ s: AssessmentScore) -> FrozenDetail {
        FrozenDetail(lines: s.lines.map { .init(measure: $0.measure.rawValue, part: $0.part.rawValue, points: $0.points, max: $0.max, actual: $0.actual, formula: $0.formula) },
                     deductions: s.deductions.map { .init(points: $0.points, reason: $0.reason, caseCode: $0.caseCode) }, explanation: s.explanation)
    }

    /// Freezes a month that has ended for these grids (those already frozen stay as they are).
    func freeze(_ grids: [Area], _ month: Month, by user: CurrentUser) async throws -> Int {
        guard month.last < LocalDate(now) else { throw Abort(.unprocessableEntity, reason: "\(month.text) 尚未结束，月末后才能冻结") }
        let scores = try await scores(grids, month).filter { $0.frozen == nil }
        let at = now
        try await db.transaction { tx in
            for s in scores {
                guard let score = s.score else { continue }
                let r = AssessmentResult()
                r.month = month.text; r.gridID = s.grid.id!; r.schemeVersion = score.schemeVersion; r.total = score.total
                r.daily = score.part(.daily); r.hardware = score.part(.hardware); r.work = score.part(.work); r.deducted = score.deducted
                r.detail = String(decoding: try JSONEncoder().encode(Self.detail(score)), as: UTF8.self)
                r.frozenAt = at; r.frozenBy = user.displayName
                try await r.create(on: tx)
            }
        }
        return scores.count
    }

    /// The street (or district, or an administrator) enters a grid's hardware points with a reason.
    func setHardware(grid: Area, month: Month, points: Double, reason: String, by user: CurrentUser) async throws {
        guard Self.mayRate(user, grid: grid) else { throw Abort(.forbidden, reason: "硬件建设由街道（或区）评定") }
        let max = try await scheme().items.first { $0.measure == .hardware }?.points ?? 10
        guard (0...max).contains(points) else { throw Abort(.unprocessableEntity, reason: "硬件建设得分应在 0–\(AssessmentScheme.Problem.format(max)) 之间") }
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard points == max || !text.isEmpty else { throw Abort(.unprocessableEntity, reason: "未得满分请写明扣分原因") }
        guard text.count <= 200 else { throw Abort(.unprocessableEntity, reason: "原因不超过 200 字") }
        guard try await AssessmentResult.query(on: db).filter(\.$month == month.text).filter(\.$gridID == grid.requireID()).count() == 0 else {
            throw Abort(.conflict, reason: "\(month.text) 的考核已冻结，不能再修改")
        }
        let h = try await AssessmentHardware.query(on: db).filter(\.$gridID == grid.requireID()).filter(\.$month == month.text).first() ?? AssessmentHardware()
        h.gridID = try grid.requireID(); h.month = month.text; h.points = points; h.reason = text
        h.enteredBy = user.id; h.enteredByName = user.displayName; h.enteredAt = now
        try await h.save(on: db)
    }

    /// Operators, leaders and administrators at street level or above whose scope holds the grid.
    static func mayRate(_ user: CurrentUser, grid: Area) -> Bool {
        user.assignments.contains { a in
            [.operator, .leader, .administrator].contains(a.role) && (a.areaLevel.map { $0 <= .street } ?? false)
                && (a.areaPath.map { $0.contains(grid.areaPath) } ?? false)
        }
    }

    static func mayFreeze(_ user: CurrentUser) -> Bool {
        user.assignments.contains { [.operator, .leader, .administrator].contains($0.role) && ($0.areaLevel.map { $0 <= .street } ?? false) }
    }
}
