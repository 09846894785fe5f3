import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Rows written so far by background imports, for the progress bar.
final class ImportProgressBoard: Sendable {
    private let state = NIOLockedValueBox<[UUID: Int]>([:])
    func set(_ id: UUID, done: Int) { state.withLockedValue { $0[id] = done } }
    func done(_ id: UUID) -> Int { state.withLockedValue { $0[id] ?? 0 } }
    func clear(_ id: UUID) { state.withLockedValue { _ = $0.removeValue(forKey: id) } }
}

extension Application {
    private struct ImportProgressKey: StorageKey { typealias Value = ImportProgressBoard }
    var importProgress: ImportProgressBoard {
        if let board = storage[ImportProgressKey.self] { return board }
        let board = ImportProgressBoard()
        storage[ImportProgressKey.self] = board
        return board
    }
}
