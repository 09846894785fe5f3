import Fluent
import GridCore
import Vapor

/// 我的网格: the grid card, the notices the worker posts for residents, the worker's public profile.
extension FieldController {
    // MARK: 我的网格

    struct GridPage: Encodable {
        let layout: Layout
        let grids: [GridCard]
        let workPhone: String
        let hasPhoto: Bool
        let photo: String
    }

    struct GridCard: Encodable {
        let id: Int
        let name: String
        let community: String
        let figures: [Figure]
        let notices: [NoticeRow]
        let publicPage: String
        let qrSheet: String
    }

    struct NoticeRow: Encodable { let id: String; let title: String; let body: String; let at: String; let author: String }

    @Sendable static func grid(req: Request) async throws -> View {
        let user = try worker(req)
        let grids = try await myGrids(user, req: req)
        var cards: [GridCard] = []
        for g in grids.prefix(6) {
            let id = g.id!
            let parent = try await g.$parent.get(on: req.db)
            let special = try await SpecialGroupMember.query(on: req.db).filter(\.$gridID == id).filter(\.$active == true).count()
            let open = try await Case.query(on: req.db).filter(\.$grid.$id == id).filter(\.$status !~ [.closed, .rejected]).count()
            let notices = try await FieldService.liveNotices(grids: [id], limit: 5, on: req.db)
            cards.append(GridCard(
                id: id, name: g.name, community: parent?.name ?? "",
                figures: [
                    Figure(label: "楼栋", value: "\(try await Building.query(on: req.db).filter(\.$grid.$id == id).count())", warn: false),
                    Figure(label: "户", value: "\(try await Household.query(on: req.db).filter(\.$gridID == id).count())", warn: false),
                    Figure(label: "人口", value: "\(try await Person.query(on: req.db).filter(\.$gridID == id).count())", warn: false),
                    Figure(label: "特殊人群", value: "\(special)", warn: false),
                    Figure(label: "办理中事件", value: "\(open)", warn: open > 0),
                ],
                notices: notices.map { NoticeRow(id: $0.id!.uuidString, title: $0.title, body: $0.body, at: Formatting.dateTime($0.createdAt), author: $0.authorName) },
                publicPage: SiteURL.portalGrid(id).path, qrSheet: SiteURL.registryGridQR(id).path))
        }
        let me = try await User.find(user.id, on: req.db)
        return try await req.view.render("field/grid", GridPage(
            layout: layout(req, user, title: "我的网格", tab: "grid"), grids: cards,
            workPhone: me?.workPhone ?? "", hasPhoto: me?.photoPath != nil, photo: SiteURL.portalStaffPhoto(user.id).path))
    }

    struct NoticeForm: Content { var grid: String; var title: String; var body: String }

    @Sendable static func postNotice(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(NoticeForm.self)
        guard let gridID = Int(form.grid) else { throw Abort(.unprocessableEntity, reason: "请选择网格") }
        _ = try await req.fieldWork.postNotice(gridID: gridID, title: form.title, body: form.body, by: user)
        return req.redirect(to: SiteURL.fieldGrid.path(["notice": "created"]))
    }

    @Sendable static func withdrawNotice(req: Request) async throws -> Response {
        let user = try worker(req)
        _ = try await req.fieldWork.withdrawNotice(try req.parameters.require("id", as: UUID.self), by: user)
        return req.redirect(to: SiteURL.fieldGrid.path(["notice": "saved"]))
    }

    struct ProfileForm: Content { var workPhone: String?; var photo: File? }

    /// The worker's public card: duty phone and photo shown on the QR pages.
    @Sendable static func profile(req: Request) async throws -> Response {
        let user = try worker(req)
        let form = try req.content.decode(ProfileForm.self)
        guard let me = try await User.find(user.id, on: req.db) else { throw Abort(.notFound) }
        if let raw = form.workPhone?.trimmingCharacters(in: .whitespaces) {
            if raw.isEmpty { me.workPhone = nil } else {
                let digits = raw.filter { $0.isNumber || $0 == "-" }
                guard digits.count == raw.count, (7...20).contains(digits.count) else {
                    throw Abort(.unprocessableEntity, reason: "工作电话应为 7–20 位数字（可含 -）")
                }
                me.workPhone = digits
            }
        }
        if let photo = form.photo, photo.data.readableBytes > 0 {
            let stored = try await CaseController.storePhotos([photo], req: req)
            me.photoPath = stored.first?.relativePath
            me.photoType = stored.first?.contentType
        }
        try await me.save(on: req.db)
        return req.redirect(to: SiteURL.fieldGrid.path(["notice": "saved"]))
    }
}
