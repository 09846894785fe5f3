import Fluent
import Foundation
import GridCore
import Vapor

/// The hotline webhook (`POST /api/v1/hotline/orders`, authenticated by an API key) and the
/// administrators' page: category mapping, unmapped category texts, the callback outbox.
enum HotlineController {
    struct OrderBody: Content {
        var source: String?
        var orderNo: String?
        var caller: String?
        var phone: String?
        var content: String?
        var address: String?
        var categoryText: String?
        var receivedAt: Date?
        var latitude: Double?
        var longitude: Double?
        var gridCode: String?
        var datum: String?
    }

    /// `X-Api-Key: cg_…` (keys are made under 管理员 › 开放接口). 201 with our case code; the same
    /// order again answers 200 with the same code and `duplicate: true`.
    @Sendable static func receive(req: Request) async throws -> Response {
        guard let apiKey = try await ApiKey.active(req.headers.first(name: "X-Api-Key") ?? "", on: req.db) else {
            throw Abort(.unauthorized, reason: "需要有效的 X-Api-Key")
        }
        guard apiKey.allows(.hotline) else { throw Abort(.forbidden, reason: "该密钥未授权推送热线工单") }
        let body: OrderBody
        do { body = try req.content.decode(OrderBody.self) } catch { throw Abort(.badRequest, reason: "请求体应为 JSON 工单") }
        let order: HotlineOrder
        do {
            order = try HotlineOrder(source: body.source, orderNo: body.orderNo, caller: body.caller, phone: body.phone, content: body.content,
                                     address: body.address, categoryText: body.categoryText, receivedAt: body.receivedAt)
        } catch { throw Abort(.unprocessableEntity, reason: error.description) }
        guard let datum = Datum(rawValue: body.datum ?? "wgs84") else { throw Abort(.unprocessableEntity, reason: "datum 应为 wgs84 或 gcj02") }
        var lat = body.latitude, lon = body.longitude
        if let la = lat, let lo = lon {
            guard (-90...90).contains(la), (-180...180).contains(lo) else { throw Abort(.unprocessableEntity, reason: "经纬度超出范围") }
            let p = ChinaDatum.toWGS84(GeoPoint(lon: lo, lat: la), from: datum)
            (lat, lon) = (p.lat, p.lon)
        }
        let account = try await CurrentUser.load(apiKey.user, via: .api, on: req.db)
        let receipt = try await req.hotline
            .receive(order, latitude: lat, longitude: lon, gridCode: body.gridCode, by: account, now: req.now)
        return try await receipt.encodeResponse(status: receipt.duplicate ? .ok : .created, for: req)
    }

    // MARK: The page

    struct Option: Encodable { let value: String; let label: String }
    struct MappingRow: Encodable { let source: String; let text: String; let category: String }
    struct UnmappedRow: Encodable { let source: String; let sourceName: String; let text: String; let count: Int; let last: String }
    struct OutboxRow: Encodable {
        let id: String; let created: String; let source: String; let orderNo: String; let caseHref: String; let status: String
        let sent: Bool; let attempts: Int; let next: String; let error: String?
    }
    struct Page: Encodable {
        let layout: PageLayout
        let mappings: [MappingRow]
        let unmapped: [UnmappedRow]
        let sources: [Option]
        let categories: [Option]
        let outbox: [OutboxRow]
        let backlog: Int
        let callback: String?
    }

    @Sendable static func page(req: Request) async throws -> View {
        _ = try req.requireSystemAdministrator("只有系统管理员可以管理热线对接")
        let categories = try await CaseCategory.query(on: req.db).filter(\.$parent.$id != nil).filter(\.$active == true).sort(\.$code).all()
        let names = Dictionary(uniqueKeysWithValues: categories.map { ($0.id!, "\($0.code) \($0.name)") })
        let mappings = try await HotlineCategory.query(on: req.db).sort(\.$source).sort(\.$text).all()
        let mapped = Set(mappings.map { "\($0.source)|\($0.text)" })
        let orders = try await HotlineOrderRecord.query(on: req.db).filter(\.$mapped == false).sort(\.$receivedAt, .descending).limit(2_000).all()
        var unmapped: [String: (HotlineOrderRecord, Int)] = [:]
        for o in orders where !mapped.contains("\(o.source)|\(o.categoryText)") {
            let k = "\(o.source)|\(o.categoryText)"
            unmapped[k] = (unmapped[k]?.0 ?? o, (unmapped[k]?.1 ?? 0) + 1)
        }
        let outbox = try await OutboxMessage.query(on: req.db).sort(\.$createdAt, .descending).limit(100).all()
        let backlog = try await OutboxMessage.query(on: req.db).filter(\.$status == .pending).count()
        func sourceName(_ raw: String) -> String { HotlineSource(rawValue: raw)?.displayName ?? raw }
        return try await req.view.render("admin/hotline", Page(
            layout: PageLayout(req, title: "热线对接", section: "hotline"),
            mappings: mappings.map { MappingRow(source: sourceName($0.source), text: $0.text, category: names[$0.categoryID] ?? "—") },
            unmapped: unmapped.values.sorted { $0.1 > $1.1 }.map { o, n in
                UnmappedRow(source: o.source, sourceName: sourceName(o.source), text: o.categoryText, count: n, last: Formatting.dateTime(o.receivedAt))
            },
            sources: HotlineSource.allCases.map { Option(value: $0.rawValue, label: $0.displayName) },
            categories: categories.map { Option(value: $0.id!.uuidString, label: "\($0.code) \($0.name)") },
            outbox: outbox.map { m in
                OutboxRow(id: m.id!.uuidString, created: Formatting.dateTime(m.createdAt), source: sourceName(m.source), orderNo: m.orderNo,
                          caseHref: SiteURL.caseDetail(m.caseID).path, status: m.status == .sent ? "已送达" : (m.attempts == 0 ? "待发送" : "重试中"),
                          sent: m.status == .sent, attempts: m.attempts,
                          next: m.status == .sent ? (m.sentAt.map(Formatting.dateTime) ?? "") : Formatting.dateTime(m.nextAttemptAt), error: m.lastError)
            },
            backlog: backlog, callback: req.state.config.hotlineCallbackURL))
    }

    struct MappingForm: Content { var source: String; var text: String; var category: String }

    /// Adds or changes a mapping (the same hotline and text replace the old one).
    @Sendable static func map(req: Request) async throws -> Response {
        _ = try req.requireSystemAdministrator("只有系统管理员可以管理热线对接")
        let form = try req.content.decode(MappingForm.self)
        let text = form.text.trimmingCharacters(in: .whitespaces)
        guard let source = HotlineSource(rawValue: form.source) else { throw Abort(.unprocessableEntity, reason: "请选择热线") }
        guard (1...60).contains(text.count) else { throw Abort(.unprocessableEntity, reason: "热线类别名称 1–60 个字") }
        guard let id = UUID(uuidString: form.category), let category = try await CaseCategory.find(id, on: req.db), category.$parent.id != nil else {
            throw Abort(.unprocessableEntity, reason: "请选择具体的事件类别")
        }
        try await req.db.transaction { tx in
            try await HotlineCategory.query(on: tx).filter(\.$source == source.rawValue).filter(\.$text == text).delete()
            let m = HotlineCategory()
            m.source = source.rawValue; m.text = text; m.categoryID = try category.requireID(); m.updatedAt = req.now
            try await m.create(on: tx)
        }
        return req.redirect(to: SiteURL.hotline.path(["notice": "saved"]))
    }

    /// Sends a waiting message at the next run instead of after its back-off.
    @Sendable static func retry(req: Request) async throws -> Response {
        _ = try req.requireSystemAdministrator("只有系统管理员可以管理热线对接")
        guard let m = try await OutboxMessage.find(try req.parameters.require("id", as: UUID.self), on: req.db) else { throw Abort(.notFound) }
        if m.status == .pending { m.nextAttemptAt = req.now; try await m.save(on: req.db) }
        return req.redirect(to: SiteURL.hotline.path(["notice": "saved"]))
    }
}
