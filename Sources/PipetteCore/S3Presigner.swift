import Crypto
import Foundation

/// Presigned URLs of an S3-compatible store (AWS Signature Version 4, query-string form, as
/// `aws s3 presign` makes them): path style, `<endpoint>/<bucket>/<key>?X-Amz-Algorithm=…`, the
/// payload unsigned and the host the only signed header. A cell holding one can do its one
/// method on its one object until it expires, and never sees the keys.
public struct S3Presigner: BlobURLSigning {
    /// `http(s)://host[:port]`, without a trailing `/`.
    public let endpoint: String
    public let bucket: String
    public let region: String
    let credentials: S3Credentials

    /// S3 refuses presigned URLs valid for longer than seven days.
    public static let maxValidity = 7 * 24 * 3600

    public init(endpoint: String, bucket: String, region: String, credentials: S3Credentials) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.region = region
        self.credentials = credentials
    }

    public func url(_ method: String, key: String, validFor seconds: Int, now: Date) -> String {
        let (scheme, host) = Self.split(endpoint)
        let path = "/" + Self.encode(bucket, keepSlash: false) + "/" + Self.encode(key, keepSlash: true)
        let query = presignedQuery(method: method, host: host, path: path,
                                   validFor: min(max(seconds, 1), Self.maxValidity), now: now)
        return "\(scheme)://\(host)\(path)?\(query)"
    }

    public func key(in url: String) -> String? {
        let (scheme, host) = Self.split(endpoint)
        let prefix = "\(scheme)://\(host)/" + Self.encode(bucket, keepSlash: false) + "/"
        guard url.hasPrefix(prefix) else { return nil }
        let path = url.dropFirst(prefix.count).prefix { $0 != "?" && $0 != "#" }
        return path.isEmpty ? nil : String(path).removingPercentEncoding
    }

    public func explain(status: Int, method: String) -> String? {
        switch status {
        case 403:
            "the S3 store at \(endpoint) refused the credentials from \(credentials.source) (access key id "
                + "\(credentials.accessKeyID)): check that they are this store's, that the secret key matches, "
                + "and that they may \(method) in bucket \(bucket)"
        case 404 where method == "PUT":
            "bucket \(bucket) does not exist at \(endpoint): create it with "
                + "`aws --endpoint-url \(endpoint) s3 mb s3://\(bucket)`"
        default:
            nil
        }
    }

    /// The query string of a presigned request, `X-Amz-Signature` last: the parameters in
    /// canonical (sorted, encoded) order, as S3 computes them.
    public func presignedQuery(method: String, host: String, path: String, validFor seconds: Int, now: Date) -> String {
        let (date, time) = Self.stamp(now)
        let scope = "\(date)/\(region)/s3/aws4_request"
        var parameters = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", time),
            ("X-Amz-Expires", "\(seconds)"),
            ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        let query = parameters
            .map { (Self.encode($0.0, keepSlash: false), Self.encode($0.1, keepSlash: false)) }
            .sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let canonicalRequest = [method.uppercased(), path, query, "host:\(host)", "", "host", "UNSIGNED-PAYLOAD"]
            .joined(separator: "\n")
        let stringToSign = ["AWS4-HMAC-SHA256", time, scope, SHA256.hash(data: Data(canonicalRequest.utf8)).lowercaseHex]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [date, region, "s3", "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key).lowercaseHex
        return query + "&X-Amz-Signature=" + signature
    }

    /// S3's URI encoding: every byte but the unreserved `A-Z a-z 0-9 - . _ ~` as `%XX`
    /// (uppercase), and `/` kept in object paths.
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                result += "%" + [byte].lowercaseHex.uppercased()
            }
        }
        return result
    }

    /// `("http", "host:port")` of an endpoint URL; a scheme's default port is left out, as
    /// clients leave it out of the `Host` header that is signed.
    static func split(_ endpoint: String) -> (scheme: String, host: String) {
        guard let range = endpoint.range(of: "://") else { return ("https", endpoint) }
        let scheme = String(endpoint[..<range.lowerBound]).lowercased()
        var host = String(endpoint[range.upperBound...])
        for (name, port) in [("http", ":80"), ("https", ":443")] where scheme == name && host.hasSuffix(port) {
            host.removeLast(port.count)
        }
        return (scheme, host)
    }

    /// `("20130524", "20130524T000000Z")` of an instant, in UTC.
    static func stamp(_ now: Date) -> (date: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let date = "\(parts.year ?? 1970)" + two(parts.month) + two(parts.day)
        return (date, date + "T" + two(parts.hour) + two(parts.minute) + two(parts.second) + "Z")
    }
}
