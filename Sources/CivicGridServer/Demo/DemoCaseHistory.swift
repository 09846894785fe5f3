import Fluent
import Foundation
import GridCore
import Vapor

/// A realistic case history for the demo city: cases over the past months from every channel,
/// walked through the real case engine step by step in time order (with the SLA sweeper running
/// at every simulated midnight), so that what the demo shows — completion near the field's ~98%,
/// some overdue, escalations, inquiries, returns, reopenings — is what the platform itself produced.
struct DemoCaseHistory {
    let app: Application
    let plan: DemoCityPlan
    var caseCount: Int
    var days: Int
    var seed: UInt64 = DemoCity.defaultSeed

    // MARK: Scripts

    enum StepKind {
        case report(CaseService.ReportInput)
        case act(CaseAction)
    }

    struct Step {
        let at: Date
        let script: Int
        let order: Int
        let username: String
        let kind: StepKind
    }

    struct Cast {
        let gridIDs: [String: Int]
        let worker: [String: String]          // grid code → grid worker
        let gridLeader: [String: String]      // community code → grid leader
        let communityOperator: [String: String]
        let streetOperator: [String: String]
        let handler: [String: String]         // department code → handler
        let departmentIDs: [String: UUID]
        let categories: [(category: CaseCategory, departmentCode: String?, weight: Int)]
        let residents: [String]
        /// Grid code → boundary, to place each report inside its grid.
        let shapes: [String: GeoMultiPolygon]
    }

    /// Runs the history; returns the number of cases created.
    @discardableResult
    func run(now: Date) async throws -> Int {
        let db = app.db
        let cast = try await loadCast()
        var rng = SplitMix64(seed: seed &+ 17)
        var steps: [Step] = []
        let span = Double(days) * 86_400
        for i in 0..<caseCount {
            // Spread over the span, busier on weekdays and in daytime.
            var at = now.addingTimeInterval(-span + span * (Double(i) + Double.random(in: 0..<1, using: &rng)) / Double(caseCount))
            let hour = Int.random(in: 7..<21, using: &rng)
            at = LocalDate(at).startInstant.addingTimeInterval(Double(hour) * 3600 + Double(Int.random(in: 0..<3600, using: &rng)))
            steps += script(i, at: at, cast: cast, rng: &rng)
        }
        // The last three days are busier, and the community whose logins the demo prints gets its
        // share, so that every printed login opens queues with work in them.
        let focus = cast.gridIDs.keys.filter { $0.hasPrefix("430204001001") }.sorted()
        let recent = max(12, caseCount / 25)
        for i in 0..<recent {
            let at = now.addingTimeInterval(-Double.random(in: 600...(72 * 3600), using: &rng))
            let grid = i % 2 == 0 && !focus.isEmpty ? focus[i / 2 % focus.count] : nil
            steps += script(caseCount + i, at: at, cast: cast, rng: &rng, gridCode: grid)
        }
        steps.sort { ($0.at, $0.script, $0.order) < ($1.at, $1.script, $1.order) }

        let calendar = try await CalendarService.load(on: db)
        let ordered = steps
        // One transaction: the history appears whole or not at all, and SQLite does not sync per row.
        let count = try await db.transaction { tx in
            try await replay(ordered, calendar: calendar, now: now, on: tx)
        }
        try await askForMoreTime(now: now)
        return count + (try await reportAgainOnTheHotline(now: now) ? 1 : 0) + (try await hotlineOrders(now: now))
    }

    /// The 12345 category mapping the district starts with, and two work orders through the
    /// webhook's service: one mapped, one whose category text is not mapped yet (热线对接 shows it).
    private func hotlineOrders(now: Date) async throws -> Int {
        let mapping = ["噪音扰民": "HJ03", "占道经营": "SR01", "路灯不亮": "SZ02", "停水": "SD01", "井盖缺失": "SZ01", "垃圾清运": "HJ01"]
        let categories = try await CaseCategory.query(on: app.db).filter(\.$code ~~ Array(mapping.values)).all()
        for (text, code) in mapping.sorted(by: { $0.key < $1.key }) {
            guard let category = categories.first(where: { $0.code == code }) else { continue }
            let m = HotlineCategory()
            m.source = HotlineSource.hotline12345.rawValue; m.text = text; m.categoryID = try category.requireID(); m.updatedAt = now
            try await m.create(on: app.db)
        }
        guard let row = try await User.query(on: app.db).filter(\.$username == "qu-zx").first(),
              let grid = try await Area.query(on: app.db).filter(\.$code == "430204001002001").first() else { return 0 }
        let op = try await CurrentUser.load(row, via: .webSession, on: app.db)
        let service = HotlineService(db: app.db, app: app)
        let orders = [
            ("12345-2026112200017", "王女士", "清水路38号门前路灯连续三晚不亮，晚上走路看不见。", "路灯不亮"),
            ("12345-2026112200023", "李先生", "小区里有人饲养家禽，异味大，早上打鸣扰民。", "饲养家禽"),
        ]
        for (no, caller, content, text) in orders {
            let order = try HotlineOrder(source: "12345", orderNo: no, caller: caller, phone: "1380731" + no.suffix(4), content: content,
                                         address: "清水路38号", categoryText: text, receivedAt: now.addingTimeInterval(-3600))
            _ = try await service.receive(order, latitude: nil, longitude: nil, gridCode: grid.code, by: op, now: now.addingTimeInterval(-3000))
        }
        return orders.count
    }

    /// Two requests waiting at this moment, so the 待审批 queues have work: 城管 asks for more time on a
    /// case it is handling, and another department asked to return one it was sent.
    private func askForMoreTime(now: Date) async throws {
        let service = CaseService(db: app.db, app: app)
        for (username, action) in [("bm-cg1", CaseAction.requestExtension(reason: "需采购专用配件，预计一周到货", length: .workingDays(5))),
                                   ("bm-zj1", CaseAction.returnCase("经核实该处属市政设施，不属于住建职责"))] {
            guard let row = try await User.query(on: app.db).filter(\.$username == username).first() else { continue }
            let handler = try await CurrentUser.load(row, via: .webSession, on: app.db)
            guard let department = handler.assignments.compactMap(\.departmentID).first else { continue }
            let candidates = try await Case.query(on: app.db).filter(\.$holderDepartment.$id == department).filter(\.$status == .inProgress)
                .sort(\.$reportedAt, .descending).limit(20).all()
            for c in candidates {
                if (try? await service.perform(action, on: c.requireID(), by: handler, now: now)) != nil { break }
            }
        }
    }

    /// The same problem called in on 12345 half an hour ago, 15 m from a case being worked: the
    /// district operator's 待受理 queue shows it with 疑似重复事件 and the merge button.
    private func reportAgainOnTheHotline(now: Date) async throws -> Bool {
        guard let master = try await Case.query(on: app.db).filter(\.$status ~~ [.accepted, .dispatched, .inProgress])
                .filter(\.$latitude != nil).filter(\.$reportedAt >= now.addingTimeInterval(-60 * 3600)).sort(\.$reportedAt, .descending).first(),
              let lat = master.latitude, let lon = master.longitude,
              let row = try await User.query(on: app.db).filter(\.$username == "qu-zx").first() else { return false }
        let op = try await CurrentUser.load(row, via: .webSession, on: app.db)
        _ = try await CaseService(db: app.db, app: app).report(.init(
            categoryID: master.$category.id, title: master.title + "（热线再次反映）", description: "来电群众反映：" + master.description,
            channel: .hotline12345, gridID: master.$grid.id, latitude: lat + 15 / 111_195, longitude: lon, address: master.address,
            reporterName: "来电群众", reporterPhone: "13807319999", externalRef: "12345-9000001"), by: op, now: now.addingTimeInterval(-1800))
        return true
    }

    /// Plays the steps through the case engine in memory (the same `newCase` and `apply` the web
    /// uses), sweeping deadlines at every simulated midnight, then writes everything in bulk.
    private func replay(_ steps: [Step], calendar: WorkCalendar, now: Date, on tx: any Database) async throws -> Int {
        let machine = CaseMachine(calendar: calendar, levels: app.state.levels, rules: app.state.config.workflowRules)
        let service = CaseService(db: tx, app: app, preparedMachine: machine)
        let areas = try await Area.query(on: tx).all()
        let byID = Dictionary(uniqueKeysWithValues: areas.map { ($0.id!, $0) })
        let categories = Dictionary(uniqueKeysWithValues: try await CaseCategory.query(on: tx).all().map { ($0.id!, $0) })
        var users: [String: CurrentUser] = [:]
        var aggregates: [Int: CaseAggregate] = [:]
        var order: [CaseAggregate] = []
        var codes: [String: Int] = [:]

        func sweep(at time: Date) {
            for a in order {
                for d in a.openDeadlines where d.overdueAt == nil && d.dueAt < time { a.markOverdue(d, now: time) }
            }
        }
        var lastSweepDay = steps.first.map { LocalDate($0.at) }
        for step in steps where step.at <= now {
            let day = LocalDate(step.at)
            if let last = lastSweepDay, day > last {
                sweep(at: day.startInstant)
                lastSweepDay = day
            }
            let actor: CurrentUser
            if let cached = users[step.username] {
                actor = cached
            } else {
                guard let row = try await User.query(on: tx).filter(\.$username == step.username).first() else { continue }
                actor = try await CurrentUser.load(row, via: .webSession, on: tx)
                users[step.username] = actor
            }
            switch step.kind {
            case .report(let input):
                guard let gridID = input.gridID, let grid = byID[gridID], let category = categories[input.categoryID] else { continue }
                let prefix = CaseService.codePrefix(grid: grid, at: step.at)
                codes[prefix, default: 0] += 1
                let chain = grid.areaPath.ids.compactMap { byID[$0] }
                let phone = try input.reporterPhone.map { try app.state.cipher.seal($0) }
                let a = try service.newCase(input, code: prefix + CaseService.sequence(codes[prefix]!), title: input.title, description: input.description,
                                            category: category, chain: chain, grid: grid, phoneSealed: phone, by: actor, photos: [],
                                            machine: machine, now: step.at)
                if let note = input.onSiteNote { try service.apply(.resolveOnSite(note), to: a, by: actor, machine: machine, now: step.at) }
                aggregates[step.script] = a
                order.append(a)
            case .act(let action):
                guard let a = aggregates[step.script] else { continue }
                do { try service.apply(action, to: a, by: actor, machine: machine, now: step.at) }
                catch is CaseRuleViolation { continue }  // e.g. an inquiry a few hours too early: the script moves on
            }
        }
        sweep(at: now)
        for start in stride(from: 0, to: order.count, by: 100) {
            try await RowWriter.insert(order[start..<min(start + 100, order.count)].map(\.record), on: tx)
        }
        try await CaseService.persistRows(of: order, on: tx)
        return order.count
    }

    private func loadCast() async throws -> Cast {
        let db = app.db
        let grids = try await Area.query(on: db).filter(\.$level == .grid).all()
        var worker: [String: String] = [:], gridLeader: [String: String] = [:], communityOperator: [String: String] = [:]
        var streetOperator: [String: String] = [:], handler: [String: String] = [:]
        for staff in plan.staff {
            for role in staff.roles {
                switch (role.role, role.areaCode, role.departmentCode) {
                case (.gridWorker, let code?, _): worker[code] = worker[code] ?? staff.username
                case (.gridLeader, let code?, _): gridLeader[code] = gridLeader[code] ?? staff.username
                case (.operator, let code?, _) where code.count == 12: communityOperator[code] = communityOperator[code] ?? staff.username
                case (.operator, let code?, _) where code.count == 9: streetOperator[code] = streetOperator[code] ?? staff.username
                case (.handler, _, let dept?): handler[dept] = handler[dept] ?? staff.username
                default: break
                }
            }
        }
        let departments = try await Department.query(on: db).all()
        let categories = try await CaseCategory.query(on: db).filter(\.$parent.$id != nil).with(\.$department).all()
        // How often each kind comes up in the field: environment, city appearance and facilities lead.
        let weights: [String: Int] = ["SZ": 5, "HJ": 6, "SR": 5, "SD": 3, "ZA": 2, "TS": 2, "MS": 2, "MD": 2]
        return Cast(
            gridIDs: Dictionary(uniqueKeysWithValues: grids.map { ($0.code, $0.id!) }), worker: worker, gridLeader: gridLeader,
            communityOperator: communityOperator, streetOperator: streetOperator, handler: handler,
            departmentIDs: Dictionary(uniqueKeysWithValues: departments.map { ($0.code, $0.id!) }),
            categories: categories.map { ($0, $0.department?.code, weights[String($0.code.prefix(2))] ?? 1) },
            residents: try await demoResidents(),
            shapes: Dictionary(uniqueKeysWithValues: grids.compactMap { g in g.boundary.map { (g.code, $0) } }))
    }

    /// A few resident accounts who report through 随手拍 (phone numbers are sealed like any other).
    private func demoResidents() async throws -> [String] {
        let names = ["王秀英", "李建华", "张桂兰", "刘志强", "陈美玲", "杨国庆"]
        var usernames: [String] = []
        let hash = try await app.threadPool.runIfActive { [cost = app.state.config.bcryptCost] in try Bcrypt.hash(DemoCity.password, cost: cost) }
        for (i, name) in names.enumerated() {
            let phone = "1390731" + String(format: "%04d", 1001 + i)
            let username = "r-" + app.state.cipher.index(phone).prefix(20)
            if try await User.query(on: app.db).filter(\.$username == username).count() == 0 {
                let user = User(username: username, displayName: name, kind: .resident, passwordHash: hash)
                user.phoneSealed = try app.state.cipher.seal(phone)
                user.phoneIndex = app.state.cipher.index(phone)
                try await user.create(on: app.db)
            }
            usernames.append(username)
        }
        return usernames
    }

    /// A point inside the grid: anywhere, or within ~25 m of the grid's recurring-problem spot.
    static func place(in shape: GeoMultiPolygon, hot: Bool, rng: inout SplitMix64) -> GeoPoint {
        let box = shape.boundingBox
        if hot {
            let c = shape.labelPoint, m = 25.0 / 111_320
            return GeoPoint(lon: c.lon + Double.random(in: -m...m, using: &rng), lat: c.lat + Double.random(in: -m...m, using: &rng))
        }
        for _ in 0..<40 {
            let p = GeoPoint(lon: Double.random(in: box.minLon...box.maxLon, using: &rng), lat: Double.random(in: box.minLat...box.maxLat, using: &rng))
            if shape.contains(p) { return p }
        }
        return shape.labelPoint
    }

    static let roads = ["建设路", "红旗路", "湘江路", "人民路", "清水路", "响石岭路", "田心大道", "铜塘湾路", "井墩街", "北站路", "先锋路", "桂花路"]

    /// One case's life, as timed steps. Later steps that fall after "now" simply have not happened yet.
    private func script(_ n: Int, at start: Date, cast: Cast, rng: inout SplitMix64, gridCode fixedGrid: String? = nil) -> [Step] {
        var steps: [Step] = []
        var t = start
        func after(_ hours: ClosedRange<Double>) -> Date {
            t = t.addingTimeInterval(Double.random(in: hours, using: &rng) * 3600)
            return t
        }
        func add(_ who: String?, _ kind: StepKind, at time: Date) {
            guard let who else { return }
            steps.append(Step(at: time, script: n, order: steps.count, username: who, kind: kind))
        }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

        let randomGrid = cast.gridIDs.keys.sorted()[Int.random(in: 0..<cast.gridIDs.count, using: &rng)]
        let gridCode = fixedGrid ?? randomGrid
        let communityCode = String(gridCode.prefix(12)), streetCode = String(gridCode.prefix(9))
        let total = cast.categories.map(\.weight).reduce(0, +)
        var pick = Int.random(in: 0..<total, using: &rng)
        // Some grids have a recurring problem at a recurring place (a hotspot): a third of their reports.
        let gridNumber = Int(gridCode.suffix(3)) ?? 0
        let hot = (gridCode.hasPrefix("430204001001") || gridNumber % 3 == 0) && chance(0.35)
        let chosen = hot ? cast.categories[(gridNumber * 7) % cast.categories.count] : cast.categories.first { pick -= $0.weight; return pick < 0 }!
        let category = chosen.category
        let position = cast.shapes[gridCode].map { Self.place(in: $0, hot: hot, rng: &rng) }
        let road = Self.roads.randomElement(using: &rng)!
        let title = "\(road)\(Int.random(in: 1...180, using: &rng))号附近\(category.name)"
        let description = "\(road)一带\(category.name)，居民反映已有\(Int.random(in: 1...7, using: &rng))天，请尽快处理。"

        let roll = Double.random(in: 0..<1, using: &rng)
        let channel: CaseChannel = roll < 0.55 ? .gridWorker : roll < 0.68 ? .resident : roll < 0.82 ? .hotline12345
            : roll < 0.86 ? .mayorHotline : roll < 0.89 ? .serviceHotline96361 : roll < 0.94 ? .wechatGroup : roll < 0.97 ? .videoPatrol : .onlinePetition
        let worker = cast.worker[gridCode], communityOp = cast.communityOperator[communityCode], streetOp = cast.streetOperator[streetCode]
        let reporter: String?
        switch channel {
        case .gridWorker: reporter = worker
        case .resident: reporter = cast.residents.randomElement(using: &rng)
        case .videoPatrol: reporter = streetOp
        case .wechatGroup: reporter = communityOp
        default: reporter = "qu-zx"
        }
        let onSite = channel == .gridWorker && chance(0.35) && !category.stabilityRisk
        let input = CaseService.ReportInput(
            categoryID: category.id!, title: title, description: description, channel: channel,
            urgency: chance(0.06) ? .urgent : .normal, gridID: cast.gridIDs[gridCode], latitude: position?.lat, longitude: position?.lon, address: "\(road)\(Int.random(in: 1...180, using: &rng))号",
            reporterName: [.hotline12345, .mayorHotline, .serviceHotline96361, .onlinePetition].contains(channel) ? "来电群众" : nil,
            reporterPhone: [.hotline12345, .mayorHotline, .serviceHotline96361].contains(channel) ? "1380731" + String(format: "%04d", n % 10_000) : nil,
            externalRef: channel == .hotline12345 ? "12345-" + String(format: "%07d", 3_000_000 + n) : nil,
            onSiteNote: onSite ? "已现场处置：\(["已清理", "已劝导", "已协调", "已修复"].randomElement(using: &rng)!)" : nil,
            needsApproval: channel == .gridWorker)
        add(reporter, .report(input), at: t)
        if onSite { return steps }

        // Who holds it first, and approval for grid workers' reports.
        var holderOp: String?
        var level = channel.intakeLevel
        if channel == .gridWorker { add(cast.gridLeader[communityCode], .act(.approveEscalation), at: after(0.5...6)) }
        switch level {
        case .community: holderOp = communityOp
        case .street: holderOp = streetOp
        default: holderOp = "qu-zx"
        }
        // Acceptance: usually within hours; a few miss the 24-hour limit.
        add(holderOp, .act(.accept), at: after(chance(0.04) ? 25...40 : 0.3...12))
        let acceptor = holderOp
        if chance(0.02) {
            add(holderOp, .act(.reject(.duplicate, "与同一地点已受理的事件重复")), at: after(0.2...2))
            return steps
        }
        // 撤件: the reporter (or the center on their behalf) withdraws; 作废: entered in error, the level above approves.
        if chance(0.01) {
            let who = channel == .resident ? reporter : communityOp
            add(who, .act(.withdraw(channel == .resident ? "问题已自行解决，撤回诉求" : "来电群众表示已自行解决，申请撤件")), at: after(1...24))
            return steps
        }
        if chance(0.005) {
            add(holderOp, .act(.void("坐席误录入的测试工单")), at: after(0.2...4))
            add(level == .community ? streetOp : level == .street ? "qu-zx" : "qu-ld", .act(.decideVoid(approved: true, comment: "核实为误录")), at: after(1...12))
            return steps
        }

        // Triage, going up level by level when the level cannot solve it.
        var escalatedFrom: String?
        while true {
            let r = Double.random(in: 0..<1, using: &rng)
            if level == .community, r < 0.22 {
                add(holderOp, .act(.handleLocally("社区组织网格员、物业协调处理")), at: after(0.5...8))
                add(holderOp, .act(.reply("已协调处理完毕")), at: after(10...90))
                break
            }
            if level != .district, r > 0.86 {
                let reason = level == .community ? "涉及多个部门，需街道协调" : "街道层面无法解决，报区平台"
                add(holderOp, .act(.escalate(reason)), at: after(1...20))
                escalatedFrom = holderOp
                level = level == .community ? .street : .district
                holderOp = level == .street ? streetOp : "qu-zx"
                // Some upper levels sit on it; the lower level then files an inquiry (问题质询).
                if chance(0.3) {
                    add(escalatedFrom, .act(.fileInquiry("上报已逾 7 个工作日仍未办结，请说明原因和办理计划")), at: after(240...300))
                    if chance(0.8) { add(holderOp, .act(.answerInquiry("已协调相关部门，本周内完成")), at: after(4...60)) }
                } else {
                    _ = after(1...30)
                }
                continue
            }
            if r > 0.82 {
                add(holderOp, .act(.explain("该问题涉及规划调整，暂不具备解决条件，已向群众解释说明")), at: after(4...48))
                break
            }
            // Dispatch to the category's department (or a plausible one when the list names none).
            let deptCode = chosen.departmentCode ?? ["SF", "MZ", "CG"].randomElement(using: &rng)!
            guard let dept = cast.departmentIDs[deptCode] else { break }
            let co = chance(0.1) ? cast.departmentIDs.filter { $0.key != deptCode }.map(\.value).sorted { $0.uuidString < $1.uuidString }.prefix(1).map(\.uuidString) : []
            add(holderOp, .act(.dispatch(department: dept.uuidString, coHandlers: co, workingDays: nil, note: "请按时限办理并反馈")), at: after(0.5...10))
            let handler = cast.handler[deptCode]
            if chance(0.06), let other = ["CG", "ZJ", "HW"].filter({ $0 != deptCode }).randomElement(using: &rng), let otherID = cast.departmentIDs[other] {
                // 退单: the dispatcher reviews it — mostly approved and re-dispatched (改派), sometimes refused.
                add(handler, .act(.returnCase("经核实不属于本部门职责")), at: after(2...20))
                if chance(0.7) {
                    add(holderOp, .act(.reviewReturn(approved: true, comment: "同意退回，改派\(other)")), at: after(0.5...6))
                    add(holderOp, .act(.dispatch(department: otherID.uuidString, coHandlers: [], workingDays: nil, note: "重新交办")), at: after(1...8))
                    add(cast.handler[other], .act(.acknowledge), at: after(0.5...10))
                    add(cast.handler[other], .act(.reply("已按职责办理完毕")), at: after(20...100))
                    break
                }
                add(holderOp, .act(.reviewReturn(approved: false, comment: "该事项在本部门职责清单内，请继续办理")), at: after(0.5...6))
            }
            add(handler, .act(.acknowledge), at: after(0.3...10))
            // 延期: a few ask for more time, the dispatcher mostly agrees; 缓办: about one in a hundred waits for a budget or a season.
            if chance(0.04) {
                add(handler, .act(.requestExtension(reason: "需采购专用配件，到货后施工", length: .workingDays(Int.random(in: 3...5, using: &rng)))), at: after(4...30))
                add(holderOp, .act(.decideExtension(approved: chance(0.8), comment: "请尽快采购，压缩工期")), at: after(1...10))
            } else if chance(0.012) {
                let review = LocalDate(after(4...30)).adding(days: Int.random(in: 20...40, using: &rng)).startInstant
                add(handler, .act(.suspend(reason: "需列入下季度维修资金计划", reviewAt: review)), at: t)
                add(holderOp, .act(.decideSuspension(approved: true, comment: "同意缓办，到期恢复办理")), at: after(2...24))
                t = max(t, review)
                add(handler, .act(.resume("维修资金已到位，恢复办理")), at: after(1...8))
            }
            if category.onSiteHours != nil { add(handler, .act(.markOnSite), at: after(chance(0.08) ? 20...30 : 0.5...6)) }
            if chance(0.1) { add(escalatedFrom ?? holderOp, .act(.urge("群众多次来电，请加快办理")), at: after(20...60)) }
            if chance(0.03) { add("qu-ld", .act(.supervise("区领导督办：限期办结")), at: after(2...24)) }
            // Resolution: most within the limit, a few late.
            let days = Double(category.resolveWorkingDays)
            add(handler, .act(.reply("已完成处置，现场已恢复，附整改照片")), at: after(chance(0.07) ? (days * 24 * 1.6)...(days * 24 * 2.2) : 6...(days * 24 * 0.9)))
            break
        }

        // Verification and closure; rarely the fix does not hold.
        let verifier = channel == .resident ? reporter : (worker ?? communityOp)
        if chance(0.04) {
            add(verifier, .act(.verify(passed: false, "现场核查问题仍存在")), at: after(2...24))
            add(handlerOrOperator(steps: steps), .act(.reply("已返工处理")), at: after(20...60))
        }
        add(verifier, .act(.verify(passed: true, "现场核查已解决")), at: after(1...30))
        // 回访: the center that accepted it calls the reporter within two working days.
        if channel.callsBack, chance(0.9) {
            let at = after(2...40)
            if chance(0.03) {
                for _ in 0..<3 { add(acceptor, .act(.callback(CallbackOutcome(contact: .noAnswer, note: "无人接听"))), at: after(2...8)) }
            } else {
                if chance(0.1) { add(acceptor, .act(.callback(CallbackOutcome(contact: .noAnswer, note: "无人接听"))), at: at) }
                if chance(0.07) {
                    add(acceptor, .act(.callback(CallbackOutcome(contact: .reached, resolved: false, satisfaction: .unsatisfied, note: "群众反映问题仍存在"))),
                        at: after(1...6))
                    add(handlerOrOperator(steps: steps), .act(.reply("已重新处置")), at: after(20...60))
                    add(verifier, .act(.verify(passed: true, "复查已解决")), at: after(2...24))
                    add(acceptor, .act(.callback(CallbackOutcome(contact: .reached, resolved: true, satisfaction: .mostlySatisfied))), at: after(2...30))
                } else {
                    let s: Satisfaction = chance(0.9) ? .satisfied : .mostlySatisfied
                    add(acceptor, .act(.callback(CallbackOutcome(contact: .reached, resolved: true, satisfaction: s))), at: after(1...6))
                }
            }
        }
        if chance(0.8) {
            let r = Double.random(in: 0..<1, using: &rng)
            let s: Satisfaction = r < 0.83 ? .satisfied : r < 0.95 ? .mostlySatisfied : r < 0.98 ? .partlyFixed : .unsatisfied
            let rater = channel == .resident ? reporter : communityOp
            add(rater, .act(.rate(s, s == .unsatisfied ? "问题没有根本解决" : "")), at: after(2...48))
            if s == .unsatisfied {
                add(handlerOrOperator(steps: steps), .act(.reply("已再次上门处理")), at: after(24...80))
                add(verifier, .act(.verify(passed: true, "复查已解决")), at: after(2...24))
            }
        }
        return steps
    }

    /// Whoever replied last replies again after a failed verification or a reopening.
    private func handlerOrOperator(steps: [Step]) -> String? {
        steps.last { if case .act(.reply) = $0.kind { true } else { false } }?.username
    }
}
