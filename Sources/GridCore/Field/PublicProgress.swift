import Foundation

/// What a resident sees of a case (查询进度): the status in plain words, four steps, and the
/// public part of the timeline — no staff names, no internal urging or inquiries, no other people's data.
public enum PublicProgress {
    public enum Step: Int, CaseIterable, Sendable {
        case received = 1, accepted, handling, done
        public var displayName: String {
            switch self { case .received: "已收到"; case .accepted: "已受理"; case .handling: "处理中"; case .done: "已办结" }
        }
    }

    /// How far along the case is (a rejected case is done: the answer is given).
    public static func step(_ status: CaseStatus) -> Step {
        switch status {
        case .awaitingApproval, .reported: .received
        case .accepted: .accepted
        case .dispatched, .inProgress, .replied, .suspended: .handling
        case .closed, .rejected, .withdrawn, .voided: .done
        }
    }

    /// The status as a sentence a resident understands.
    public static func sentence(_ status: CaseStatus, merged: Bool = false) -> String {
        if merged { return "已与同一问题的其他报告合并办理，进度以合并后的事件为准" }
        switch status {
        case .awaitingApproval: return "已收到，网格长正在审核"
        case .reported: return "已收到，等待指挥中心受理（24 小时内）"
        case .accepted: return "已受理，正在安排处理"
        case .dispatched: return "已转交职能部门，等待部门签收"
        case .inProgress: return "正在处理"
        case .replied: return "已处理完毕，正在核实结果"
        case .closed: return "已办结，欢迎评价"
        case .rejected: return "不予受理（原因见下方记录）"
        case .suspended: return "暂缓办理（原因和恢复办理日期见下方记录）"
        case .withdrawn: return "已撤件，不再办理"
        case .voided: return "该记录为误录，已作废"
        }
    }

    /// One timeline entry as the resident reads it, or nil for internal steps. `unit` is the
    /// acting body (a department or command-center name), never a person.
    public static func line(action: ActionKind, to status: CaseStatus, comment: String, unit: String?) -> String? {
        let note = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        let said = note.isEmpty ? "" : "：" + note
        switch action {
        case .report: return "问题已提交"
        case .approveEscalation: return status == .reported ? "网格长审核通过，已上报指挥中心" : nil
        case .resolveOnSite: return "网格员已现场处置" + said
        case .accept: return "已受理" + (unit.map { "（\($0)）" } ?? "")
        case .reject: return "不予受理" + said
        case .handleLocally: return "由\(unit ?? "指挥中心")直接办理"
        case .escalate: return "已上报上级指挥中心协调办理"
        case .dispatch: return "已交由职能部门办理"
        case .explain: return "已答复说明" + said
        case .acknowledge: return "\(unit ?? "承办部门")已签收"
        case .markOnSite: return "工作人员已到达现场"
        case .reply: return "处理结果" + said
        case .verify: return status == .closed ? "处理结果已核实，事件办结" : "核实未通过，继续办理"
        case .reopen: return "重新办理"
        case .rate: return "评价" + said
        case .decideSuspension: return status == .suspended ? "暂缓办理" : nil
        case .resume: return "恢复办理"
        case .decideExtension: return comment.hasPrefix("同意") ? "办理时限已延长" : nil
        case .withdraw: return "已撤件" + said
        case .decideVoid: return status == .voided ? "记录已作废" : nil
        case .callback: return "已回访"
        case .returnCase, .urge, .supervise, .fileInquiry, .answerInquiry, .requestExtension, .suspend, .reviewReturn, .void, .recategorize: return nil
        }
    }
}
