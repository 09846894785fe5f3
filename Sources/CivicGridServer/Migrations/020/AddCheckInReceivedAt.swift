import Fluent
import SQLKit

/// 020: when the server received each patrol check-in, so a check-in synced long after the time it
/// claims, with no position, can be told from one made on the spot (`PatrolEvidence`).
struct AddCheckInReceivedAt: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PatrolCheckIn.schema).field("received_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE patrol_checkins DROP COLUMN received_at").run()
    }
}
