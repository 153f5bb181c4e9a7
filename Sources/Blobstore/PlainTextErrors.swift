import Hummingbird

/// Turns Hummingbird's own errors (unknown route, bad request) into plain-text answers like
/// the blobstore's, instead of JSON.
struct PlainTextErrors<Context: RequestContext>: RouterMiddleware {
    /// Said after "no route for METHOD /path".
    let hint: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .notFound, error.body == nil {
                throw BlobstoreError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path): \(hint)")
            }
            throw BlobstoreError(error.status, error.body ?? error.status.reasonPhrase)
        }
    }
}
