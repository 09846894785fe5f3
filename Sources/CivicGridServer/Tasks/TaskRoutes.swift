import Vapor

/// Tasks handed down to grids (the command center's pages) and their checklist on the phone.
struct TaskRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.tasks, use: TaskController.index)
        routes.post(.tasks, use: TaskController.create)
        routes.get(.task(.placeholder), use: TaskController.show)
        routes.get(.taskProgress(.placeholder), use: TaskController.progress)
        routes.get(.fieldTasks, use: TaskController.phone)
        routes.post(.fieldTaskItems(.placeholder), use: TaskController.mark)
    }
}
