import Vapor

/// Statistics, the monthly 100-point assessment, 督办通报 and the wall dashboard.
struct AssessmentRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.stats, use: StatsController.index)
        routes.get(.statsExport, use: StatsController.export)
        routes.get(.assessment, use: AssessmentController.index)
        routes.post(.assessmentFreeze, use: AssessmentController.freeze)
        routes.get(.assessmentExport, use: AssessmentController.export)
        routes.get(.assessmentGrid(.placeholder), use: AssessmentController.grid)
        routes.post(.assessmentHardware(.placeholder), use: AssessmentController.hardware)
        routes.get(.assessmentEvidence(.placeholder), use: AssessmentController.evidence)
        routes.get(.assessmentScheme, use: AssessmentController.scheme)
        routes.post(.assessmentScheme, use: AssessmentController.saveScheme)
        routes.get(.assessmentDepartments, use: AssessmentController.departments)
        routes.get(.assessmentNotice, use: NoticeController.show)
        routes.get(.dashboard, use: DashboardController.index)
        routes.get(.dashboardBoard, use: DashboardController.fragment)
    }
}
