import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// `civicgrid verify-trail`: checks every case's hash chain and reports the first broken link.
enum TrailVerifier {
    static func verify(on db: any Database) async throws -> (cases: Int, breaks: [TimelineChain.Break]) {
        var breaks: [TimelineChain.Break] = []
        var count = 0
        var offset = 0
        let page = 500
        while true {
            let cases = try await Case.query(on: db).sort(\.$code).range(offset..<(offset + page)).all()
            if cases.isEmpty { break }
            let entries = try await TimelineEntry.query(on: db).filter(\.$case.$id ~~ cases.compactMap(\.id)).all()
            let byCase = Dictionary(grouping: entries, by: { $0.$case.id })
            for c in cases {
                count += 1
                let rows = (byCase[c.id!] ?? []).map { ($0.record(caseCode: c.code), $0.prevHash, $0.hash) }
                if rows.isEmpty { breaks.append(.init(caseCode: c.code, seq: 0, why: "没有任何流转记录")); continue }
                if let broken = TimelineChain.verify(rows) { breaks.append(broken) }
            }
            offset += page
        }
        return (count, breaks)
    }

    /// The same for every agent-handled service's steps (帮办代办).
    static func verifyAgentServices(on db: any Database) async throws -> (requests: Int, breaks: [TimelineChain.Break]) {
        var breaks: [TimelineChain.Break] = []
        var count = 0, offset = 0
        let page = 500
        while true {
            let requests = try await AgentServiceRequest.query(on: db).sort(\.$trackingCode).range(offset..<(offset + page)).all()
            if requests.isEmpty { break }
            let steps = try await AgentServiceStep.query(on: db).filter(\.$requestID ~~ requests.compactMap(\.id)).all()
            let byRequest = Dictionary(grouping: steps, by: \.requestID)
            for r in requests {
                count += 1
                let rows = (byRequest[r.id!] ?? []).map { ($0.record(code: r.trackingCode), $0.prevHash, $0.hash) }
                let label = "帮办代办 " + r.trackingCode
                if rows.isEmpty { breaks.append(.init(caseCode: label, seq: 0, why: "没有任何办理记录")); continue }
                if let broken = TimelineChain.verify(rows) { breaks.append(.init(caseCode: label, seq: broken.seq, why: broken.why)) }
            }
            offset += page
        }
        return (count, breaks)
    }
}

struct VerifyTrailCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Verifies the hash chain of every case's timeline and every agent-handled service's steps, and reports the first broken link of each." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let (cases, caseBreaks) = try await TrailVerifier.verify(on: context.application.db)
        let (requests, agentBreaks) = try await TrailVerifier.verifyAgentServices(on: context.application.db)
        let breaks = caseBreaks + agentBreaks
        if breaks.isEmpty {
            context.console.info("全面留痕校验通过: \(cases) cases and \(requests) agent-handled services, every chain intact.")
        } else {
            for b in breaks { context.console.error("BROKEN \(b.description)") }
            throw Abort(.internalServerError, reason: "\(breaks.count) of \(cases + requests) trails are broken")
        }
    }
}
