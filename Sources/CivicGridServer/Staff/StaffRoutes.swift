import Vapor

/// Sign-in and registration, staff accounts and roles, departments — web pages and their API.
struct StaffRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.login, use: AuthController.loginPage)
        routes.post(.login, use: AuthController.login)
        routes.post(.logout, use: AuthController.logout)
        routes.get(.register, use: AuthController.registerPage)
        routes.post(.register, use: AuthController.register)
        routes.post(.registerConfirm, use: AuthController.confirmRegistration)

        routes.get(.staff, use: StaffController.index)
        routes.get(.staffNew, use: StaffController.newForm)
        routes.post(.staffNew, use: StaffController.create)
        routes.get(.staffMember(.placeholder), use: StaffController.show)
        routes.post(.staffRoles(.placeholder), use: StaffController.addRole)
        routes.post(.staffRoleDelete(.placeholder, role: .placeholder), use: StaffController.removeRole)
        routes.post(.staffActive(.placeholder), use: StaffController.setActive)
        routes.post(.staffRevealPhone(.placeholder), use: StaffController.revealPhone)
        routes.post(.staffPassword(.placeholder), use: StaffController.resetPassword)

        routes.get(.departments, use: DepartmentController.index)
        routes.post(.departments, use: DepartmentController.create)
        routes.get(.departmentEdit(.placeholder), use: DepartmentController.edit)
        routes.post(.departmentEdit(.placeholder), use: DepartmentController.update)

        routes.post(.apiToken, use: AuthController.issueToken)
        routes.delete(.apiToken, use: AuthController.revokeToken)
        routes.get(.apiMe, use: AuthController.me)
        routes.get(.apiUsers, use: StaffController.apiList)
        routes.post(.apiUsers, use: StaffController.apiCreate)
        routes.get(.apiUser(.placeholder), use: StaffController.apiShow)
        routes.post(.apiUserRoles(.placeholder), use: StaffController.apiAddRole)
        routes.delete(.apiUserRole(.placeholder, role: .placeholder), use: StaffController.apiRemoveRole)
        routes.get(.apiDepartments, use: DepartmentController.apiList)
        routes.post(.apiDepartments, use: DepartmentController.apiCreate)
    }
}
