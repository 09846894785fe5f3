import Fluent
import Foundation
import GridCore
import Vapor

/// 数据比对: compares another agency's list (ID number, name, registered address) with the people
/// registered in an area. Matching goes through the keyed index, so our ID numbers are never
/// decrypted in bulk; nothing in the registry changes until an operator accepts a finding.
struct CrossCheckService {
    let db: any Database
    let app: Application

    var cipher: PersonalDataCipher { app.state.cipher }

    struct Problem: Error, CustomStringConvertible { let description: String; let issues: [ImportIssue] }

    /// Reads their list: columns 身份证号, 姓名, and optionally 地址/户籍地址.
    static func theirRecords(_ table: [[String]]) -> (records: [CrossCheck.Record], issues: [ImportIssue]) {
        guard let header = table.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            return ([], [ImportIssue(row: 1, column: "表头", reason: "文件是空的")])
        }
        let idCol = header.firstIndex { ["身份证号", "公民身份号码", "证件号码"].contains($0) }
        let nameCol = header.firstIndex { $0 == "姓名" }
        let addrCol = header.firstIndex { ["地址", "户籍地址", "住址"].contains($0) }
        var issues: [ImportIssue] = []
        if idCol == nil { issues.append(ImportIssue(row: 1, column: "身份证号", reason: "缺少必填列")) }
        if nameCol == nil { issues.append(ImportIssue(row: 1, column: "姓名", reason: "缺少必填列")) }
        guard let idCol, let nameCol else { return ([], issues) }
        var records: [CrossCheck.Record] = []
        var seen: [String: Int] = [:]
        for (offset, cells) in table.dropFirst().enumerated() {
            let row = offset + 2
            func cell(_ i: Int?) -> String { i.flatMap { $0 < cells.count ? cells[$0].trimmingCharacters(in: .whitespaces) : nil } ?? "" }
            if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            do {
                let id = try IdentityNumber(cell(idCol))
                if let first = seen[id.value] { issues.append(ImportIssue(row: row, column: "身份证号", reason: "与第 \(first) 行重复")); continue }
                seen[id.value] = row
                let name = cell(nameCol)
                guard !name.isEmpty else { issues.append(ImportIssue(row: row, column: "姓名", reason: "必填")); continue }
                let address = cell(addrCol)
                records.append(CrossCheck.Record(idNumber: id.value, name: name, address: address.isEmpty ? nil : address))
            } catch {
                issues.append(ImportIssue(row: row, column: "身份证号", reason: String(describing: error)))
            }
        }
        return (records, issues)
    }

    /// Runs a comparison over `area`'s subtree and stores the findings.
    func run(source: String, table: [[String]], area: Area, by user: CurrentUser) async throws -> CrossCheckRun {
        let (theirs, issues) = Self.theirRecords(table)
        guard issues.isEmpty else { throw Problem(description: "比对文件有 \(issues.count) 处错误，请修改后重新上传", issues: issues) }
        guard !theirs.isEmpty else { throw Problem(description: "比对文件没有数据行", issues: []) }
        // Ours, keyed by the index of the ID number.
        let people = try await Person.query(on: db).join(Area.self, on: \Person.$gridID == \Area.$id)
            .filter(areaWithin: area.areaPath).all()
        let oursByIndex = Dictionary(people.map { ($0.idIndex, $0) }, uniquingKeysWith: { a, _ in a })
        var theirsByIndex: [String: CrossCheck.Record] = [:]
        for r in theirs { theirsByIndex[cipher.index(r.idNumber)] = r }
        // People on their list registered elsewhere in the city are not "missing here": look them up too.
        let missingIndexes = theirsByIndex.keys.filter { oursByIndex[$0] == nil }
        var elsewhere: Set<String> = []
        for start in stride(from: 0, to: missingIndexes.count, by: 500) {
            let slice = Array(missingIndexes[start..<min(start + 500, missingIndexes.count)])
            for p in try await Person.query(on: db).filter(\.$idIndex ~~ slice).all() { elsewhere.insert(p.idIndex) }
        }
        let findings = CrossCheck.compare(
            ours: people.map { CrossCheck.Record(idNumber: $0.idIndex, name: $0.name, address: $0.registeredAddress) },
            theirs: theirsByIndex.map { CrossCheck.Record(idNumber: $0.key, name: $0.value.name, address: $0.value.address) })
        let now = app.state.clock.now()
        let registeredElsewhere = elsewhere, theirsIndexed = theirsByIndex
        return try await db.transaction { tx in
            let run = CrossCheckRun()
            run.source = source; run.areaID = area.id!; run.uploadedBy = user.id; run.at = now
            run.theirCount = theirs.count; run.ourCount = people.count
            try await run.create(on: tx)
            var items: [CrossCheckItem] = []
            for finding in findings {
                let item = CrossCheckItem()
                item.checkID = run.id!; item.decision = .open
                switch finding {
                case .onlyTheirs(let r):
                    if registeredElsewhere.contains(r.idNumber) { continue }
                    let their = theirsIndexed[r.idNumber]!
                    item.kind = .onlyTheirs; item.idSealed = try cipher.seal(their.idNumber); item.idTail = String(their.idNumber.suffix(4))
                    item.name = their.name; item.theirs = their.address
                case .onlyOurs(let r):
                    let p = oursByIndex[r.idNumber]!
                    item.kind = .onlyOurs; item.idSealed = p.idSealed; item.idTail = String(((try? cipher.open(p.idSealed)) ?? "").suffix(4)); item.personID = p.id; item.name = p.name
                    item.ours = p.registeredAddress
                case .mismatch(let index, let field, let ours, let theirsValue):
                    let p = oursByIndex[index]!
                    item.kind = .mismatch; item.field = field; item.idSealed = p.idSealed; item.idTail = String(((try? cipher.open(p.idSealed)) ?? "").suffix(4)); item.personID = p.id
                    item.name = p.name; item.ours = ours; item.theirs = theirsValue
                }
                items.append(item)
            }
            try await RowWriter.create(items, on: tx)
            return run
        }
    }

    /// Accepts one finding: fixes our record (or files the person), with a revision; or dismisses it.
    func decide(_ item: CrossCheckItem, accept: Bool, gridID: Int?, by user: CurrentUser) async throws {
        guard item.decision == .open else { throw Abort(.conflict, reason: "该条已处理") }
        let registry = RegistryService(db: db, app: app)
        if accept {
            switch item.kind {
            case .mismatch, .onlyOurs:
                guard let personID = item.personID else { throw Abort(.notFound) }
                let person = try await registry.person(personID, for: user)
                let household = try await person.$household.get(on: db)?.number
                var draft = RegistryService.PersonDraft(name: person.name, idNumber: nil, phone: nil, kind: person.kind.rawValue, gridID: person.gridID,
                                                        householdNumber: household, relation: person.relation?.rawValue, employment: person.employment,
                                                        tags: person.tags, health: nil, registeredAddress: person.registeredAddress)
                if item.kind == .onlyOurs { draft.tags = person.tags + "、比对未匹配待核实" }
                else if item.field == .name { draft.name = item.theirs ?? person.name }
                else { draft.registeredAddress = item.theirs }
                try await registry.savePerson(draft, existing: person, by: user, action: .crossCheck)
            case .onlyTheirs:
                guard let gridID else { throw Abort(.unprocessableEntity, reason: "请选择此人所在的网格") }
                let id = try cipher.open(item.idSealed)
                try await registry.savePerson(RegistryService.PersonDraft(name: item.name, idNumber: id, phone: nil, kind: PersonKind.registered.rawValue,
                                                                          gridID: gridID, householdNumber: nil, relation: nil, employment: nil,
                                                                          tags: "比对新增", health: nil, registeredAddress: item.theirs),
                                              existing: nil, by: user, action: .crossCheck)
            }
        }
        item.decision = accept ? .accepted : .dismissed
        item.decidedBy = user.id
        item.decidedAt = app.state.clock.now()
        try await item.save(on: db)
    }
}
