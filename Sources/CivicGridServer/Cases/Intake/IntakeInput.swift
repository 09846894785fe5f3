import Foundation
import GridCore
import Vapor

/// Where every channel's body becomes the one `CaseService.ReportInput`: one function per channel, each
/// without the database (the handler looks up the category and the building first), so `IntakeInputTests`
/// pins what each channel fills in — channel, title, approval, reporter, position — side by side.
extension CaseService.ReportInput {
    /// `POST /api/v1/cases`: the caller names the channel; a grid worker's report waits for approval unless told.
    static func api(_ body: CaseAPIController.ReportBody) throws -> Self {
        guard let channel = CaseChannel(rawValue: body.channel) else { throw Abort(.unprocessableEntity, reason: "未知的来源渠道 \(body.channel)") }
        guard let datum = Datum(rawValue: body.datum ?? "wgs84") else { throw Abort(.unprocessableEntity, reason: "datum 应为 wgs84 或 gcj02") }
        return .init(
            categoryID: body.categoryID, title: body.title, description: body.description ?? "", channel: channel, urgency: body.urgency ?? .normal,
            gridID: body.gridID, latitude: body.latitude, longitude: body.longitude, address: body.address, reporterName: body.reporterName,
            reporterPhone: body.reporterPhone, externalRef: body.externalRef, onSiteNote: body.onSiteNote,
            needsApproval: body.needsApproval ?? (channel == .gridWorker), datum: datum)
    }

    /// The command center's desk form (`/cases/new`): the channel as chosen (an operator's pick, else 网格员).
    static func desk(_ form: CaseController.ReportForm, categoryID: UUID, channel: CaseChannel) throws -> Self {
        let onSite = form.mode == "onsite"
        if onSite, (form.onSiteNote ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw Abort(.unprocessableEntity, reason: "现场处置请填写处置情况")
        }
        return .init(
            categoryID: categoryID, title: form.title, description: form.description, channel: channel,
            urgency: form.urgency.flatMap(Urgency.init(rawValue:)) ?? .normal, gridID: form.grid.flatMap { Int($0) },
            latitude: try CaseController.number(form.latitude, "纬度"), longitude: try CaseController.number(form.longitude, "经度"),
            address: form.address, reporterName: form.reporterName, reporterPhone: form.reporterPhone, externalRef: form.externalRef,
            onSiteNote: onSite ? form.onSiteNote : nil, needsApproval: channel == .gridWorker,
            buildingID: form.building.flatMap(UUID.init(uuidString:)))
    }

    /// The grid worker's phone (`/m/report`): always 网格员, always through the grid leader, the phone's key kept
    /// so a report synced twice makes one case; a title from the category and the words when none is typed.
    static func phone(_ form: FieldController.ReportForm, categoryID: UUID, categoryName: String, clientKey: String?) throws -> Self {
        let description = form.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count >= 2 else { throw Abort(.unprocessableEntity, reason: "请简要描述问题（至少 2 个字）") }
        let onSite = form.mode == "onsite"
        if onSite, (form.onSiteNote ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw Abort(.unprocessableEntity, reason: "现场处置请填写处置情况")
        }
        let title = (form.title ?? "").trimmingCharacters(in: .whitespaces).nilIfEmpty
            ?? FieldController.title(category: categoryName, description: description)
        var input = Self(
            categoryID: categoryID, title: title, description: description, channel: .gridWorker,
            gridID: form.grid.flatMap { Int($0) }, latitude: try CaseController.number(form.latitude, "纬度"),
            longitude: try CaseController.number(form.longitude, "经度"), address: form.address,
            onSiteNote: onSite ? form.onSiteNote : nil, needsApproval: true, buildingID: form.building.flatMap(UUID.init(uuidString:)))
        input.clientKey = clientKey
        return input
    }

    /// The resident portal (`/r/report`, the building QR page): 居民; the building gives grid, position and
    /// address when the resident gave none; an anonymous resident is 匿名居民.
    static func portal(_ form: PortalController.ReportForm, categoryID: UUID, categoryName: String, building: Building?,
                       signedIn: Bool) throws -> Self {
        let description = form.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...1000).contains(description.count) else { throw Abort(.unprocessableEntity, reason: "请描述问题（5–1000 字）") }
        return .init(
            categoryID: categoryID, title: FieldController.title(category: categoryName, description: description), description: description,
            channel: .resident, gridID: building.map { $0.$grid.id } ?? form.grid.flatMap { Int($0) },
            latitude: try CaseController.number(form.latitude, "纬度") ?? building?.latitude,
            longitude: try CaseController.number(form.longitude, "经度") ?? building?.longitude,
            address: form.address.flatMap(nonEmpty) ?? building.map { "\($0.address) \($0.name)" },
            reporterName: form.name.flatMap(nonEmpty) ?? (signedIn ? nil : "匿名居民"), reporterPhone: form.phone,
            buildingID: building?.id)
    }

    /// Open311 `POST requests`: located by position only, the key's name when the requester gives none,
    /// households affected appended to the words; errors in Open311's own shape.
    static func open311(_ form: Open311Controller.PostForm, category: CaseCategory, households: String?, keyName: String) throws -> Self {
        guard let latText = form.lat, let lonText = form.long, let lat = Double(latText), let lon = Double(lonText) else {
            throw Open311Error(status: 400, description: "lat and long are required: requests are located to a grid by position")
        }
        let description = (form.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count <= 2000 else { throw Open311Error(status: 400, description: "description is longer than 2000 characters") }
        var text = description
        if let households, !households.isEmpty {
            guard let n = Int(households), n >= 0 else { throw Open311Error(status: 400, description: "attribute[households_affected] must be a whole number") }
            text += "（受影响约 \(n) 户）"
        }
        let name = [form.last_name, form.first_name].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.joined()
        let title = description.isEmpty ? category.name : String(description.prefix(30))
        return .init(
            categoryID: try category.requireID(), title: title.count < 2 ? category.name : title, description: text, channel: .open311,
            latitude: lat, longitude: lon, address: form.address_string, reporterName: name.isEmpty ? keyName : name, reporterPhone: form.phone)
    }

    /// A hotline order (12345 / 市长热线 / 96361): its own channel, the order number kept as the external reference.
    static func hotline(_ order: HotlineOrder, categoryID: UUID, gridID: Int?, latitude: Double?, longitude: Double?) -> Self {
        .init(
            categoryID: categoryID, title: order.title, description: order.content, channel: order.source.channel,
            gridID: gridID, latitude: latitude, longitude: longitude, address: order.address,
            reporterName: order.caller, reporterPhone: order.phone, externalRef: order.orderNo)
    }
}
