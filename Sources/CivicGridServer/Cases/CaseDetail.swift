import Fluent
import GridCore
import Vapor

/// Everything the case page shows, built once per request.
struct CaseDetail: Encodable {
    let id: String
    let code: String
    let title: String
    let description: String
    let status: String
    let statusClass: String
    let publicStatus: String
    let overdue: Bool
    let urgency: String
    let urgent: Bool
    let supervised: Bool
    let inquiryOpen: Bool
    let facts: [Fact]
    let deadlines: [DeadlineRow]
    let timeline: [TimelineRow]
    let photos: [PhotoRow]
    let inquiries: [InquiryRow]
    let actions: [ActionForm]
    let map: MapView?
    /// 疑似重复: open cases of the same kind nearby, offered for merging when the user may reject.
    let duplicates: [DuplicateRow]
    let canMerge: Bool
    let duplicateRule: String
    /// For a merged duplicate: the case it follows.
    let master: MasterRow?
    /// For a master: the duplicates merged into it.
    let mergedHere: [LinkRow]
    /// The command center's moderation of what Open311 publishes for a resident's report.
    var publication: Publication? = nil
    /// Requests to the level above (延期, 缓办, 退单, 作废), newest first; the open one, if any, first of all.
    var requests: [RequestRow] = []
    var pendingRequest: RequestRow? = nil
    /// 暂缓办理 until …, with the reason.
    var suspension: String? = nil
    /// 回访: where it stands and each attempt.
    var callbackStatus: String? = nil
    var callbacks: [CallbackRow] = []
    /// The worst light of the running clocks (the case's 时限灯).
    var light: LightView? = nil

    struct RequestRow: Encodable {
        let kind: String; let reason: String; let by: String; let at: String; let proposal: String?
        let state: String; let stateClass: String; let decision: String?
    }
    struct CallbackRow: Encodable { let at: String; let by: String; let result: String }
    struct LightView: Encodable { let color: String; let label: String }

    struct Publication: Encodable { let action: String; let text: String; let published: Bool; let fallback: String }

    struct DuplicateRow: Encodable { let id: String; let code: String; let title: String; let channel: String; let status: String; let distance: String; let reported: String }
    struct MasterRow: Encodable { let code: String; let href: String?; let status: String; let steps: [String] }
    struct LinkRow: Encodable { let code: String; let href: String; let channel: String }

    struct Fact: Encodable { let label: String; let value: String; var href: String? = nil }
    struct DeadlineRow: Encodable {
        let kind: String; let due: String; let state: String; let stateClass: String; let holder: String
        /// 时限灯 of a running clock: green / yellow / red, and its words.
        let light: String?; let lightLabel: String?
        /// "按平日推算：2027 年放假安排未录入" when the count ran through a year without its arrangement.
        let estimate: String?
    }
    struct TimelineRow: Encodable {
        let seq: Int; let at: String; let actor: String; let role: String; let action: String; let change: String?
        let comment: String?; let photos: [String]; let hash: String
    }
    struct PhotoRow: Encodable { let href: String; let stage: String }
    struct InquiryRow: Encodable { let question: String; let askedAt: String; let due: String; let answer: String?; let answeredAt: String? }
    struct Option: Encodable { let value: String; let label: String; let selected: Bool }

    /// One form per allowed action, with the fields that action needs.
    struct ActionForm: Encodable {
        let kind: String
        let label: String
        var primary: Bool
        let needsText: Bool
        let textLabel: String
        let photos: Bool
        let reasons: [Option]?
        let departments: [Option]?
        let coHandlers: [Option]?
        let days: Int?
        let verify: Bool
        let satisfactions: [Option]?
        let danger: Bool
        /// 同意 / 不同意 (decisions).
        var decision = false
        /// 延期申请: working days suggested, or a date.
        var extensionDays: Int? = nil
        /// 缓办申请: the review date suggested.
        var reviewDate: String? = nil
        /// 回访: contact, solved, satisfaction.
        var callback = false
        var contacts: [Option]? = nil
        /// 改分类: the 小类 to choose from, each with its time limits.
        var categories: [CategoryService.Group]? = nil
    }

    static func load(_ id: UUID, for user: CurrentUser, req: Request) async throws -> CaseDetail {
        let db = req.db
        let service = CaseService(db: db, app: req.application)
        let c = try await service.require(id, for: user)
        let now = req.now
        let category = try await c.$category.get(on: db)
        let group = try await category.$parent.get(on: db)
        let grid = try await c.$grid.get(on: db)
        let areaIDs = Set(grid.areaPath.ids + [c.$holderArea.id, c.dispatchedByAreaID, c.escalatedFromAreaID, c.escalatedToAreaID].compactMap { $0 })
        let areas = try await Area.query(on: db).filter(\.$id ~~ Array(areaIDs)).all()
        let departments = try await Department.query(on: db).sort(\.$code).all()
        func areaName(_ id: Int?) -> String? { id.flatMap { id in areas.first { $0.id == id }?.name } }
        func departmentName(_ id: UUID?) -> String? { id.flatMap { id in departments.first { $0.id == id }?.name } }

        let holder = departmentName(c.$holderDepartment.id) ?? areaName(c.$holderArea.id).map { "\($0)指挥中心" } ?? "—"
        var facts = [
            Fact(label: "事件类别", value: "\(group?.name ?? "") / \(category.name)" + (category.stabilityRisk ? "（稳定风险）" : "")),
            Fact(label: "来源渠道", value: c.channel.displayName + (c.externalRef.map { "（工单 \($0)）" } ?? "")),
            Fact(label: "所在网格", value: grid.name),
            Fact(label: "当前承办", value: holder),
            Fact(label: "上报人", value: NameMask.mask(c.reporterName)),
            Fact(label: "上报时间", value: Formatting.dateTime(c.reportedAt)),
        ]
        if let address = c.address { facts.append(Fact(label: "地址", value: address)) }
        // The code the reporter follows the case by: shown to the reporter, and to the command center
        // (who read it out to a caller) on request, each view logged; hidden from everyone else.
        if let code = c.trackingCode.flatMap(TrackingCode.init), let viewer = req.auth.get(CurrentUser.self) {
            if viewer.kind == .resident, viewer.id == c.$reporter.id {
                facts.append(Fact(label: "居民查询码", value: code.grouped))
            } else if viewer.roles.speaksForCommandCenter {
                if req.query[String.self, at: "show"] == "code" {
                    try await AccessLog(actorID: viewer.id, subjectType: "case", subjectID: id.uuidString, field: "trackingCode", at: now,
                                        reason: "向居民告知查询码", subjectLabel: c.code).create(on: db)
                    facts.append(Fact(label: "居民查询码", value: code.grouped + "（本次查看已记录）"))
                } else {
                    facts.append(Fact(label: "居民查询码", value: "已隐藏，点击查看（将记录）", href: "?show=code"))
                }
            }
        }
        if let buildingID = c.buildingID, let user = req.auth.get(CurrentUser.self), user.kind == .staff, RegistryRules.mayRead(user.roles),
           let b = try await RegistryService(db: db, app: req.application).buildings(user).filter(\.$id == buildingID).first() {
            // The people of the building, for whoever handles the case in the grid (看房知人).
            let houses = try await House.query(on: db).filter(\.$building.$id == buildingID).all().compactMap(\.id)
            let households = houses.isEmpty ? [] : try await Household.query(on: db).filter(\.$house.$id ~~ houses).all().compactMap(\.id)
            let people = households.isEmpty ? 0 : try await Person.query(on: db).filter(\.$household.$id ~~ households).count()
            facts.append(Fact(label: "楼栋", value: "\(b.name)：\(households.count) 户 \(people) 人", href: SiteURL.building(buildingID).path))
        }
        if let sealed = c.reporterPhoneSealed, let phone = try? req.state.cipher.open(sealed) { facts.append(Fact(label: "联系电话", value: PhoneNumber.mask(phone))) }
        let co = c.coHandlerIDs.compactMap(departmentName)
        if !co.isEmpty { facts.append(Fact(label: "协办部门", value: co.joined(separator: "、"))) }
        if let at = c.acceptedAt { facts.append(Fact(label: "受理时间", value: Formatting.dateTime(at))) }
        if let at = c.closedAt { facts.append(Fact(label: c.status == .rejected ? "不予受理时间" : "办结时间", value: Formatting.dateTime(at))) }
        if let r = c.resolution { facts.append(Fact(label: "办理方式", value: r.displayName)) }
        if let s = c.satisfaction { facts.append(Fact(label: "满意度", value: s.displayName)) }
        if let from = areaName(c.escalatedFromAreaID), let to = areaName(c.escalatedToAreaID) {
            facts.append(Fact(label: "逐级上报", value: "\(from) → \(to)（\(c.escalatedAt.map(Formatting.dateTime) ?? "")）"))
        }

        let deadlineRows = try await CaseQueries.deadlines(of: id, on: db).all()
        let deadlines = deadlineRows.map { d in
            let state: (String, String)
            let light = d.light(now: now)
            if let met = d.metAt { state = (met > d.dueAt ? "超时后完成" : "按时完成", met > d.dueAt ? "late" : "ok") }
            else if d.endedAt != nil { state = (d.endReason?.displayName ?? "已转办", "muted") }
            else { state = (Formatting.remaining(until: d.dueAt, now: now), light == .red ? "late" : light == .yellow ? "soon" : "") }
            return DeadlineRow(kind: d.kind.displayName, due: Formatting.deadline(d.dueAt), state: state.0, stateClass: state.1,
                               holder: departmentName(d.departmentID) ?? areaName(d.areaID) ?? "—",
                               light: light?.rawValue, lightLabel: light?.displayName,
                               estimate: d.computedWithoutYear.map { "按平日推算：\($0) 年放假安排未录入" })
        }
        let photos = try await CasePhoto.query(on: db).filter(\.$case.$id == id).sort(\.$createdAt).all()
        let timeline = try await CaseQueries.trace(of: id, on: db).all().map { e in
            TimelineRow(seq: e.seq, at: Formatting.dateTime(e.at), actor: e.actorName, role: roleLabel(e.role, e.level),
                         action: ActionKind(rawValue: e.action)?.displayName ?? e.action,
                         change: e.fromStatus == e.toStatus ? nil : [CaseStatus(rawValue: e.fromStatus)?.displayName, CaseStatus(rawValue: e.toStatus)?.displayName]
                            .compactMap { $0 }.joined(separator: " → "),
                         comment: e.comment.isEmpty ? nil : e.comment, photos: e.attachments.split(separator: ",").compactMap { UUID(uuidString: String($0)).map { SiteURL.casePhoto($0).path } }, hash: String(e.hash.prefix(12)))
        }
        let inquiries = try await Inquiry.query(on: db).filter(\.$case.$id == id).sort(\.$askedAt).all().map {
            InquiryRow(question: $0.question, askedAt: Formatting.dateTime($0.askedAt), due: Formatting.deadline($0.dueAt), answer: $0.answer,
                       answeredAt: $0.answeredAt.map(Formatting.dateTime))
        }

        let snapshot = try await service.snapshot(of: c, on: db)
        let allowed = try await service.machine().allowedActions(for: CaseService.actor(user), on: snapshot, now: now)
        // The decisions and next steps first, the rarer and the destructive ones after.
        let recategorizeChoices = allowed.contains(.recategorize)
            ? try await CategoryService.groups(on: db, describingLimits: true).map { g in
                CategoryService.Group(name: g.name, items: g.items.filter { $0.id != category.id?.uuidString })
            } : nil
        let actions = allowed.map { kind in
            var f = form(kind, category: category, departments: departments, policy: category.policy, now: now)
            if kind == .recategorize {
                f.categories = recategorizeChoices
                // A hotline order that arrived 待分类 wants its category before anything else.
                f.primary = category.code == CreateHotlineIntake.unmappedCode
            }
            return f
        }.enumerated().sorted { a, b in
            let rank = { (f: ActionForm) in f.primary ? 0 : f.danger ? 2 : 1 }
            return (rank(a.element), a.offset) < (rank(b.element), b.offset)
        }.map(\.element)
        // The grid among its neighbours, so an operator sees where in the community it is.
        let siblings = try await Area.query(on: db).filter(\.$parent.$id == grid.$parent.id).sort(\.$code).all()
        let pin = c.latitude.flatMap { lat in c.longitude.map { GeoPoint(lon: $0, lat: lat) } }

        let duplicateService = DuplicateService(db: db, app: req.application)
        let duplicates = c.status.isOpen && c.mergedIntoID == nil ? try await duplicateService.candidates(for: c, user: user) : []
        var master: MasterRow?
        if let masterID = c.mergedIntoID, let m = try await Case.find(masterID, on: db) {
            // The duplicate's reporter follows the master's progress: its status and public steps, no personal data.
            let visible = try await CaseService.visible(to: user, on: db).filter(\Case.$id == masterID).count() > 0
            let steps = try await CaseQueries.trace(of: masterID, on: db).all().map { e in
                "\(Formatting.dateTime(e.at)) \(ActionKind(rawValue: e.action)?.displayName ?? e.action)"
            }
            master = MasterRow(code: m.code, href: visible ? SiteURL.caseDetail(masterID).path : nil, status: m.status.publicStatus(overdue: m.overdue), steps: steps)
        }
        let mergedHere = try await duplicateService.merged(into: id).map { LinkRow(code: $0.code, href: SiteURL.caseDetail($0.id!).path, channel: $0.channel.displayName) }
        let rule = duplicateService.settings
        var detail = CaseDetail(
            id: id.uuidString, code: c.code, title: c.title, description: c.description, status: c.status.displayName, statusClass: c.status.rawValue,
            publicStatus: master.map { "重复诉求，已并入 \($0.code) 办理，主事件\($0.status)" } ?? c.status.publicStatus(overdue: c.overdue), overdue: c.overdue, urgency: c.urgency.displayName, urgent: c.urgency != .normal,
            supervised: c.supervised, inquiryOpen: c.inquiryOpen, facts: facts, deadlines: deadlines, timeline: timeline,
            photos: photos.map { PhotoRow(href: SiteURL.casePhoto($0.id!).path, stage: ActionKind(rawValue: $0.stage)?.displayName ?? $0.stage) },
            inquiries: inquiries, actions: actions, map: MapView(areas: siblings.map { ($0, nil) }, highlight: grid.id, width: 480, height: 320, pin: pin),
            duplicates: duplicates.map { d in
                DuplicateRow(id: d.record.id!.uuidString, code: d.record.code, title: d.record.title, channel: d.record.channel.displayName,
                             status: d.record.status.displayName, distance: "\(Int(d.match.distanceMetres.rounded())) 米",
                             reported: Formatting.dateTime(d.record.reportedAt))
            },
            canMerge: allowed.contains(.reject), duplicateRule: "同类别、\(Int(rule.radiusMetres)) 米内、前后 \(Int(rule.windowHours)) 小时内、尚未办结",
            master: master, mergedHere: mergedHere)
        if let worst = deadlineRows.compactMap({ $0.light(now: now) }).max() { detail.light = LightView(color: worst.rawValue, label: worst.displayName) }
        let requests = try await CaseRequest.query(on: db).filter(\.$case.$id == id).sort(\.$requestedAt, .descending).all()
        detail.requests = requests.map { r in
            let proposal = r.proposedDue.map { "延期至 \(Formatting.deadline($0))" } ?? r.reviewAt.map { "复核日期 \(LocalDate($0))" }
            let state: (String, String) = r.cancelledAt != nil ? ("事件已流转，申请自动关闭", "muted")
                : r.approved == true ? ("已同意", "ok") : r.approved == false ? ("未同意", "late") : ("待\(areaName(r.deciderAreaID) ?? "上级")审批", "soon")
            return RequestRow(kind: r.kind.displayName, reason: r.reason, by: r.requestedByName, at: Formatting.dateTime(r.requestedAt), proposal: proposal,
                              state: state.0, stateClass: state.1,
                              decision: r.decidedAt.map { "\(r.decidedByName ?? "")（\(Formatting.dateTime($0))）：\(r.decision ?? "")" })
        }
        detail.pendingRequest = zip(requests, detail.requests).first { $0.0.isOpen }?.1
        if c.status == .suspended, let until = c.suspendedUntil {
            detail.suspension = "暂缓办理至 \(LocalDate(until))（到期自动恢复办理）" + (c.suspendedReason.map { "，原因：\($0)" } ?? "")
        }
        detail.callbackStatus = c.callbackStatus.map { status in
            status.displayName + (status == .pending && (c.callbackAttempts ?? 0) > 0 ? "（已 \(c.callbackAttempts!) 次未接通）" : "")
        }
        detail.callbacks = try await CaseCallback.query(on: db).filter(\.$case.$id == id).sort(\.$at).all().map {
            CallbackRow(at: Formatting.dateTime($0.at), by: $0.byName,
                        result: CallbackOutcome(contact: $0.contact, resolved: $0.resolved, satisfaction: $0.satisfaction, note: $0.note).summary)
        }
        if Open311Publication.isResidentReport(c.channel), user.kind == .staff, user.roles.speaksForCommandCenter,
           try await Open311Records.isPublic(category.requireID(), on: db) {
            let text = try await CasePublication.find(id, on: db)?.text
            detail.publication = Publication(action: SiteURL.casePublication(id).path, text: text ?? "", published: text != nil, fallback: category.name)
        }
        return detail
    }

    static func roleLabel(_ role: String, _ level: String) -> String {
        if role == "resident" { return "居民" }
        let name = Role(rawValue: role)?.displayName ?? role
        if level == "department" { return name }
        return (AreaLevel(rawValue: level).map { $0.defaultName.components(separatedBy: "(")[0] } ?? "") + name
    }

    static func form(_ kind: ActionKind, category: CaseCategory, departments: [Department], policy: SLAPolicy, now: Date) -> ActionForm {
        let textLabels: [ActionKind: String] = [
            .resolveOnSite: "处置情况", .reject: "不予受理理由", .handleLocally: "办理安排", .escalate: "上报理由", .dispatch: "交办意见",
            .explain: "向群众解释说明的内容", .returnCase: "退回理由", .reply: "办理结果", .verify: "核查意见", .reopen: "重新办理原因",
            .urge: "催办意见", .supervise: "督办意见", .fileInquiry: "质询内容", .answerInquiry: "答复内容", .rate: "群众评价意见",
            .requestExtension: "延期理由", .decideExtension: "审批意见（不同意时必填）", .suspend: "缓办理由（如：待列入预算、季节原因、涉诉）",
            .decideSuspension: "审批意见（不同意时必填）", .resume: "恢复办理说明", .reviewReturn: "审核意见（不同意时必填，部门将看到）",
            .callback: "回访记录", .withdraw: "撤件原因", .void: "作废理由", .decideVoid: "审批意见（不同意时必填）",
            .recategorize: "改分类理由（如：热线工单类别有误、实为另一类问题）",
        ]
        var f = ActionForm(
            kind: kind.rawValue, label: kind.displayName,
            primary: [.accept, .approveEscalation, .dispatch, .acknowledge, .reply, .verify, .answerInquiry, .decideExtension, .decideSuspension,
                      .reviewReturn, .decideVoid, .callback].contains(kind),
            needsText: textLabels[kind] != nil,
            textLabel: textLabels[kind] ?? "说明",
            photos: [.resolveOnSite, .reply, .verify, .explain].contains(kind),
            reasons: kind == .reject ? RejectReason.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: false) } : nil,
            departments: kind == .dispatch ? departments.filter(\.active).map {
                Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id == category.$department.id)
            } : nil,
            coHandlers: kind == .dispatch ? departments.filter(\.active).map { Option(value: $0.id!.uuidString, label: $0.name, selected: false) } : nil,
            days: kind == .dispatch ? policy.resolveWorkingDays : nil,
            verify: kind == .verify,
            satisfactions: kind == .rate || kind == .callback ? Satisfaction.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: false) } : nil,
            danger: [.reject, .returnCase, .reopen, .withdraw, .void].contains(kind))
        f.decision = [.decideExtension, .decideSuspension, .reviewReturn, .decideVoid].contains(kind)
        if kind == .requestExtension { f.extensionDays = 3 }
        if kind == .suspend { f.reviewDate = LocalDate(now).adding(days: 30).description }
        if kind == .callback {
            f.callback = true
            f.contacts = CallbackContact.allCases.map { Option(value: $0.rawValue, label: $0.displayName, selected: $0 == .reached) }
        }
        return f
    }
}
