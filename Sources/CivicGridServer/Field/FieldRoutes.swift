import Vapor

/// The grid worker's phone app (`/m`): home, report, visits, patrol, my grid and its notice board, outbox.
/// Its services and tasks screens register with their features (AgentServices/, Tasks/).
struct FieldRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.field, use: FieldController.home)
        routes.get(.fieldReport, use: FieldController.reportForm)
        routes.on(.POST, .fieldReport, body: .collect(maxSize: "50mb"), use: FieldController.report)
        routes.get(.fieldVisits, use: FieldController.visits)
        routes.get(.fieldVisitNew, use: FieldController.visitForm)
        routes.on(.POST, .fieldVisits, body: .collect(maxSize: "50mb"), use: FieldController.recordVisit)
        routes.get(.fieldPatrol, use: FieldController.patrol)
        routes.post(.fieldPatrol, use: FieldController.checkIn)
        routes.get(.fieldChecklist, use: FieldController.checklist)
        routes.post(.fieldChecklist, use: FieldController.addChecklistItem)
        routes.post(.fieldChecklistRetire(.placeholder), use: FieldController.retireChecklistItem)
        routes.get(.fieldGrid, use: FieldController.grid)
        routes.post(.fieldNotices, use: FieldController.postNotice)
        routes.post(.fieldNoticeWithdraw(.placeholder), use: FieldController.withdrawNotice)
        routes.on(.POST, .fieldProfile, body: .collect(maxSize: "10mb"), use: FieldController.profile)
        routes.get(.fieldOutbox, use: FieldController.outbox)
    }
}
