import Fluent
import GridCore
import Vapor

/// 走访: the week's visit plan and the visit form (special-group visibility applies: `SpecialGroupVisibility`).
extension FieldController {
    // MARK: 走访

    struct VisitsPage: Encodable {
        let layout: Layout
        let query: String
        let people: [PersonRow]
        let week: String
        let overdue: [DueRow]
        let days: [DayPlan]
        let done: [PersonRow]
        let dueThisWeek: Int
    }

    struct DayPlan: Encodable { let label: String; let date: String; let today: Bool; let due: [DueRow] }

    struct PersonRow: Encodable { let name: String; let detail: String; let href: String }

    /// People to visit: those due, and a search by name in the worker's grids.
    @Sendable static func visits(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req).compactMap(\.id)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        var people: [PersonRow] = []
        if !q.isEmpty {
            let found = try await Person.query(on: req.db).filter(\.$gridID ~~ grids).filter(\.$name, like: .contains(q)).sort(\.$name).limit(30)
                .with(\.$household).all()
            people = found.map { p in
                PersonRow(name: p.name, detail: [p.kind.displayName, p.household.map { "户号 \($0.number)" } ?? ""].filter { !$0.isEmpty }.joined(separator: " · "),
                          href: SiteURL.fieldVisitNew.path(["person": "\(p.id!)"]))
            }
        }
        // 本周走访计划: what is late, what falls due each day of this week, what was done since Monday.
        let week = VisitWeek(containing: LocalDate(req.now))
        let due = try await SpecialGroupVisibility(user).members(SpecialGroupMember.query(on: req.db)).filter(\.$gridID ~~ grids)
            .filter(\.$active == true).filter(\.$nextVisitDue <= week.sunday.description)
            .sort(\.$nextVisitDue).limit(300).with(\.$person).all()
        func row(_ m: SpecialGroupMember) -> DueRow {
            DueRow(name: m.person.name, kind: m.kind.displayName, due: m.nextVisitDue, overdue: m.nextVisitDue < week.today.description,
                   href: SiteURL.fieldVisitNew.path(["person": "\(m.$person.id)", "member": "\(m.id!)"]))
        }
        var overdue: [DueRow] = [], byDay = Array(repeating: [DueRow](), count: 7)
        for m in due {
            guard let date = LocalDate(m.nextVisitDue) else { continue }
            switch week.slot(of: date) {
            case .overdue: overdue.append(row(m))
            case .day(let i): byDay[i].append(row(m))
            case .later: break
            }
        }
        let done = try await Visit.query(on: req.db).filter(\.$workerID == user.id).filter(\.$visitedOn >= week.monday.description)
            .sort(\.$at, .descending).limit(100).all()
        let doneNames = Dictionary(try await Person.query(on: req.db).filter(\.$id ~~ done.compactMap(\.personID)).all().map { ($0.id!, $0.name) },
                                   uniquingKeysWith: { a, _ in a })
        return try await req.view.render("field/visits", VisitsPage(
            layout: layout(req, user, title: "走访", tab: "visits"), query: q, people: people,
            week: "\(week.monday.description) 至 \(week.sunday.description)", overdue: overdue,
            days: week.days.enumerated().compactMap { i, d in
                d < week.today ? nil : DayPlan(label: VisitWeek.dayNames[i], date: String(d.description.suffix(5)), today: d == week.today, due: byDay[i])
            },
            done: done.map { v in
                PersonRow(name: v.personID.flatMap { doneNames[$0] } ?? "入户走访", detail: "\(v.visitedOn) · \(v.note.prefix(30))",
                          href: v.personID.map { SiteURL.fieldVisitNew.path(["person": "\($0)"]) } ?? SiteURL.fieldVisits.path)
            },
            dueThisWeek: byDay.reduce(0) { $0 + $1.count }))
    }

    struct VisitPage: Encodable {
        let layout: Layout
        let personID: String
        let name: String
        let facts: [Figure]
        let members: [CaseController.Option]
        let lastVisits: [Figure]
        let today: String
        let clientKey: String
        let note: String
    }

    static func renderVisit(_ req: Request, personID: UUID, member: String?, note: String = "", error: String? = nil) async throws -> Response {
        let user = try worker(req)
        let registry = req.registry
        let p = try await registry.person(personID, for: user)
        let household = try await p.$household.get(on: req.db)
        let visibility = SpecialGroupVisibility(user)
        let members = try await visibility.members(SpecialGroupMember.query(on: req.db)).filter(\.$person.$id == personID).filter(\.$active == true).all()
        let last = try await visibility.visits(Visit.query(on: req.db).filter(\.$personID == personID).sort(\.$at, .descending).limit(3).all(), on: req.db)
        let page = VisitPage(
            layout: layout(req, user, title: "走访记录", tab: "visits", error: error, back: SiteURL.fieldVisits.path),
            personID: personID.uuidString, name: p.name,
            facts: [Figure(label: "类型", value: p.kind.displayName, warn: false),
                    Figure(label: "户号", value: household?.number ?? "—", warn: false),
                    Figure(label: "电话", value: p.phoneTail.map { "尾号 \($0)" } ?? "未登记", warn: false),
                    Figure(label: "就业", value: p.employment ?? "—", warn: false),
                    Figure(label: "标签", value: p.tags.isEmpty ? "—" : p.tags, warn: false)],
            members: members.map { m in
                CaseController.Option(value: m.id!.uuidString, label: "\(m.kind.displayName)（应于 \(m.nextVisitDue) 前走访）",
                                      selected: m.id!.uuidString == member || members.count == 1)
            },
            lastVisits: last.map { Figure(label: $0.visitedOn + " " + $0.workerName, value: $0.note, warn: false) },
            today: LocalDate(req.now).description, clientKey: UUID().uuidString, note: note)
        let response = try await req.view.render("field/visit", page).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    @Sendable static func visitForm(req: Request) async throws -> Response {
        guard let id = req.query[String.self, at: "person"].flatMap(UUID.init(uuidString:)) else {
            return req.redirect(to: SiteURL.fieldVisits.path)
        }
        return try await renderVisit(req, personID: id, member: req.query[String.self, at: "member"])
    }

    struct VisitForm: Content {
        var person: String
        var member: String?
        var note: String
        var visitedOn: String?
        var phone: String?
        var employment: String?
        var addTags: String?
        var clientKey: String?
        var photos: [File]?
    }

    @Sendable static func recordVisit(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(VisitForm.self)
        guard let personID = UUID(uuidString: form.person) else { throw Abort(.badRequest, reason: "缺少走访对象") }
        do {
            let key = try FieldService.validKey(form.clientKey ?? req.headers.first(name: "X-Client-Key"))
            let registry = req.registry
            let (id, duplicate) = try await FieldService.once(key, user: user, on: req.db) {
                let p = try await registry.person(personID, for: user)
                var member: SpecialGroupMember?
                if let mid = form.member.flatMap(nonEmpty).flatMap(UUID.init(uuidString:)) {
                    member = try await SpecialGroupVisibility(user).member(mid, person: personID, on: req.db)
                    guard member != nil else { throw Abort(.notFound, reason: "特殊人群登记不存在") }
                }
                var date: LocalDate?
                if let text = form.visitedOn.flatMap(nonEmpty) {
                    guard let d = LocalDate(text) else { throw Abort(.unprocessableEntity, reason: "走访日期格式应为 年-月-日") }
                    date = d
                }
                let photos = try await CaseController.storePhotos(form.photos ?? [], req: req)
                let update = RegistryService.VisitUpdate(phone: form.phone, employment: form.employment, addTags: form.addTags)
                return try await registry.recordVisit(person: p, member: member, note: form.note, on: date, by: user, photos: photos,
                                                      update: update, clientKey: key).id!.uuidString
            }
            return try await answer(req, id: id, duplicate: duplicate, kind: "visit", href: SiteURL.person(personID).path, then: SiteURL.fieldVisits.path(["notice": "saved"]))
        } catch {
            let (status, reason) = ErrorPageMiddleware.describe(error)
            guard status.code < 500, status != .notFound, !req.wantsJSON else { throw error }
            return try await renderVisit(req, personID: personID, member: form.member, note: form.note, error: reason)
        }
    }
}
