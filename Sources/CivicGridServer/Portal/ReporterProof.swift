import Foundation
import GridCore
import Vapor

/// What a tracking code alone does not give: proof of being the person who reported (or applied).
/// Staff in scope can read a case's code, so rating (which counts in 满意率 and the assessment)
/// and withdrawing need more: the resident's own signed-in account, or the last four digits of
/// the phone number they gave. Tries are limited per code like every lookup.
enum ReporterProof {
    static let prompt = "上报（申请）时所留手机号的后四位"
    static let refused = "手机号后四位不正确，或请登录上报时使用的账号后再操作"

    /// nil when proven; otherwise why not.
    static func check(signedIn: CurrentUser?, reporterID: UUID?, sealedPhone: String?, phoneTail: String?, cipher: PersonalDataCipher) -> String? {
        if let user = signedIn, user.kind == .resident, let reporterID, user.id == reporterID { return nil }
        guard let sealedPhone, let phone = try? cipher.open(sealedPhone), phone.count >= 4 else { return refused }
        let given = (phoneTail ?? "").trimmingCharacters(in: .whitespaces)
        guard given.count == 4, ConstantTime.equal(String(phone.suffix(4)), given) else { return refused }
        return nil
    }

    /// Whether the page should ask for the last four (the signed-in reporter need not).
    static func needsPhoneTail(signedIn: CurrentUser?, reporterID: UUID?) -> Bool {
        !(signedIn?.kind == .resident && signedIn?.id == reporterID && reporterID != nil)
    }
}
