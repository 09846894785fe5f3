/// Why a change to the area tree was refused. Messages are shown to administrators as they are.
public enum AreaRuleViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLevelScheme(String)
    case nameRequired
    case nameTooLong(max: Int)
    case invalidCode(String, String)
    case duplicateCode(String)
    case codeSequenceExhausted(parentCode: String, width: Int)
    case levelNotInScheme(AreaLevel)
    case wrongLevelUnderParent(child: AreaLevel, parent: AreaLevel?, expected: AreaLevel?)
    case rootMustBeTopLevel(expected: AreaLevel)
    case moveIntoOwnSubtree
    case moveRoot
    case hasChildren(count: Int)
    case hasStaff(count: Int)

    public var description: String {
        switch self {
        case .invalidLevelScheme(let why): "层级配置无效：\(why)"
        case .nameRequired: "名称不能为空"
        case .nameTooLong(let max): "名称不能超过 \(max) 个字"
        case .invalidCode(let code, let why): "编码 \(code) 无效：\(why)"
        case .duplicateCode(let code): "编码 \(code) 已被使用"
        case .codeSequenceExhausted(let parent, let width): "上级 \(parent) 下的 \(width) 位序号已用完"
        case .levelNotInScheme(let level): "本系统未启用“\(level.defaultName)”层级"
        case .wrongLevelUnderParent(let child, let parent, let expected):
            if let parent, let expected {
                "“\(parent.defaultName)”下只能建“\(expected.defaultName)”，不能建“\(child.defaultName)”"
            } else {
                "“\(parent?.defaultName ?? "?")”是最末一级，下面不能再建区域"
            }
        case .rootMustBeTopLevel(let expected): "没有上级的区域必须是“\(expected.defaultName)”"
        case .moveIntoOwnSubtree: "不能移动到自身或自己的下级区域之下"
        case .moveRoot: "顶级区域不能移动"
        case .hasChildren(let count): "该区域下还有 \(count) 个下级区域，请先移走或删除"
        case .hasStaff(let count): "该区域还有 \(count) 个人员岗位，请先调整"
        }
    }
}

/// The invariants of the area tree, checked before anything is written.
public enum AreaRules {
    public static let maxNameLength = 60

    /// Normalizes and checks a name: trimmed, not empty, not too long.
    public static func validName(_ raw: String) throws(AreaRuleViolation) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .nameRequired }
        guard name.count <= maxNameLength else { throw .nameTooLong(max: maxNameLength) }
        return name
    }

    /// A new area at `level` may hang below a parent at `parentLevel` (nil: it is a root).
    public static func checkPlacement(level: AreaLevel, parentLevel: AreaLevel?, scheme: LevelScheme) throws(AreaRuleViolation) {
        guard scheme.contains(level) else { throw .levelNotInScheme(level) }
        guard let parentLevel else {
            guard level == scheme.root else { throw .rootMustBeTopLevel(expected: scheme.root) }
            return
        }
        let expected = scheme.childLevel(of: parentLevel)
        guard expected == level else { throw .wrongLevelUnderParent(child: level, parent: parentLevel, expected: expected) }
    }

    /// Moving the subtree at `path` (level `level`) below `newParent`: no cycles, root stays, levels fit.
    public static func checkMove(path: AreaPath, level: AreaLevel, newParentPath: AreaPath, newParentLevel: AreaLevel,
                                 scheme: LevelScheme) throws(AreaRuleViolation) {
        guard path.depth > 1 else { throw .moveRoot }
        guard !path.contains(newParentPath) else { throw .moveIntoOwnSubtree }
        try checkPlacement(level: level, parentLevel: newParentLevel, scheme: scheme)
    }

    /// An area can be deleted only when nothing hangs on it.
    public static func checkDelete(childCount: Int, staffCount: Int) throws(AreaRuleViolation) {
        guard childCount == 0 else { throw .hasChildren(count: childCount) }
        guard staffCount == 0 else { throw .hasStaff(count: staffCount) }
    }

    /// The code every area of a moved subtree gets: the old subtree root's code prefix replaced by the new one.
    public static func recode(_ code: String, oldRootCode: String, newRootCode: String) -> String {
        guard code.hasPrefix(oldRootCode) else { return code }
        return newRootCode + code.dropFirst(oldRootCode.count)
    }
}

import Foundation
