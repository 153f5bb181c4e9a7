import Hummingbird

/// Turns Hummingbird's own errors (unknown route, bad request) into plain-text answers like
/// the fake cloud controller's own, instead of JSON.
struct PlainTextErrors<Context: RequestContext>: RouterMiddleware {
    /// Said after "no route for METHOD /path".
    let hint: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .notFound, error.body == nil {
                throw FakeCCError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path): \(hint)")
            }
            throw FakeCCError(error.status, error.body ?? error.status.reasonPhrase)
        }
    }
}
