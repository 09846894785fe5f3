import Fluent
import Foundation
import GridCore
import SQLKit
import Vapor

/// 12345 / 市长热线 / 96361 work orders in, status changes back out.
///
/// In: an order claims its (hotline, order number) row first — the unique key makes a repeated
/// delivery answer with the case already made, never a second case — then becomes a case on the
/// hotline's channel, categorised through the editable mapping (unmapped: 待分类, for the
/// operator). Out: every action on such a case writes an outbox row in the same transaction; the
/// outbox worker posts it to the configured callback URL, retrying until the other side takes it.
struct HotlineService {
    let db: any Database
    let app: Application

    struct Receipt: Content {
        let caseID: UUID
        let code: String
        let duplicate: Bool
        let mapped: Bool
        let category: String
    }

    func receive(_ order: HotlineOrder, latitude: Double?, longitude: Double?, gridCode: String?, by account: CurrentUser, now: Date) async throws -> Receipt {
        if let done = try await existing(order) { return done }
        let mapping = try await HotlineCategory.query(on: db).filter(\.$source == order.source.rawValue).filter(\.$text == order.categoryText).first()
        let categoryID: UUID
        if let mapping { categoryID = mapping.categoryID }
        else if let fallback = try await CaseCategory.query(on: db).filter(\.$code == CreateHotlineIntake.unmappedCode).first() { categoryID = try fallback.requireID() }
        else { throw Abort(.internalServerError, reason: "缺少“待分类”类别") }
        var gridID: Int?
        if let code = gridCode?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            guard let grid = try await Area.query(on: db).filter(\.$code == code).filter(\.$level ~~ [.grid, .microGrid]).first() else {
                throw Abort(.unprocessableEntity, reason: "gridCode \(code) 不是本平台的网格编码")
            }
            gridID = grid.id
        }
        if gridID == nil, latitude == nil || longitude == nil, let address = order.address {
            // No grid and no position: the address, through the 标准地址 matcher. A hotline cannot be asked
            // which of several places it meant: the best one is taken and the district operator checks it.
            switch try await AddressDirectory(db: db).book().match(address) {
            case .found(let place): gridID = place.gridID
            case .choices(let places): gridID = places.first?.gridID
            case .notFound: break
            }
        }
        guard gridID != nil || (latitude != nil && longitude != nil) else {
            throw Abort(.unprocessableEntity, reason: "需要 gridCode、latitude 与 longitude，或能确定网格的 address（路名和门牌号）")
        }

        // Claim the order number first (unique per hotline), then make the case; if the case
        // cannot be made, the claim is released so the hotline can send the order again.
        let claim = HotlineOrderRecord()
        claim.source = order.source.rawValue; claim.orderNo = order.orderNo; claim.categoryText = order.categoryText
        claim.mapped = mapping != nil; claim.receivedAt = now
        do { try await claim.create(on: db) } catch {
            if let done = try await existing(order) { return done }
            throw Abort(.conflict, reason: "工单 \(order.orderNo) 正在处理，请稍后重试")
        }
        let created: Case
        do {
            created = try await CaseService(db: db, app: app).report(
                .hotline(order, categoryID: categoryID, gridID: gridID, latitude: latitude, longitude: longitude), by: account, now: now)
        } catch {
            try? await claim.delete(on: db)
            throw error
        }
        claim.caseID = try created.requireID()
        try await claim.save(on: db)
        let category = try await CaseCategory.find(categoryID, on: db)
        return Receipt(caseID: try created.requireID(), code: created.code, duplicate: false, mapped: mapping != nil, category: category?.name ?? "")
    }

    private func existing(_ order: HotlineOrder) async throws -> Receipt? {
        guard let record = try await HotlineOrderRecord.query(on: db).filter(\.$source == order.source.rawValue)
                .filter(\.$orderNo == order.orderNo).first(),
              let caseID = record.caseID else { return nil }
        guard let c = try await Case.find(caseID, on: db) else { return nil }
        let category = try await CaseCategory.find(c.$category.id, on: db)
        return Receipt(caseID: try c.requireID(), code: c.code, duplicate: true, mapped: record.mapped, category: category?.name ?? "")
    }

    // MARK: The outbox

    /// Called inside the transaction of every action: a hotline case with an order number gets
    /// one message per change when a callback URL is configured.
    static func enqueue(_ record: Case, action: ActionKind, comment: String, app: Application, at: Date, on tx: any Database) async throws {
        guard let url = app.state.config.hotlineCallbackURL, let ref = record.externalRef,
              let source = HotlineSource.allCases.first(where: { $0.channel == record.channel }) else { return }
        struct Payload: Encodable {
            let source: String; let orderNo: String; let caseCode: String; let status: String; let statusName: String
            let publicStatus: String; let action: String; let comment: String; let at: Date
        }
        let payload = Payload(source: source.rawValue, orderNo: ref, caseCode: record.code, status: record.status.rawValue,
                              statusName: record.status.displayName, publicStatus: record.status.publicStatus(overdue: record.overdue),
                              action: action.displayName, comment: comment, at: at)
        let m = OutboxMessage()
        let last = try await OutboxMessage.query(on: tx).filter(\.$caseID == record.requireID()).max(\.$seq) ?? 0
        m.caseID = try record.requireID(); m.seq = last + 1; m.source = source.rawValue; m.orderNo = ref; m.url = url
        m.payload = String(decoding: try CaseEvent.encoder.encode(payload), as: UTF8.self)
        m.status = .pending; m.attempts = 0; m.nextAttemptAt = at; m.createdAt = at
        try await m.create(on: tx)
    }

    struct DeliveryResult: Equatable { var sent = 0; var failed = 0; var skipped = false }

    /// Posts every due message, oldest first; a case's later messages wait behind a failed earlier
    /// one so the hotline sees changes in order. One instance at a time (transaction lock).
    @discardableResult
    static func deliverDue(app: Application, now: Date, limit: Int = 100) async throws -> DeliveryResult {
        try await app.db.transaction { tx in
            if let sql = tx as? any SQLDatabase, let lock = sql.dialectSQL.tryTransactionLock(key: 0x6369_7669_6f75_7462) {
                struct Row: Decodable { let locked: Bool }
                guard try await sql.raw(lock).first(decoding: Row.self)?.locked == true else { return DeliveryResult(skipped: true) }
            }
            let pending = try await OutboxMessage.query(on: tx).filter(\.$status == .pending).sort(\.$createdAt).sort(\.$caseID).sort(\.$seq).limit(limit).all()
            var result = DeliveryResult()
            var blocked: Set<UUID> = []
            for m in pending {
                guard !blocked.contains(m.caseID) else { continue }
                guard m.nextAttemptAt <= now else { blocked.insert(m.caseID); continue }
                m.attempts += 1
                do {
                    let response = try await app.client.post(URI(string: m.url), headers: ["Content-Type": "application/json"]) { req in
                        req.body = ByteBuffer(string: m.payload)
                    }
                    guard (200..<300).contains(response.status.code) else { throw Abort(response.status, reason: "对方返回 \(response.status.code)") }
                    m.status = .sent; m.sentAt = now; m.lastError = nil
                    result.sent += 1
                } catch {
                    m.lastError = String(String(describing: (error as? any AbortError)?.reason ?? "\(error)").prefix(300))
                    m.nextAttemptAt = now.addingTimeInterval(CallbackRetry.delay(afterAttempts: m.attempts))
                    blocked.insert(m.caseID)
                    result.failed += 1
                }
                try await m.save(on: tx)
            }
            return result
        }
    }
}

extension PeriodicWork {
    /// The hotline outbox, every 10 seconds, when a callback URL is configured.
    static var outbox: PeriodicWork {
        PeriodicWork(name: "outbox delivery", interval: .seconds(10), enabled: { $0.state.config.hotlineCallbackURL != nil }) { app in
            let r = try await HotlineService.deliverDue(app: app, now: app.state.clock.now())
            if r.failed > 0 { app.logger.warning("hotline callbacks failed", metadata: ["failed": "\(r.failed)", "sent": "\(r.sent)"]) }
        }
    }
}
