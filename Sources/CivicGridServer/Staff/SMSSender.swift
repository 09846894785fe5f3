import Foundation
import GridCore
import Logging

/// Sends a text message (registration codes). Production plugs in the operator's SMS gateway;
/// the demo and `serve` without one use `LogSMSSender`, tests a recorder.
protocol SMSSender: Sendable {
    func send(to phone: String, text: String) async throws
}

/// Writes the message to the server log (the demo: read the code there). The number is masked.
struct LogSMSSender: SMSSender {
    let logger = Logger(label: "civicgrid.sms")
    func send(to phone: String, text: String) async throws {
        logger.notice("短信 → \(PhoneNumber.mask(phone))：\(text)")
    }
}

/// Keeps what was sent (tests, and a look at what a resident would receive).
final class RecordingSMSSender: SMSSender, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [(phone: String, text: String)] = []
    func send(to phone: String, text: String) async throws {
        lock.withLock { messages.append((phone, text)) }
    }
    var sent: [(phone: String, text: String)] { lock.withLock { messages } }
}
