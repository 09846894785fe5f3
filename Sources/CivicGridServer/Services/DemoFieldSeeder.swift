import Fluent
import Foundation
import GridCore
import Vapor

/// The demo's field front line: duty phones on the grid team's public cards, notices in some
/// grids, and this month's patrol check-ins of every grid worker (working days, mid-morning,
/// at a point inside their grid). Deterministic; runs once.
struct DemoFieldSeeder {
    let app: Application

    static let notices: [(String, String)] = [
        ("燃气管道检修停气通知", "因燃气管道检修，本周四 9:00–17:00 本网格部分楼栋暂停供气，请提前做好准备，关闭燃气阀门。如有疑问请联系网格员。"),
        ("电动自行车安全提醒", "严禁电动自行车进楼入户、飞线充电。小区东门已设集中充电点，扫码即可使用。发现违规充电请随手拍上报。"),
        ("城乡居民医保缴费提醒", "2027 年度城乡居民医保集中缴费已开始，可通过“湘税社保”小程序或到社区服务中心缴纳。行动不便的老人可联系网格员帮办。"),
        ("消防安全检查通知", "本周六上午社区将联合消防救援站开展入户消防安全检查，重点检查楼道堆物和消防通道，请居民配合。"),
        ("文明养犬倡议", "请文明养犬：出门拴绳、及时清理犬只粪便、办理犬只登记。共同维护干净整洁的居住环境。"),
        ("防范电信诈骗提示", "近期冒充“社保局”“快递理赔”的诈骗电话增多，凡是要求转账、提供验证码的均为诈骗。如有疑问请拨打 96110 或联系网格员。"),
    ]

    func seed(now: Date) async throws {
        guard try await GridNotice.query(on: app.db).count() == 0 else { return }
        var rng = SplitMix64(seed: 20_261_122)
        let grids = try await Area.query(on: app.db).filter(\.$level ~~ [.grid, .microGrid]).sort(\.$code).all()
        let roles = try await RoleAssignment.query(on: app.db).filter(\.$role ~~ [.gridWorker, .gridLeader]).with(\.$user).all()
        let calendar = try await CalendarService.load(on: app.db)
        let today = LocalDate(now)
        let days = (1..<today.day).map { LocalDate(year: today.year, month: today.month, day: $0) }.filter { calendar.isWorkingDay($0) }
        // Duty phones: 0731-28xx xxxx, one per person.
        var people: [UUID: User] = [:]
        for (i, r) in roles.enumerated() where people[r.user.id!] == nil {
            r.user.workPhone = String(format: "0731-28%02d%04d", (i / 10_000) % 100, i % 10_000)
            people[r.user.id!] = r.user
        }
        var checkIns: [PatrolCheckIn] = []
        var notices: [GridNotice] = []
        for grid in grids {
            let workers = roles.filter { $0.$area.id == grid.id && $0.role == .gridWorker }
            let point = grid.boundary?.labelPoint
            for worker in workers {
                for day in days where Int.random(in: 0..<10, using: &rng) < 9 {
                    let c = PatrolCheckIn()
                    c.id = UUID(); c.gridID = grid.id!; c.userID = worker.user.id!; c.userName = worker.user.displayName
                    c.at = day.startInstant.addingTimeInterval(Double(8 * 3600 + Int.random(in: 30...180, using: &rng) * 60))
                    c.day = day.description; c.latitude = point?.lat; c.longitude = point?.lon; c.insideGrid = point != nil
                    c.note = Int.random(in: 0..<6, using: &rng) == 0 ? "楼道堆物已劝导清理" : ""
                    checkIns.append(c)
                }
            }
            if Int.random(in: 0..<3, using: &rng) == 0, let author = workers.first {
                for k in 0..<Int.random(in: 1...2, using: &rng) {
                    let text = Self.notices[Int.random(in: 0..<Self.notices.count, using: &rng)]
                    let n = GridNotice()
                    n.gridID = grid.id!; n.authorID = author.user.id!; n.authorName = author.user.displayName
                    n.title = text.0; n.body = text.1
                    n.createdAt = now.addingTimeInterval(-Double(Int.random(in: 1...20, using: &rng) * 86_400 + k * 3_600))
                    notices.append(n)
                }
            }
        }
        let users = Array(people.values), rows = checkIns, posted = notices
        try await app.db.transaction { tx in
            for u in users { try await u.save(on: tx) }
            for chunk in stride(from: 0, to: rows.count, by: 500) { try await Array(rows[chunk..<min(chunk + 500, rows.count)]).create(on: tx) }
            try await posted.create(on: tx)
        }
        try await seedTask(now: now)
    }

    /// One street task to the grids of 新桥社区, some done: what 任务派发 and the phone's 我的任务 look like in use.
    func seedTask(now: Date) async throws {
        guard let issuer = try await User.query(on: app.db).filter(\.$username == "jd1-zx").first(),
              let community = try await Area.query(on: app.db).filter(\.$name == "新桥社区").first() else { return }
        let user = try await CurrentUser.load(issuer, via: .webSession, on: app.db)
        let grids = try await Area.query(on: app.db).filter(\.$parent.$id == community.requireID()).sort(\.$code).all()
        guard !grids.isEmpty else { return }
        let service = TaskService(db: app.db, app: app)
        let task = try await service.create(.init(title: "冬季消防安全排查", description: "重点检查沿街商铺、群租房和老旧小区楼道，发现隐患当场劝改，需整改的上报事件。",
                                                  items: "排查沿街商铺灭火器配置\n检查楼道堆物和电动车充电\n走访群租房并登记隐患",
                                                  dueOn: LocalDate(now).adding(days: 10).description, gridIDs: grids.compactMap(\.id)), by: user)
        let workers = try await RoleAssignment.query(on: app.db).filter(\.$role == .gridWorker).filter(\.$area.$id ~~ grids.compactMap(\.id)).with(\.$user).all()
        for (n, grid) in grids.enumerated() where n % 3 != 2 {
            guard let worker = workers.first(where: { $0.$area.id == grid.id }) else { continue }
            let me = try await CurrentUser.load(worker.user, via: .webSession, on: app.db)
            for item in 0..<(n % 3 == 0 ? 3 : 1) {
                try await service.mark(task, grid: grid.id!, item: item, note: "", by: me, myGrids: [grid.id!])
            }
        }
    }
}
