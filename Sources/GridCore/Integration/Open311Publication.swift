/// What the public Open311 listing (`GET /open311/v2/requests`) may say about a case. Only
/// categories an administrator marks public are listed — by default the city's components,
/// environment and appearance (市政设施, 环境卫生, 市容秩序), never people's affairs (disputes,
/// relief, special groups, public security). A resident's words (and address) are published only
/// once an operator has written the public text; staff reports keep theirs. Positions are rounded
/// to about 50 metres.
public enum Open311Publication {
    /// Groups whose categories are public in a new installation.
    public static let defaultPublicGroups: Set<String> = ["SZ", "HJ", "SR"]

    /// Reports written by residents (directly or through a hotline), whose text may name people.
    public static func isResidentReport(_ channel: Channel) -> Bool {
        switch channel {
        case .gridWorker, .videoPatrol, .upperLevel, .fourPlatforms: false
        case .resident, .hotline12345, .mayorHotline, .serviceHotline96361, .wechatGroup, .onlinePetition, .open311: true
        }
    }

    /// Degrees per step: 0.0005° is 55 m of latitude and 49 m of longitude at Zhuzhou's 27.8° N.
    public static let coordinateStep = 0.0005

    public static func rounded(_ degrees: Double) -> Double {
        ((degrees / coordinateStep).rounded() * coordinateStep * 1e6).rounded() / 1e6
    }

    public struct Published: Equatable, Sendable {
        public let description: String
        public let address: String?
        public init(description: String, address: String?) { self.description = description; self.address = address }
    }

    /// The description and address to publish.
    public static func text(channel: Channel, title: String, description: String, address: String?, moderated: String?,
                            categoryName: String) -> Published {
        if let moderated = moderated?.trimmedSpaces, !moderated.isEmpty { return Published(description: moderated, address: address) }
        if isResidentReport(channel) { return Published(description: categoryName, address: nil) }
        return Published(description: once(title: title, description: description), address: address)
    }

    /// Title and description with nothing said twice: the phone's and the portal's titles are the category and the
    /// description's first words ("井盖破损：路口东侧…"), so the description is not appended to its own beginning.
    public static func once(title: String, description: String) -> String {
        let t = title.trimmedSpaces, d = description.trimmedSpaces
        guard !d.isEmpty, d != t else { return t }
        if t.contains(d) { return t }
        let stem = t.hasSuffix("…") ? String(t.dropLast()) : t.hasSuffix("...") ? String(t.dropLast(3)) : t
        if d.hasPrefix(stem) { return d }
        if let colon = stem.firstIndex(of: "："), d.hasPrefix(stem[stem.index(after: colon)...]) {
            return String(stem[...colon]) + d
        }
        return t + "：" + d
    }
}
