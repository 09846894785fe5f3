import Vapor

/// Stops taking requests before anything they use goes away. Vapor shuts the HTTP server down with
/// the application's storage — after the lifecycle handlers, Fluent's among them, which closes the
/// databases — so a request that arrived during shutdown could reach a database already gone: a crash
/// (`Request.db` unwraps the database), seen at the end of a benchmark run. Registered after every other lifecycle handler,
/// this one runs first on shutdown: the server stops accepting and finishes the requests in flight
/// (up to its shutdown timeout); then the periodic work, the event listener and the databases stop.
struct StopServingFirst: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.server.shutdown()
    }
}
