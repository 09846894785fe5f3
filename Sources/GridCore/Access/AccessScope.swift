/// Everything a signed-in user may see: the subtrees of the areas they hold roles on, the
/// departments they work in, and whether they administer the whole system.
/// Queries turn `areaPaths` into `path LIKE prefix%` conditions in SQL; nothing is filtered after loading.
public struct AccessScope: Sendable, Equatable {
    public let areaPaths: [AreaPath]
    public let departmentIDs: Set<String>
    public let roles: Set<Role>

    public init(areaPaths: [AreaPath], departmentIDs: Set<String> = [], roles: Set<Role> = []) {
        self.areaPaths = AccessScope.minimal(areaPaths)
        self.departmentIDs = departmentIDs
        self.roles = roles
    }

    public static let nothing = AccessScope(areaPaths: [])

    /// True if the area at `path` lies inside the scope.
    public func covers(_ path: AreaPath) -> Bool { areaPaths.contains { $0.contains(path) } }

    public var isEmpty: Bool { areaPaths.isEmpty && departmentIDs.isEmpty }

    /// An administrator on a root administers the system.
    public var isSystemAdministrator: Bool { roles.contains(.administrator) && areaPaths.contains { $0.depth == 1 } }

    /// May change areas, staff and departments below `path`.
    public func canAdminister(_ path: AreaPath) -> Bool { roles.contains(.administrator) && covers(path) }

    /// Drops paths already covered by another path, so SQL gets the fewest conditions.
    static func minimal(_ paths: [AreaPath]) -> [AreaPath] {
        let sorted = Set(paths).sorted { $0.depth < $1.depth || ($0.depth == $1.depth && $0 < $1) }
        var kept: [AreaPath] = []
        for path in sorted where !kept.contains(where: { $0.contains(path) }) { kept.append(path) }
        return kept.sorted()
    }
}
