/// A level of the area tree (网格层级). Stored as its raw string in both databases.
public enum AreaLevel: String, CaseIterable, Codable, Sendable, Comparable {
    case city, district, street, community, grid, microGrid

    /// The name users know, used unless a `LevelScheme` renames it.
    public var defaultName: String {
        switch self {
        case .city: "市"
        case .district: "区(县)"
        case .street: "街道(镇)"
        case .community: "社区(村)"
        case .grid: "网格"
        case .microGrid: "微网格"
        }
    }

    /// Digits a code at this level adds to its parent's code. City and district follow the
    /// administrative division code (GB/T 2260: 4302 株洲市 → 430204 石峰区); every level below
    /// adds a fixed-width sequence, in the spirit of CJ/T 349 grid coding.
    public var codeWidth: Int {
        switch self {
        case .city: 4
        case .district: 2
        case .street, .community, .grid: 3
        case .microGrid: 2
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: AreaLevel, rhs: AreaLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Which levels a deployment uses, top-down, and what it calls them. Liling uses four grid levels
/// below the city, a pilot street just community → grid; finer 微网格 are optional.
public struct LevelScheme: Sendable, Equatable {
    public let levels: [AreaLevel]
    private let names: [AreaLevel: String]

    public init(levels: [AreaLevel], names: [AreaLevel: String] = [:]) throws(AreaRuleViolation) {
        guard !levels.isEmpty else { throw .invalidLevelScheme("层级不能为空") }
        guard levels == levels.sorted(), Set(levels).count == levels.count else {
            throw .invalidLevelScheme("层级必须自上而下且不重复")
        }
        self.levels = levels
        self.names = names
    }

    /// 市 / 区(县) / 街道(镇) / 社区(村) / 网格.
    public static let standard = try! LevelScheme(levels: [.city, .district, .street, .community, .grid])
    /// The standard scheme with 微网格 below each grid.
    public static let withMicroGrids = try! LevelScheme(levels: [.city, .district, .street, .community, .grid, .microGrid])

    /// Parses `CIVICGRID_LEVELS`-style text such as `district,street,community,grid` or
    /// `district,street=镇街,community,grid`.
    public static func parse(_ text: String) throws(AreaRuleViolation) -> LevelScheme {
        var levels: [AreaLevel] = []
        var names: [AreaLevel: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let level = AreaLevel(rawValue: parts[0]) else {
                throw .invalidLevelScheme("未知层级: \(parts[0])")
            }
            levels.append(level)
            if parts.count == 2, !parts[1].isEmpty { names[level] = parts[1] }
        }
        return try LevelScheme(levels: levels, names: names)
    }

    public func name(of level: AreaLevel) -> String { names[level] ?? level.defaultName }
    public var root: AreaLevel { levels[0] }
    public func contains(_ level: AreaLevel) -> Bool { levels.contains(level) }

    public func childLevel(of level: AreaLevel) -> AreaLevel? {
        guard let i = levels.firstIndex(of: level), i + 1 < levels.count else { return nil }
        return levels[i + 1]
    }

    public func parentLevel(of level: AreaLevel) -> AreaLevel? {
        guard let i = levels.firstIndex(of: level), i > 0 else { return nil }
        return levels[i - 1]
    }
}

import Foundation
