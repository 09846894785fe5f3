import Vapor

/// Cases from intake to close, their photos, and the command center's settings (categories, calendar,
/// negative list) — web pages and their API.
struct CaseRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.cases, use: CaseController.index)
        routes.get(.caseNew, use: CaseController.newForm)
        routes.on(.POST, .caseNew, body: .collect(maxSize: "50mb"), use: CaseController.create)
        routes.get(.caseDetail(.placeholder), use: CaseController.show)
        routes.on(.POST, .caseAct(.placeholder), body: .collect(maxSize: "50mb"), use: CaseController.act)
        routes.post(.caseSanctions(.placeholder), use: CaseController.sanction)
        routes.post(.caseMerge(.placeholder), use: CaseController.merge)
        routes.post(.casePublication(.placeholder), use: CaseController.publish)
        routes.get(.casePhoto(.placeholder), use: CaseController.photo)

        routes.get(.negativeList, use: AdminCaseController.negativeList)
        routes.get(.categories, use: AdminCaseController.categories)
        routes.get(.category(.placeholder), use: AdminCaseController.editCategory)
        routes.post(.category(.placeholder), use: AdminCaseController.updateCategory)
        routes.get(.calendar, use: AdminCaseController.calendar)
        routes.post(.calendar, use: AdminCaseController.setCalendarDay)

        routes.get(.apiCases, use: CaseAPIController.list)
        routes.post(.apiCases, use: CaseAPIController.create)
        routes.get(.apiCase(.placeholder), use: CaseAPIController.show)
        routes.post(.apiCaseActions(.placeholder), use: CaseAPIController.act)
        routes.get(.apiCaseDuplicates(.placeholder), use: CaseAPIController.duplicates)
        routes.post(.apiCaseMerge(.placeholder), use: CaseAPIController.merge)
        routes.get(.apiCategories, use: CaseAPIController.categories)
        routes.get(.apiCalendar(year: .placeholder), use: CaseAPIController.calendar)
    }
}
