import Fluent

extension Migrations {
    /// Every migration, in order. Each block is one release; never reorder, only append.
    func addCivicGridMigrations() {
        // 001: foundation — departments, people, the area tree, roles, sessions and tokens, privacy log.
        add(CreateDepartment())
        add(CreateUser())
        add(CreateArea())
        add(CreateRoleAssignment())
        add(CreateUserToken())
        add(CreateLoginFailure())
        add(CreateAccessLog())
    }
}
