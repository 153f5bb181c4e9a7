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

    /// 507: the server's disk cannot take what was sent.
    public static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    /// A failed file operation. A full disk (or quota) is a 507 whose sentence says so, without
    /// the server's paths; anything else is a 500 naming the path.
    public static func io(_ what: String, _ path: String, errno code: Int32) -> HTTPServiceError {
        if code == ENOSPC || code == EDQUOT { return diskFull(errno: code) }
        return HTTPServiceError(.internalServerError, "\(what) \(path): \(String(cString: strerror(code)))")
    }

    /// "No space left on device while storing the upload on the server's disk; nothing was stored".
    public static func diskFull(errno code: Int32) -> HTTPServiceError {
        HTTPServiceError(insufficientStorage, "\(String(cString: strerror(code))) while storing the upload on the server's disk; "
            + "nothing was stored (free space on that disk and try again)")
    }
}
