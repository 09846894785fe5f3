import Fluent
import Foundation
import GridCore
import SQLKit
import XCTVapor
@testable import CivicGridServer

final class RegistryTests: XCTestCase {
    static let today = LocalDate(testNow)
    static func id(_ seq: Int, born: LocalDate = LocalDate(year: 1980, month: 5, day: 17)) -> String {
        IdentityNumber.make(region: "430204", birth: born, sequence: seq).value
    }

    func personForm(_ name: String, id: String, grid: Area, phone: String = "", household: String = "", extra: [String: String] = [:]) -> [String: String] {
        ["name": name, "idNumber": id, "phone": phone, "kind": "registered", "gridID": String(grid.id!), "householdNumber": household,
         "relation": "", "employment": "", "tags": "", "health": "", "registeredAddress": ""].merging(extra) { $1 }
    }

    func personID(from response: XCTHTTPResponse) throws -> UUID {
        let location = try XCTUnwrap(response.headers.first(name: .location))
        return try XCTUnwrap(UUID(uuidString: String(location.split(separator: "/").last!.split(separator: "?").first!)))
    }

    func testPeopleAreEncryptedMaskedScopedAndVersioned() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let a = app.browser()
            _ = try await a.login("wg-a")
            let idNumber = Self.id(11)
            var response = try await a.post("/registry/people", form: personForm("张三丰", id: idNumber, grid: city.gridA, phone: "13907310001", household: "A-001"))
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let pid = try personID(from: response)

            // Stored sealed: neither the ID number nor the phone appear in the row.
            let sql = app.db as! any SQLDatabase
            struct Raw: Decodable { let id_sealed: String; let phone_sealed: String?; let id_tail_index: String; let birth_year: Int; let gender: String }
            let raw = try await sql.raw("SELECT id_sealed, phone_sealed, id_tail_index, birth_year, gender FROM people").first(decoding: Raw.self)!
            XCTAssertFalse(raw.id_sealed.contains(idNumber)); XCTAssertFalse(raw.phone_sealed!.contains("13907310001"))
            XCTAssertEqual(try app.state.cipher.open(raw.id_sealed), idNumber)
            XCTAssertFalse(raw.id_tail_index.contains(String(idNumber.suffix(4))), "the last four only as a keyed index")
            XCTAssertEqual(raw.birth_year, 1980)
            XCTAssertEqual(raw.gender, "male")

            // Shown masked.
            response = try await a.get("/registry/people/\(pid)")
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.body.string.contains(IdentityNumber.mask(idNumber)))
            XCTAssertFalse(response.body.string.contains(idNumber))
            XCTAssertTrue(response.body.string.contains("139****0001"))

            // Search by the last four digits, by full number, by name; scoped.
            response = try await a.get("/registry?q=\(idNumber.suffix(4))")
            XCTAssertTrue(response.body.string.contains("/registry/people/\(pid)"), "last four")
            response = try await a.get("/registry?q=\(idNumber)")
            XCTAssertTrue(response.body.string.contains("/registry/people/\(pid)"), "full number via the keyed index")
            response = try await a.get("/registry?q=" + "张三".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            XCTAssertTrue(response.body.string.contains("/registry/people/\(pid)"), "name")
            let b = app.browser()
            _ = try await b.login("wg-b")
            response = try await b.get("/registry?q=\(idNumber.suffix(4))")
            XCTAssertFalse(response.body.string.contains("/registry/people/\(pid)"), "another grid's worker does not find them")
            expectEqual(try await b.get("/registry/people/\(pid)").status, .notFound)
            // A department handler has no registry at all.
            let h = app.browser()
            _ = try await h.login("cg-1")
            expectEqual(try await h.get("/registry").status, .forbidden)

            // The same ID number twice is refused, and nothing is written.
            response = try await a.post("/registry/people", form: personForm("张三", id: idNumber.lowercased(), grid: city.gridA))
            XCTAssertEqual(response.status, .conflict)
            expectEqual(try await Person.query(on: app.db).count(), 1)
            // A bad ID number gets a clear error.
            var bad = idNumber; bad.removeLast(); bad += idNumber.last == "1" ? "2" : "1"
            response = try await a.post("/registry/people", form: personForm("李四", id: bad, grid: city.gridA))
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("校验位"))

            // An update is versioned with what changed, personal data masked in the history; the household follows.
            response = try await a.post("/registry/people/\(pid)", form: personForm("张三丰", id: "", grid: city.gridA, phone: "13907310002", household: "A-002"))
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let revisions = try await RegistryRevision.query(on: app.db).filter(\.$entityID == pid).sort(\.$version).all()
            XCTAssertEqual(revisions.map(\.action), [.create, .update])
            let changes = revisions[1].fieldChanges
            XCTAssertEqual(changes.map(\.field).sorted(), ["户号", "联系电话"])
            XCTAssertEqual(changes.first { $0.field == "联系电话" }, FieldChange(field: "联系电话", old: "139****0001", new: "139****0002"))
            let person = try await Person.find(pid, on: app.db)!
            XCTAssertEqual(person.version, 2)
            expectEqual(try await person.$household.get(on: app.db)?.number, "A-002")
            expectEqual(try await app.api(.GET, "/api/v1/people?q=\(idNumber.suffix(4))", token: try await app.token("wg-a")).content.decode([RegistryListController.APIPerson].self).map(\.id), [pid])
        }
    }

    func testRevealNeedsAReasonAndARoleAndIsLogged() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let a = app.browser()
            _ = try await a.login("wg-a")
            let idNumber = Self.id(21)
            let pid = try personID(from: try await a.post("/registry/people", form: personForm("王五", id: idNumber, grid: city.gridA, phone: "13907310003")))

            var response = try await a.post("/registry/people/\(pid)/reveal", form: ["field": "idNumber", "reason": ""])
            XCTAssertEqual(response.status, .unprocessableEntity)
            expectEqual(try await AccessLog.query(on: app.db).count(), 0, "no reason, nothing shown, nothing logged")

            response = try await a.post("/registry/people/\(pid)/reveal", form: ["field": "idNumber", "reason": "核实低保申请"])
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.body.string.contains(idNumber))
            let log = try await AccessLog.query(on: app.db).first()
            XCTAssertEqual(log?.subjectID, pid.uuidString)
            XCTAssertEqual(log?.field, "idNumber")
            XCTAssertEqual(log?.reason, "核实低保申请")
            XCTAssertEqual(log?.actorID, city.users["wg-a"]!.id)

            // A leader covers the grid but may not unmask.
            let leader = app.browser()
            _ = try await leader.login("ld-d")
            expectEqual(try await leader.get("/registry/people/\(pid)").status, .ok)
            expectEqual(try await leader.post("/registry/people/\(pid)/reveal", form: ["field": "phone", "reason": "想看看"]).status, .forbidden)
            expectEqual(try await AccessLog.query(on: app.db).count(), 1)

            // The administrator's access log shows who looked at whose data and why.
            let admin = app.browser()
            _ = try await admin.login("admin")
            response = try await admin.get("/admin/access-log")
            XCTAssertTrue(response.body.string.contains("核实低保申请"))
            XCTAssertTrue(response.body.string.contains("王*"))
            let communityAdmin = app.browser()
            _ = try await communityAdmin.login("admin-c1")
            expectEqual(try await communityAdmin.get("/admin/access-log").status, .forbidden)
        }
    }

    func upload(_ app: Application, _ browser: Browser, kind: ImportKind, area: Area, csv: String, name: String = "list.csv") async throws -> XCTHTTPResponse {
        let (type, body) = multipart(["_csrf": "test-csrf-token", "kind": kind.rawValue, "areaID": String(area.id!)],
                                     files: [("file", name, Array(csv.utf8))])
        return try await app.testable().sendRequest(.POST, "/registry/import", headers: ["Cookie": browser.cookieHeader, "Content-Type": type], body: body)
    }

    func testImportIsValidatedFirstAndCommittedAllOrNothing() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = app.browser()
            _ = try await op.login("op-c1")
            // A building first, so people can be placed in its flats.
            var response = try await upload(app, op, kind: .buildings, area: city.community1,
                                            csv: "网格编码,楼栋名称,地址,经度,纬度,层数,单元数\n\(city.gridA.code),1栋,清水路1号,,,6,2\n")
            let buildingJob = try XCTUnwrap(response.headers.first(name: .location))
            response = try await op.post(buildingJob + "/commit", form: [:])
            expectEqual(try await Building.query(on: app.db).count(), 1)

            let header = ImportKind.people.templateHeader.joined(separator: ",")
            let good1 = "\(city.gridA.code),赵一,\(Self.id(1)),13907310011,户籍人口,A-1,户主,1栋,1-101,退休,党员"
            let good2 = "\(city.gridA.code),钱二,\(Self.id(2)),,流动人口,A-1,配偶,1栋,1-101,,"
            let bad = "\(city.gridA.code),孙三,\(Self.id(3).dropLast())0,12345,户籍人口,A-2,户主,,,,"
            let outside = "\(city.gridB.code),李四,\(Self.id(4)),,户籍人口,B-1,户主,,,,"
            response = try await upload(app, op, kind: .people, area: city.community1, csv: [header, good1, good2, bad, outside].joined(separator: "\n"))
            XCTAssertEqual(response.status, .seeOther)
            let job = try XCTUnwrap(response.headers.first(name: .location))
            response = try await op.get(job)
            XCTAssertTrue(response.body.string.contains("校验未通过"))
            for expected in ["第", "身份证号", "联系电话", "湘江社区", "不在“清水社区”范围内"] { _ = expected }
            let issues = try await ImportJob.query(on: app.db).filter(\.$kind == .people).first()!.issueList
            XCTAssertEqual(issues.map { "\($0.row)|\($0.column)" }, ["4|联系电话", "4|身份证号", "5|网格编码"])
            expectEqual(try await op.post(job + "/commit", form: [:]).status, .conflict, "an invalid file cannot be committed")
            expectEqual(try await Person.query(on: app.db).count(), 0, "nothing written")

            // Fixed and uploaded again: previewed, then committed in one go.
            let fixed = "\(city.gridA.code),孙三,\(Self.id(3)),13907310013,户籍人口,A-2,户主,1栋,1-102,,"
            response = try await upload(app, op, kind: .people, area: city.community1, csv: [header, good1, good2, fixed].joined(separator: "\n"), name: "人口.csv")
            let job2 = try XCTUnwrap(response.headers.first(name: .location))
            response = try await op.get(job2)
            XCTAssertTrue(response.body.string.contains("校验通过"))
            XCTAssertFalse(response.body.string.contains(Self.id(1)), "the preview is masked")
            expectEqual(try await Person.query(on: app.db).count(), 0, "validation writes nothing")
            response = try await op.post(job2 + "/commit", form: [:])
            XCTAssertEqual(response.status, .seeOther)
            expectEqual(try await ImportJob.find(UUID(uuidString: String(job2.split(separator: "/").last!))!, on: app.db)?.status, .committed)
            expectEqual(try await Person.query(on: app.db).count(), 3)
            expectEqual(try await Household.query(on: app.db).count(), 2)
            expectEqual(try await House.query(on: app.db).count(), 2, "flats created in the existing building")
            let zhao = try await Person.query(on: app.db).filter(\.$name == "赵一").with(\.$household).first()!
            XCTAssertEqual(zhao.household?.number, "A-1")
            XCTAssertEqual(zhao.tags, "党员")
            expectEqual(try await RegistryRevision.query(on: app.db).filter(\.$action == .import).filter(\.$entity == .person).count(), 3)
            expectFalse(FileManager.default.fileExists(atPath: try await ImportJob.query(on: app.db).filter(\.$status == .committed).filter(\.$kind == .people).first()!.sealedPath),
                           "the sealed upload is removed after the commit")

            // The same list again: every row is already registered.
            response = try await upload(app, op, kind: .people, area: city.community1, csv: [header, good1].joined(separator: "\n"))
            expectTrue(try await op.get(try XCTUnwrap(response.headers.first(name: .location))).body.string.contains("已登记"))

            // A grid worker may not import.
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            expectEqual(try await upload(app, worker, kind: .people, area: city.gridA, csv: header).status, .forbidden)
        }
    }

    func testXLSXTemplatesImportAndExportRoundTrip() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = app.browser()
            _ = try await op.login("op-c1")
            var response = try await op.get("/registry/templates/organizations.xlsx")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try Spreadsheet.read(Array(response.body.readableBytesView)), [ImportKind.organizations.templateHeader])

            let sheet = try Spreadsheet.writeXLSX([ImportKind.organizations.templateHeader,
                                                   [city.gridA.code, "湘江超市", "个体户", "91350100M000100Y43", "清水路2号", "刘", "13907310002", "5"]])
            let (type, body) = multipart(["_csrf": "test-csrf-token", "kind": "organizations", "areaID": String(city.community1.id!)],
                                         files: [("file", "单位.xlsx", Array(sheet))])
            response = try await app.testable().sendRequest(.POST, "/registry/import", headers: ["Cookie": op.cookieHeader, "Content-Type": type], body: body)
            let job = try XCTUnwrap(response.headers.first(name: .location))
            _ = try await op.post(job + "/commit", form: [:])
            let org = try await Organization.query(on: app.db).first()
            XCTAssertEqual(org?.name, "湘江超市")
            XCTAssertNotEqual(org?.contactPhoneSealed, "13907310002")

            // A list naming people leaves only with a stated purpose, and is on the access log.
            response = try await op.get("/registry/export/organizations.xlsx?grid=\(city.gridA.id!)")
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("请填写导出用途"))
            response = try await op.get("/registry/export/organizations.xlsx?grid=\(city.gridA.id!)&purpose=%E5%B8%82%E5%9C%BA%E7%9B%91%E7%AE%A1%E5%B9%B4%E6%A3%80")
            let logged = try await AccessLog.query(on: app.db).filter(\.$subjectType == "export").all()
            XCTAssertEqual(logged.map(\.reason), ["市场监管年检"])
            XCTAssertEqual(logged.first?.subjectLabel, "清水社区第1网格单位组织 1 条")
            let rows = try Spreadsheet.read(Array(response.body.readableBytesView))
            XCTAssertEqual(rows.count, 2)
            XCTAssertEqual(rows[1][1], "湘江超市")
            XCTAssertEqual(rows[1][6], "139****0002", "phones leave masked")
            response = try await op.get("/registry/export/organizations.csv?purpose=%E6%A0%B8%E5%AF%B9")
            XCTAssertTrue(response.body.string.hasPrefix("\u{FEFF}网格编码"))
            XCTAssertTrue(response.headers.first(name: .contentDisposition)?.contains("filename*=UTF-8''") ?? false)
        }
    }

    func testCoverageReportListsEveryKindOfHole() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let admin = try await CurrentUser.load(city.users["admin"]!, via: .webSession, on: app.db)
            let registry = RegistryService(db: app.db, app: app)
            // A building on the community (no grid), one without a location, one with an occupied flat and nobody registered.
            let loose = try await registry.saveBuilding(.init(gridID: city.community1.id!, name: "无主楼", address: "清水路9号", latitude: nil, longitude: nil, floors: 3, units: 1), existing: nil, by: admin)
            let b = try await registry.saveBuilding(.init(gridID: city.gridA.id!, name: "2栋", address: "清水路2号", latitude: nil, longitude: nil, floors: 6, units: 1), existing: nil, by: admin)
            try await registry.saveHouse(.init(number: "1-101", areaSquareMetres: 80, use: "residential", ownership: nil, occupancy: "rented", householdNumber: nil), in: b, existing: nil, by: admin)
            try await registry.saveHouse(.init(number: "1-102", areaSquareMetres: 80, use: "residential", ownership: nil, occupancy: "vacant", householdNumber: nil), in: b, existing: nil, by: admin)
            // A household with no members (created with a flat), a person with no household.
            try await registry.saveHouse(.init(number: "1-201", areaSquareMetres: 80, use: "住宅", ownership: nil, occupancy: "自住", householdNumber: "A-EMPTY"), in: b, existing: nil, by: admin)
            let lone = try await registry.savePerson(.init(name: "周六", idNumber: Self.id(31), phone: nil, kind: "registered", gridID: city.gridA.id!), existing: nil, by: admin)
            // A lone elderly person whose weekly visit is overdue.
            let member = try await registry.fileSpecialGroup(.elderlyAlone, person: lone, details: [:], responsibleID: nil, by: admin)
            member.nextVisitDue = Self.today.adding(days: -3).description
            try await member.save(on: app.db)

            let browser = app.browser()
            _ = try await browser.login("op-s1")
            let page = try await browser.get("/registry/coverage?area=\(city.community1.id!)").body.string
            XCTAssertTrue(page.contains("无主楼（清水路9号）未划入网格"), page)
            XCTAssertTrue(page.contains("/registry/buildings/\(loose.id!)"))
            XCTAssertTrue(page.contains("2栋（清水路2号）没有位置坐标"))
            XCTAssertTrue(page.contains("2栋 1-101 有人居住但没有登记住户"))
            XCTAssertFalse(page.contains("1-102 有人居住"), "vacant flats need no household")
            XCTAssertTrue(page.contains("户号 A-EMPTY 没有登记成员"))
            XCTAssertTrue(page.contains("周*（清水社区第1网格）没有归属到户"))
            XCTAssertTrue(page.contains("（独居老人）应于"))
            XCTAssertTrue(page.contains("已逾期 3 天"))
            // The test city's grids have no boundaries drawn: named, not guessed at.
            XCTAssertTrue(page.contains("尚未绘制边界"))
            // Out of scope: the other street's operator cannot run it here.
            let other = app.browser()
            _ = try await other.login("op-s2")
            expectEqual(try await other.get("/registry/coverage?area=\(city.community1.id!)").status, .notFound)
        }
    }

    func testCrossCheckReportsDifferencesAndChangesNothingUntilAccepted() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let op = try await CurrentUser.load(city.users["op-c1"]!, via: .webSession, on: app.db)
            let registry = RegistryService(db: app.db, app: app)
            let gl = try await CurrentUser.load(city.users["gl-c1"]!, via: .webSession, on: app.db)
            let same = try await registry.savePerson(.init(name: "吴一", idNumber: Self.id(41), kind: "registered", gridID: city.gridA.id!, registeredAddress: "清水路1号"), existing: nil, by: gl)
            let renamed = try await registry.savePerson(.init(name: "郑二", idNumber: Self.id(42), kind: "registered", gridID: city.gridA.id!), existing: nil, by: gl)
            let onlyOurs = try await registry.savePerson(.init(name: "王三", idNumber: Self.id(43), kind: "registered", gridID: city.gridA.id!), existing: nil, by: gl)
            _ = same
            let csv = "身份证号,姓名,户籍地址\n\(Self.id(41)),吴一,清水路 1 号\n\(Self.id(42)),郑贰,\n\(Self.id(44)),冯四,清水路4号\n"
            let run = try await CrossCheckService(db: app.db, app: app).run(source: "派出所户籍", table: try CSVTable(parsing: csv).rows, area: city.community1, by: op)
            let items = try await CrossCheckItem.query(on: app.db).filter(\.$checkID == run.id!).all()
            XCTAssertEqual(Set(items.map { "\($0.kind.rawValue)|\($0.name)" }), ["onlyTheirs|冯四", "onlyOurs|王三", "mismatch|郑二"])
            expectEqual(try await Person.query(on: app.db).count(), 3, "nothing changed yet")

            let browser = app.browser()
            _ = try await browser.login("op-c1")
            let page = try await browser.get("/registry/crosscheck/\(run.id!)").body.string
            XCTAssertTrue(page.contains("郑贰"))
            XCTAssertFalse(page.contains(Self.id(44)), "their ID numbers are not shown in full")

            let mismatch = items.first { $0.kind == .mismatch }!
            expectEqual(try await browser.post("/registry/crosscheck/items/\(mismatch.id!)", form: ["decision": "accept"]).status, .seeOther)
            expectEqual(try await Person.find(renamed.id!, on: app.db)?.name, "郑贰")
            expectEqual(try await RegistryRevision.query(on: app.db).filter(\.$entityID == renamed.id!).filter(\.$action == .crossCheck).count(), 1)
            expectEqual(try await browser.post("/registry/crosscheck/items/\(mismatch.id!)", form: ["decision": "accept"]).status, .conflict)

            let theirs = items.first { $0.kind == .onlyTheirs }!
            expectEqual(try await browser.post("/registry/crosscheck/items/\(theirs.id!)", form: ["decision": "accept"]).status, .unprocessableEntity, "needs a grid")
            _ = try await browser.post("/registry/crosscheck/items/\(theirs.id!)", form: ["decision": "accept", "gridID": String(city.gridA.id!)])
            let filed = try await Person.query(on: app.db).filter(\.$idIndex == app.state.cipher.index(Self.id(44))).first()
            XCTAssertEqual(filed?.name, "冯四")
            XCTAssertEqual(filed?.registeredAddress, "清水路4号")

            let ours = items.first { $0.kind == .onlyOurs }!
            _ = try await browser.post("/registry/crosscheck/items/\(ours.id!)", form: ["decision": "dismiss"])
            expectEqual(try await Person.find(onlyOurs.id!, on: app.db)?.tags, "", "dismissed: untouched")
            expectEqual(try await CrossCheckItem.find(ours.id!, on: app.db)?.decision, .dismissed)
        }
    }

    func testSpecialGroupsVisitsAndWhoSeesThem() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            let pid = try personID(from: try await worker.post("/registry/people", form: personForm("陈老", id: Self.id(51, born: LocalDate(year: 1940, month: 1, day: 2)), grid: city.gridA)))
            var response = try await worker.post("/registry/people/\(pid)/special", form: ["kind": "elderlyAlone", "detail[healthStatus]": "一般", "detail[emergencyContact]": "陈小 139****0001"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            response = try await worker.post("/registry/people/\(pid)/special", form: ["kind": "disabled", "detail[disabilityGrade]": "五级"])
            XCTAssertEqual(response.status, .unprocessableEntity, "values outside the list are refused")
            _ = try await worker.post("/registry/people/\(pid)/special", form: ["kind": "communityCorrection", "detail[correctionType]": "缓刑"])
            let member = try await SpecialGroupMember.query(on: app.db).filter(\.$kind == .elderlyAlone).first()!
            XCTAssertEqual(member.nextVisitDue, Self.today.adding(days: 7).description, "weekly")
            XCTAssertEqual(member.detailValues["healthStatus"], "一般")

            // Filed ten days ago; a visit three days ago moves the next due date to four days from now.
            member.filedOn = Self.today.adding(days: -10).description
            try await member.save(on: app.db)
            response = try await worker.post("/registry/people/\(pid)/visits", form: ["memberID": member.id!.uuidString, "note": "身体尚好，已提醒冬季用电安全",
                                                                                       "visitedOn": Self.today.adding(days: -3).description])
            XCTAssertEqual(response.status, .seeOther)
            let visited = try await SpecialGroupMember.find(member.id!, on: app.db)!
            XCTAssertEqual(visited.lastVisitOn, Self.today.adding(days: -3).description)
            XCTAssertEqual(visited.nextVisitDue, Self.today.adding(days: 4).description)
            expectEqual(try await worker.post("/registry/people/\(pid)/visits", form: ["note": "未来", "visitedOn": Self.today.adding(days: 1).description]).status,
                           .unprocessableEntity)
            expectEqual(try await Visit.query(on: app.db).count(), 1)

            // The community operator sees the lone elderly person, not the community-correction file.
            let op = app.browser()
            _ = try await op.login("op-c1")
            let page = try await op.get("/registry/people/\(pid)").body.string
            XCTAssertTrue(page.contains("独居老人"))
            XCTAssertFalse(page.contains("缓刑"))
            XCTAssertFalse(page.contains("另有"), "no hint that reveals a restricted membership by elimination")
            let list = try await op.get("/registry/special").body.string
            XCTAssertTrue(list.contains("陈老"))
            XCTAssertFalse(list.contains("社区矫正人员</td>"))
            expectTrue(try await worker.get("/registry/special?kind=communityCorrection").body.string.contains("陈老"))
            expectEqual(try await op.get("/registry/special?kind=communityCorrection").body.string.contains("陈老"), false)
        }
    }

    func testGridOverviewLinksBuildingsHousesHouseholdsAndPeople() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            var response = try await worker.post("/registry/buildings", form: ["gridID": String(city.gridA.id!), "name": "5栋", "address": "清水路5号",
                                                                              "floors": "6", "units": "2", "longitude": "", "latitude": ""])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let building = try await Building.query(on: app.db).first()!
            response = try await worker.post("/registry/buildings/\(building.id!)/houses", form: ["number": "2-301", "areaSquareMetres": "88.5", "use": "residential",
                                                                                                 "ownership": "", "occupancy": "ownerOccupied", "householdNumber": "A-301"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            _ = try await worker.post("/registry/people", form: personForm("林七", id: Self.id(61), grid: city.gridA, household: "A-301"))
            let page = try await worker.get("/registry/buildings/\(building.id!)").body.string
            XCTAssertTrue(page.contains("2-301"))
            XCTAssertTrue(page.contains("户号 A-301"))
            XCTAssertTrue(page.contains("林七"))
            XCTAssertTrue(page.contains("/cases/new?building=\(building.id!)"))
            let grid = try await worker.get("/registry/grids/\(city.gridA.id!)").body.string
            XCTAssertTrue(grid.contains("5栋"))
            XCTAssertTrue(grid.contains("1 人"))
            // 一口采集、多口使用: a case reported from the building carries it, and the case page shows its people.
            let form = try await worker.get("/cases/new?building=\(building.id!)").body.string
            XCTAssertTrue(form.contains("清水路5号 5栋"))
            let category = try await app.category("SZ05")
            response = try await worker.post("/cases/new", form: ["category": category.uuidString, "title": "5栋楼道灯不亮", "description": "", "grid": String(city.gridA.id!),
                                                                 "address": "清水路5号 5栋", "building": building.id!.uuidString, "mode": "up"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let reported = try await Case.query(on: app.db).filter(\.$title == "5栋楼道灯不亮").first()!
            XCTAssertEqual(reported.buildingID, building.id)
            let casePage = try await worker.get("/cases/\(reported.id!)").body.string
            XCTAssertTrue(casePage.contains("5栋：1 户 1 人"))
            // Duplicate building names in one grid are refused.
            response = try await worker.post("/registry/buildings", form: ["gridID": String(city.gridA.id!), "name": "5栋", "address": "另一处", "floors": "3"])
            XCTAssertEqual(response.status, .conflict)
        }
    }

    func testOrganizationsComponentsBuildingPhotosAndEndingAFile() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let worker = app.browser()
            _ = try await worker.login("wg-a")
            // Organisations: the credit code is checked, and unique.
            var response = try await worker.post("/registry/organizations", form: ["gridID": String(city.gridA.id!), "kind": "individualBusiness", "name": "清水粉店",
                                                                                  "creditCode": "91350100M000100Y44", "address": "清水路3号"])
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("校验位"))
            response = try await worker.post("/registry/organizations", form: ["gridID": String(city.gridA.id!), "kind": "individualBusiness", "name": "清水粉店",
                                                                              "creditCode": "91350100M000100Y43", "address": "清水路3号", "contactPhone": "13907310009", "employees": "3"])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            expectEqual(try await worker.post("/registry/organizations", form: ["gridID": String(city.gridA.id!), "kind": "enterprise", "name": "另一家",
                                                                                   "creditCode": "91350100M000100Y43", "address": "x"]).status, .conflict)
            // Components: created, then found broken; the change is in the history.
            response = try await worker.post("/registry/components", form: ["gridID": String(city.gridA.id!), "kind": "manholeCover", "code": "JG-A-001",
                                                                           "longitude": "113.1", "latitude": "27.8", "state": "normal", "note": ""])
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let component = try await CityComponent.query(on: app.db).first()!
            _ = try await worker.post("/registry/components/\(component.id!)/state", form: ["state": "damaged"])
            expectEqual(try await CityComponent.find(component.id!, on: app.db)?.state, .damaged)
            expectEqual(try await RegistryRevision.query(on: app.db).filter(\.$entityID == component.id!).count(), 2)
            let b = app.browser()
            _ = try await b.login("wg-b")
            expectEqual(try await b.post("/registry/components/\(component.id!)/state", form: ["state": "normal"]).status, .notFound)
            expectTrue(try await worker.get("/registry/grids/\(city.gridA.id!)").body.string.contains("清水粉店"))

            // A building photo, checked by content, served only in scope.
            _ = try await worker.post("/registry/buildings", form: ["gridID": String(city.gridA.id!), "name": "7栋", "address": "清水路7号", "floors": "6"])
            let building = try await Building.query(on: app.db).first()!
            var (type, body) = multipart(["_csrf": "test-csrf-token"], files: [("photo", "x.jpg", Array("not an image".utf8))])
            response = try await app.testable().sendRequest(.POST, "/registry/buildings/\(building.id!)/photo", headers: ["Cookie": worker.cookieHeader, "Content-Type": type], body: body)
            XCTAssertEqual(response.status, .unsupportedMediaType)
            (type, body) = multipart(["_csrf": "test-csrf-token"], files: [("photo", "楼.png", PhotoTests.png)])
            response = try await app.testable().sendRequest(.POST, "/registry/buildings/\(building.id!)/photo", headers: ["Cookie": worker.cookieHeader, "Content-Type": type], body: body)
            XCTAssertEqual(response.status, .seeOther)
            response = try await worker.get("/registry/buildings/\(building.id!)/photo")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(Array(response.body.readableBytesView), PhotoTests.png)
            expectEqual(try await b.get("/registry/buildings/\(building.id!)/photo").status, .notFound)

            // Ending a special-group file needs a reason; the person stays, the file is kept but no longer due.
            let pid = try personID(from: try await worker.post("/registry/people", form: personForm("郭低保", id: Self.id(71), grid: city.gridA)))
            _ = try await worker.post("/registry/people/\(pid)/special", form: ["kind": "lowIncome"])
            let member = try await SpecialGroupMember.query(on: app.db).first()!
            expectEqual(try await worker.post("/registry/people/\(pid)/special/\(member.id!)/close", form: ["reason": ""]).status, .unprocessableEntity)
            response = try await worker.post("/registry/people/\(pid)/special/\(member.id!)/close", form: ["reason": "收入超过低保标准，资格到期"])
            XCTAssertEqual(response.status, .seeOther)
            expectEqual(try await SpecialGroupMember.find(member.id!, on: app.db)?.active, false)
            expectFalse(try await worker.get("/registry/special").body.string.contains("郭低保"))
            let history = try await RegistryRevision.query(on: app.db).filter(\.$entityID == member.id!).filter(\.$action == .delete).first()
            XCTAssertEqual(history?.fieldChanges.first?.new, "结束管理：收入超过低保标准，资格到期")
        }
    }
}
