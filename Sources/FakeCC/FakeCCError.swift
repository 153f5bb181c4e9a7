import Foundation
import Hummingbird

/// An HTTP error answered as a plain-text sentence a person can act on.
struct FakeCCError: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { "\(status.code) \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    static func io(_ what: String, _ path: String, errno code: Int32) -> FakeCCError {
        FakeCCError(.internalServerError, "\(what) \(path): \(String(cString: strerror(code)))")
    }
}
