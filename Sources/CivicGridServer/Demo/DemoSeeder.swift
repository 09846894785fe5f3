import Fluent
import Foundation
import GridCore
import Vapor

/// Writes the `DemoCity` plan into the database, once: on a database that already holds the demo
/// it does nothing, so `civicgrid demo` can be run again and again.
struct DemoSeeder {
    let app: Application

    static let rootCode = "4302"

    /// Seeds the city, then its case history (over the past `days`), each only if missing.
    /// Returns false when both were already there.
    @discardableResult
    func seedIfEmpty(plan: DemoCityPlan = DemoCity.generate(), cases: Int = 2400, days: Int = 150, peoplePerGrid: Int = 0, now: Date? = nil) async throws -> Bool {
        var cityCreated = try await seedCity(plan: plan)
        if peoplePerGrid > 0, try await Person.query(on: app.db).count() == 0 {
            let started = Date()
            let people = try await DemoRegistrySeeder(app: app).seed(plan: plan, peoplePerGrid: peoplePerGrid, now: now ?? app.state.clock.now())
            app.logger.info("demo registry", metadata: ["people": .stringConvertible(people), "seconds": .stringConvertible(Int(Date().timeIntervalSince(started)))])
            cityCreated = true
        }
        if try await GridNotice.query(on: app.db).count() == 0 {
            try await DemoFieldSeeder(app: app).seed(now: now ?? app.state.clock.now())
            cityCreated = true
        }
        guard cases > 0, try await Case.query(on: app.db).count() == 0 else {
            return try await seedAssessment(now: now) || cityCreated
        }
        let history = DemoCaseHistory(app: app, plan: plan, caseCount: cases, days: days)
        let created = try await history.run(now: now ?? app.state.clock.now())
        app.logger.info("demo case history", metadata: ["cases": .stringConvertible(created)])
        _ = try await seedAssessment(now: now)
        return true
    }

    /// Last month's and this month's visits, registry updates and hardware points, last month frozen:
    /// a plausible 考核 page. Once.
    private func seedAssessment(now: Date?) async throws -> Bool {
        guard try await AssessmentHardware.query(on: app.db).count() == 0, try await Case.query(on: app.db).count() > 0 else { return false }
        try await DemoFieldSeeder(app: app).seedAssessment(now: now ?? app.state.clock.now())
        return true
    }

    private func seedCity(plan: DemoCityPlan) async throws -> Bool {
        if try await Area.query(on: app.db).filter(\.$code == Self.rootCode).count() > 0 { return false }
        // One hash for every demo account: bcrypt is deliberately slow, and they share a password.
        let cost = app.state.config.bcryptCost
        let hash = try await app.threadPool.runIfActive { try Bcrypt.hash(DemoCity.password, cost: cost) }
        let cipher = app.state.cipher
        try await app.db.transaction { tx in
            var departmentIDs: [String: UUID] = [:]
            let departments = plan.departments.map { Department(code: $0.code, name: $0.name, responsibilities: $0.responsibilities) }
            try await departments.create(on: tx)
            for d in departments { departmentIDs[d.code] = d.id }

            var userIDs: [String: UUID] = [:]
            let users = try plan.staff.map { s -> User in
                let user = User(id: UUID(), username: s.username, displayName: s.name, kind: .staff, passwordHash: hash)
                user.phoneSealed = try cipher.seal(s.phone)
                user.phoneIndex = cipher.index(s.phone)
                userIDs[s.username] = user.id
                return user
            }
            for chunk in stride(from: 0, to: users.count, by: 200) {
                try await Array(users[chunk..<min(chunk + 200, users.count)]).create(on: tx)
            }

            var areaIDs: [String: Int] = [:]
            var paths: [String: AreaPath] = [:]
            for planned in plan.areas {
                let parentID = planned.parentCode.flatMap { areaIDs[$0] }
                let area = Area(code: planned.code, name: planned.name, level: planned.level, parentID: parentID,
                                boundaryGeoJSON: planned.boundary.geoJSON, responsibleID: planned.responsibleUsername.flatMap { userIDs[$0] })
                try await area.create(on: tx)
                let path = (planned.parentCode.flatMap { paths[$0] } ?? AreaPath(ids: [])).appending(try area.requireID())
                area.path = path.description
                try await area.save(on: tx)
                areaIDs[planned.code] = area.id
                paths[planned.code] = path
            }

            let assignments = plan.staff.flatMap { s in
                s.roles.map { r in
                    RoleAssignment(userID: userIDs[s.username]!, role: r.role, areaID: r.areaCode.flatMap { areaIDs[$0] },
                                   departmentID: r.departmentCode.flatMap { departmentIDs[$0] }, employment: r.employment)
                }
            }
            for chunk in stride(from: 0, to: assignments.count, by: 200) {
                try await Array(assignments[chunk..<min(chunk + 200, assignments.count)]).create(on: tx)
            }
            try await CategoryService.linkDefaultDepartments(on: tx)
        }
        return true
    }

    /// One login per kind of user, printed when the demo starts.
    static func logins(plan: DemoCityPlan = DemoCity.generate()) -> [(username: String, who: String)] {
        let wanted = ["admin", "qu-zx", "qu-ld", "jd1-zx", "sq01-zx", "sq01-wgz", "wg001", "bm-cg1"]
        return wanted.compactMap { username in
            guard let staff = plan.staff.first(where: { $0.username == username }), let role = staff.roles.first else { return nil }
            let place = role.areaCode.flatMap { code in plan.areas.first { $0.code == code }?.name }
                ?? role.departmentCode.flatMap { code in plan.departments.first { $0.code == code }?.name } ?? ""
            return (username, "\(staff.name)，\(place) \(role.role.displayName)")
        }
    }
}
