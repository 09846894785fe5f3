import Foundation
import GridCore
import Vapor

/// What the composition root sets up once and every handler reads.
struct AppState: Sendable {
    let config: AppConfig
    let cipher: PersonalDataCipher
    var clock: any GridClock { config.clock }
    var levels: LevelScheme { config.levelScheme }
    /// Where case photos are stored (absolute, ends with "/").
    let uploadDirectory: String
    /// Point → grid, shared by every request; rebuilt when grid boundaries change.
    let gridLocator = GridLocator()
    /// New, changed and overdue cases, to every connected browser (`GET /events`).
    let caseEvents = CaseEventHub()
}

extension Application {
    private struct AppStateKey: StorageKey { typealias Value = AppState }

    var state: AppState {
        get {
            guard let state = storage[AppStateKey.self] else { fatalError("configure(_:) has not run") }
            return state
        }
        set { storage[AppStateKey.self] = newValue }
    }
}

extension Request {
    var state: AppState { application.state }
    var now: Date { application.state.clock.now() }
}
