import Foundation
import Hummingbird

/// An HTTP error answered as a plain-text sentence a person can act on.
public struct HTTPServiceError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    public static func io(_ what: String, _ path: String, errno code: Int32) -> HTTPServiceError {
        HTTPServiceError(.internalServerError, "\(what) \(path): \(String(cString: strerror(code)))")
    }
}
