import Hummingbird

/// Turns Hummingbird's own errors (unknown route, bad request) into plain-text answers like
/// the services' own, instead of JSON.
public struct PlainTextErrors<Context: RequestContext>: RouterMiddleware {
    /// Said after "no route for METHOD /path".
    public let hint: String

    public init(hint: String) { self.hint = hint }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .notFound, error.body == nil {
                throw HTTPServiceError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path): \(hint)")
            }
            throw HTTPServiceError(error.status, error.body ?? error.status.reasonPhrase)
        }
    }
}
