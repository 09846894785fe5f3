import Fluent
import Foundation
import GridCore

/// One record sent from a phone with its client-generated key (离线补传): claimed before the
/// record is written, in the same transaction, so a record sent twice is kept once.
final class ClientReceipt: Model, @unchecked Sendable {
    static let schema = "client_receipts"

    enum Kind: String, Codable { case report, visit, patrol }

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "client_key") var clientKey: String
    @Field(key: "kind") var kind: Kind
    @OptionalField(key: "target_id") var targetID: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// 巡查打卡: a grid worker was on patrol in their grid at this time and place.
final class PatrolCheckIn: Model, @unchecked Sendable {
    static let schema = "patrol_checkins"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "user_id") var userID: UUID
    @Field(key: "user_name") var userName: String
    @Field(key: "at") var at: Date
    /// The Beijing-time day, for "today's patrol" and monthly counts.
    @Field(key: "day") var day: String
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    /// Whether the position fell inside the grid (nil: no position given).
    @OptionalField(key: "inside_grid") var insideGrid: Bool?
    @Field(key: "note") var note: String
    /// When the server received it (migration 020; nil for older rows).
    @OptionalField(key: "received_at") var receivedAt: Date?

    /// Synced late without a position (`PatrolEvidence`): shown marked, not counted by the assessment.
    var isUnverified: Bool { PatrolEvidence.isUnverified(at: at, receivedAt: receivedAt, hasPosition: latitude != nil && longitude != nil) }

    init() {}
}

/// A photo taken on a visit (走访留痕).
final class VisitPhoto: Model, @unchecked Sendable {
    static let schema = "visit_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "visit_id") var visitID: UUID
    @Field(key: "stored_path") var storedPath: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// 网格公告: posted by the grid's worker or leader to the residents (resident portal, QR page).
final class GridNotice: Model, @unchecked Sendable {
    static let schema = "grid_notices"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "author_name") var authorName: String
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?

    init() {}
}
