import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// People: masked personal data, the logged "show", special-group files and visits, organisations and components.
extension RegistryController {
    // MARK: People

    struct Membership: Encodable {
        let id: String
        let kind: String
        let facts: [Fact]
        let frequency: String
        let lastVisit: String
        let nextDue: String
        let status: String
        let overdue: Bool
        let responsible: String
    }
    struct PersonPage: Encodable {
        let layout: PageLayout
        let id: String
        let name: String
        let facts: [Fact]
        let idNumber: String
        let phone: String
        let health: String?
        let revealed: String?
        let canReveal: Bool
        let household: Link?
        let housemates: [PersonRow]
        let memberships: [Membership]
        let fileKinds: [KindForm]
        let visits: [VisitRow]
        let history: [Change]
        let can: RegistryAbilities
        let form: PersonForm
        let error: String?
        let today: String
    }
    struct KindForm: Encodable { let value: String; let label: String; let fields: [FieldForm] }
    struct FieldForm: Encodable { let key: String; let label: String; let options: [String]; let hasOptions: Bool }
    struct PersonForm: Encodable {
        let action: String
        let name: String
        let phone: String
        let kinds: [Option]
        let relations: [Option]
        let grids: [Option]
        let householdNumber: String
        let employment: String
        let tags: String
        let registeredAddress: String
        let isNew: Bool
    }

    @Sendable static func person(req: Request) async throws -> View {
        try await renderPerson(req, id: try req.parameters.require("id", as: UUID.self), revealed: nil, error: nil)
    }

    static func renderPerson(_ req: Request, id: UUID, revealed: (RegistryService.RevealField, String)?, error: String?, status: HTTPStatus = .ok) async throws -> View {
        let user = try reader(req)
        let registry = service(req)
        let p = try await registry.person(id, for: user)
        let grid = try await Area.find(p.gridID, on: req.db)
        let today = LocalDate(req.state.clock.now())
        let hh = try await p.$household.get(on: req.db)
        var housemates: [Person] = []
        if let h = hh { housemates = try await Person.query(on: req.db).filter(\.$household.$id == h.id!).filter(\.$id != id).all() }
        let visibility = SpecialGroupVisibility(user)
        let visible = try await visibility.members(SpecialGroupMember.query(on: req.db)).filter(\.$person.$id == id).filter(\.$active == true).all()
        let responsibleIDs = Array(Set(visible.compactMap(\.responsibleID)))
        var responsibleNames: [UUID: String] = [:]
        for u in try await User.query(on: req.db).filter(\.$id ~~ responsibleIDs).all() { responsibleNames[u.id!] = u.displayName }
        let memberships = visible.map { m -> Membership in
            let due = LocalDate(m.nextVisitDue) ?? today
            let status = VisitSchedule.status(nextDue: due, today: today)
            let values = m.detailValues
            return Membership(id: m.id!.uuidString, kind: m.kind.displayName, facts: m.kind.fields.map { Fact(label: $0.label, value: values[$0.key] ?? "—") },
                              frequency: m.kind.visitFrequencyText, lastVisit: m.lastVisitOn ?? "尚未走访", nextDue: m.nextVisitDue,
                              status: status.displayName, overdue: status.isOverdue,
                              responsible: m.responsibleID.flatMap { responsibleNames[$0] } ?? "未指定")
        }
        let age = p.birthYear.map { today.year - $0 } ?? 0
        let grids = try await registry.grids(for: user)
        let can = RegistryAbilities(user)
        let filed = Set(visible.map(\.kind))
        let visits = try await visibility.visits(Visit.query(on: req.db).filter(\.$personID == id).sort(\.$at, .descending).limit(30).all(), on: req.db)
        return try await req.view.render("registry/person", PersonPage(
            layout: PageLayout(req, title: p.name, section: "registry"), id: id.uuidString, name: p.name,
            facts: [Fact(label: "性别", value: p.gender.displayName), Fact(label: "出生年份", value: p.birthYear.map { "\($0) 年（约 \(age) 岁）" } ?? "—"),
                    Fact(label: "人口类型", value: p.kind.displayName), Fact(label: "所属网格", value: grid?.name ?? ""),
                    Fact(label: "与户主关系", value: p.relation?.displayName ?? "—"), Fact(label: "就业情况", value: p.employment ?? "—"),
                    Fact(label: "户籍地址", value: p.registeredAddress ?? "—"), Fact(label: "标签", value: p.tags.isEmpty ? "—" : p.tags)],
            idNumber: revealed?.0 == .idNumber ? revealed!.1 : registry.maskedID(p),
            phone: revealed?.0 == .phone ? revealed!.1 : (registry.maskedPhone(p) ?? "未登记"),
            health: p.healthSealed == nil ? nil : (revealed?.0 == .health ? revealed!.1 : "已记录（需说明事由后查看）"),
            revealed: revealed.map { "已显示完整\($0.0.displayName)，本次查看已记入访问日志" },
            canReveal: RegistryRules.mayReveal(user.roles),
            household: hh.map { Link(label: "户号 \($0.number)", href: SiteURL.household($0.id!).path) },
            housemates: housemates.map { personRow($0, registry: registry, gridName: grid?.name ?? "", today: today) },
            memberships: memberships,
            fileKinds: can.fileSpecialGroup ? visibility.visible.filter { !filed.contains($0) }.map { k in
                KindForm(value: k.rawValue, label: "\(k.displayName)（\(k.visitFrequencyText)走访）",
                         fields: k.fields.map { FieldForm(key: $0.key, label: $0.label, options: $0.options, hasOptions: !$0.options.isEmpty) })
            } : [],
            visits: try await visitRows(visits, on: req.db),
            history: try await registry.history(.person, id).map(change), can: can,
            form: personForm(action: SiteURL.person(id).path, p: p, householdNumber: hh?.number ?? "", grids: grids, gridID: p.gridID),
            error: error, today: today.description))
    }

    static func personForm(action: String, p: Person?, householdNumber: String, grids: [Area], gridID: Int?) -> PersonForm {
        PersonForm(action: action, name: p?.name ?? "", phone: "",
                   kinds: PersonKind.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == (p?.kind ?? .registered)) },
                   relations: HouseholdRelation.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == p?.relation) },
                   grids: grids.map { Option(value: String($0.id!), label: "\($0.name)（\($0.code)）", selected: $0.id == gridID) },
                   householdNumber: householdNumber, employment: p?.employment ?? "", tags: p?.tags ?? "",
                   registeredAddress: p?.registeredAddress ?? "", isNew: p == nil)
    }

    struct NewPersonPage: Encodable { let layout: PageLayout; let form: PersonForm; let error: String? }

    @Sendable static func newPerson(req: Request) async throws -> View {
        let user = try req.currentUser
        try RegistryService.require(.create, .person, by: user)
        let grids = try await service(req).grids(for: user)
        return try await req.view.render("registry/person_new", NewPersonPage(
            layout: PageLayout(req, title: "登记人口", section: "registry"),
            form: personForm(action: SiteURL.people.path, p: nil, householdNumber: req.query[String.self, at: "household"] ?? "", grids: grids,
                             gridID: req.query[Int.self, at: "grid"] ?? grids.first?.id), error: nil))
    }

    @Sendable static func createPerson(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.create, .person, by: user)
        let draft = try req.content.decode(RegistryService.PersonDraft.self)
        do {
            let p = try await service(req).savePerson(draft, existing: nil, by: user)
            return req.redirect(to: SiteURL.person(p.id!).path(["notice": "created"]))
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .conflict {
            let grids = try await service(req).grids(for: user)
            var form = personForm(action: SiteURL.people.path, p: nil, householdNumber: draft.householdNumber ?? "", grids: grids, gridID: draft.gridID)
            form = PersonForm(action: form.action, name: draft.name, phone: draft.phone ?? "", kinds: form.kinds, relations: form.relations, grids: form.grids,
                              householdNumber: form.householdNumber, employment: draft.employment ?? "", tags: draft.tags ?? "",
                              registeredAddress: draft.registeredAddress ?? "", isNew: true)
            return try await req.view.render("registry/person_new", NewPersonPage(layout: PageLayout(req, title: "登记人口", section: "registry"), form: form, error: error.reason))
                .encodeResponse(status: error.status, for: req)
        }
    }

    @Sendable static func updatePerson(req: Request) async throws -> Response {
        let user = try req.currentUser
        try RegistryService.require(.update, .person, by: user)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let p = try await registry.person(id, for: user)
        return try await req.submitForm({
            try await registry.savePerson(try req.content.decode(RegistryService.PersonDraft.self), existing: p, by: user)
        }, showAgain: { try await renderPerson(req, id: id, revealed: nil, error: $0) }, then: SiteURL.person(id).path(["notice": "saved"]))
    }

    struct RevealBody: Content { let field: String; let reason: String }

    @Sendable static func reveal(req: Request) async throws -> Response {
        let user = try reader(req)
        let registry = service(req)
        let id = try req.parameters.require("id", as: UUID.self)
        let body = try req.content.decode(RevealBody.self)
        guard let field = RegistryService.RevealField(rawValue: body.field) else { throw Abort(.badRequest, reason: "未知字段") }
        let p = try await registry.person(id, for: user)
        do {
            let value = try await registry.reveal(field, of: p, by: user, reason: body.reason)
            return try await renderPerson(req, id: id, revealed: value.map { (field, $0) }, error: value == nil ? "未登记\(field.displayName)" : nil)
                .encodeResponse(for: req)
        } catch let error as AbortError where error.status == .unprocessableEntity || error.status == .tooManyRequests {
            return try await renderPerson(req, id: id, revealed: nil, error: error.reason).encodeResponse(status: error.status, for: req)
        }
    }

}
