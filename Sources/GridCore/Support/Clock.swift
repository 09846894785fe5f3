import Foundation

/// The one source of "now". Production uses the system clock; tests move a `FixedClock`.
public protocol GridClock: Sendable {
    func now() -> Date
}

public struct SystemClock: GridClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until a test moves it.
public final class FixedClock: GridClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ date: Date) { current = date }

    public func now() -> Date { lock.withLock { current } }
    public func set(_ date: Date) { lock.withLock { current = date } }
    public func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}
