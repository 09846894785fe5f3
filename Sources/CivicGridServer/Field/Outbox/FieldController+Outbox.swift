import Fluent
import GridCore
import Vapor

/// 待同步: what the phone still has to send.
extension FieldController {
    // MARK: 待同步

    @Sendable static func outbox(req: Request) async throws -> View {
        let user = try worker(req)
        return try await req.view.render("field/outbox", ["layout": layout(req, user, title: "待同步", tab: "outbox")])
    }
}
