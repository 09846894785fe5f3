import Fluent
import Foundation
import GridCore

/// A version of the 百分考核 scheme (GridCore `AssessmentScheme` as JSON). Never edited: a change is a new version.
final class AssessmentSchemeRecord: Model, @unchecked Sendable {
    static let schema = "assessment_schemes"

    @ID(key: .id) var id: UUID?
    @Field(key: "version") var version: Int
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "created_by") var createdBy: String

    init() {}

    var scheme: AssessmentScheme? { try? JSONDecoder().decode(AssessmentScheme.self, from: Data(body.utf8)) }
}

/// 硬件建设: the street's points for a grid's month, with the reason.
final class AssessmentHardware: Model, @unchecked Sendable {
    static let schema = "assessment_hardware"

    @ID(key: .id) var id: UUID?
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "month") var month: String
    @Field(key: "points") var points: Double
    @Field(key: "reason") var reason: String
    @Field(key: "entered_by") var enteredBy: UUID
    @Field(key: "entered_by_name") var enteredByName: String
    @Field(key: "entered_at") var enteredAt: Date

    init() {}
}

/// A grid's month, frozen after the month ended: what the scores were, line by line.
final class AssessmentResult: Model, @unchecked Sendable {
    static let schema = "assessment_results"

    @ID(key: .id) var id: UUID?
    @Field(key: "month") var month: String
    @Field(key: "grid_id") var gridID: Int
    @Field(key: "scheme_version") var schemeVersion: Int
    @Field(key: "total") var total: Double
    @Field(key: "daily") var daily: Double
    @Field(key: "hardware") var hardware: Double
    @Field(key: "work") var work: Double
    @Field(key: "deducted") var deducted: Double
    /// The lines and deductions as shown (JSON).
    @Field(key: "detail") var detail: String
    @Field(key: "frozen_at") var frozenAt: Date
    @Field(key: "frozen_by") var frozenBy: String

    init() {}
}
