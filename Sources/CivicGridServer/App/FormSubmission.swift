import Vapor

extension Request {
    /// What every page form does: make the change; a refusal the user can mend (by default 422 or 409)
    /// shows the page again with its reason, under that status; otherwise on to `next` (post/redirect/get).
    /// Anything else — 403, 404, a failure — propagates to the error page as usual.
    func submitForm<Page: AsyncResponseEncodable>(
        _ change: () async throws -> Void,
        refusing statuses: Set<HTTPResponseStatus> = [.unprocessableEntity, .conflict],
        showAgain page: (_ reason: String) async throws -> Page,
        then next: String
    ) async throws -> Response {
        do {
            try await change()
        } catch let error as any AbortError where statuses.contains(error.status) {
            return try await page(error.reason).encodeResponse(status: error.status, for: self)
        }
        return redirect(to: next)
    }
}
