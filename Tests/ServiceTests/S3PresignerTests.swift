import Foundation
import PipetteCore
import Transfer
import Testing
import TestSupport

/// The S3 presigner against AWS's documented example and against botocore, an independent
/// implementation, run with the same frozen time.
@Suite("S3 presigner")
struct S3PresignerTests {
    static let example = S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                       secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", source: "test")

    /// S3 docs, "Authenticating Requests: Using Query Parameters" (virtual-hosted style there).
    @Test func reproducesAWSDocumentedExample() {
        let presigner = S3Presigner(endpoint: "https://examplebucket.s3.amazonaws.com", bucket: "examplebucket",
                                    region: "us-east-1", credentials: Self.example)
        let query = presigner.presignedQuery(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
                                             validFor: 86400, now: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(query == "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func encodesKeysAsS3Does() {
        #expect(S3Presigner.encode("droplets/a b/ü~(x)+&=.tgz", keepSlash: true)
                == "droplets/a%20b/%C3%BC~%28x%29%2B%26%3D.tgz")
        #expect(S3Presigner.encode("AK/20130524/us-east-1", keepSlash: false) == "AK%2F20130524%2Fus-east-1")
        #expect(S3Presigner.encode("Az09-._~", keepSlash: false) == "Az09-._~")
    }

    static let cases: [(method: String, key: String)] = [
        ("GET", "droplets/static/abc.tgz"), ("PUT", "packages/my app/1.zip"), ("DELETE", "caches/ünïcode/ключ.tgz"),
        ("GET", "a+b=c&d/e~f!g*h'(i)"), ("PUT", "deep/er/still/key with  two spaces"), ("DELETE", "x"),
    ]

    /// The same URLs as botocore's `generate_presigned_url` (path style, SigV4) at the same instant,
    /// with and without a session token, on an endpoint with a port.
    @Test(arguments: [nil, "FQoGZXIvYXdzE+token/with=odd"])
    func matchesBotocore(token: String?) async throws {
        let credentials = S3Credentials(accessKeyID: "AKIDPIPETTE", secretAccessKey: "pipette/secret+key",
                                        sessionToken: token, source: "test")
        let presigner = S3Presigner(endpoint: "http://127.0.0.1:7480", bucket: "pipette-droplets", region: "eu-west-3",
                                    credentials: credentials)
        let now = Date(timeIntervalSince1970: 1_796_025_600)
        let script = """
            import sys, json, datetime, boto3, botocore.auth
            from botocore.config import Config
            botocore.auth.get_current_datetime = lambda *a, **k: datetime.datetime(2026, 11, 30, 8, 0, 0)
            token = sys.argv[1] or None
            c = boto3.client('s3', endpoint_url='http://127.0.0.1:7480', region_name='eu-west-3',
                             aws_access_key_id='AKIDPIPETTE', aws_secret_access_key='pipette/secret+key',
                             aws_session_token=token,
                             config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
            ops = {'GET': 'get_object', 'PUT': 'put_object', 'DELETE': 'delete_object'}
            for method, key in json.loads(sys.argv[2]):
                print(c.generate_presigned_url(ops[method], Params={'Bucket': 'pipette-droplets', 'Key': key}, ExpiresIn=900))
            """
        let cases = String(decoding: try JSONSerialization.data(withJSONObject: Self.cases.map { [$0.method, $0.key] }),
                           as: UTF8.self)
        let result = try await shell("/usr/bin/env", ["python3", "-c", script, token ?? "", cases])
        try #require(result.status == 0, "botocore (pip boto3) did not run: \(result.output)")
        let expected = result.output.split(separator: "\n").map(String.init)
        try #require(expected.count == Self.cases.count, "\(result.output)")
        for (index, item) in Self.cases.enumerated() {
            let ours = presigner.url(item.method, key: item.key, validFor: 900, now: now)
            let theirs = expected[index]
            // The same path and the same parameters (botocore orders them otherwise in the URL).
            #expect(ours.prefix { $0 != "?" } == theirs.prefix { $0 != "?" }, "\(item.key)")
            #expect(Self.parameters(ours) == Self.parameters(theirs), "\(item.method) \(item.key)")
            #expect(Self.parameters(ours)["X-Amz-Signature"]?.count == 64)
            #expect(presigner.key(in: ours) == item.key, "the key comes back out of the URL")
        }
    }

    static func parameters(_ url: String) -> [String: String] {
        let query = url.drop { $0 != "?" }.dropFirst()
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }

    @Test func validityIsBoundedBySevenDays() {
        let presigner = S3Presigner(endpoint: "http://127.0.0.1:7480", bucket: "b-1", region: "us-east-1",
                                    credentials: Self.example)
        #expect(Self.parameters(presigner.url("GET", key: "k", validFor: 30 * 24 * 3600))["X-Amz-Expires"] == "604800")
    }

    @Test func keysOfOtherStoresAreNotOurs() {
        let presigner = S3Presigner(endpoint: "http://127.0.0.1:7480", bucket: "droplets", region: "us-east-1",
                                    credentials: Self.example)
        #expect(presigner.key(in: "http://127.0.0.1:7480/other/k?X-Amz-Date=1") == nil)
        #expect(presigner.key(in: "http://127.0.0.1:8081/blobs/k") == nil)
        #expect(presigner.key(in: "http://127.0.0.1:7480/droplets/a%20b/c.tgz?X-Amz-Date=1") == "a b/c.tgz")
    }

    @Test func explainsMissingBucketAndRefusedKeysWithoutTheSecret() throws {
        let presigner = S3Presigner(endpoint: "http://127.0.0.1:7480", bucket: "droplets", region: "us-east-1",
                                    credentials: Self.example)
        let bucket = try #require(presigner.explain(status: 404, method: "PUT"))
        #expect(bucket.contains("bucket droplets does not exist") && bucket.contains("s3 mb s3://droplets"), "\(bucket)")
        let refused = try #require(presigner.explain(status: 403, method: "PUT"))
        #expect(refused.contains("refused the credentials from test"), "\(refused)")
        #expect(!refused.contains(Self.example.secretAccessKey))
        #expect(presigner.explain(status: 404, method: "GET") == nil, "a missing object is just missing")
    }
}

/// Errors and logs show presigned URLs without their signature, credential or token.
@Suite("S3 URL masking")
struct S3URLMaskingTests {
    @Test func transferErrorsAndRedactionHideSignatureCredentialAndToken() {
        let credentials = S3Credentials(accessKeyID: "AKIDMASKME", secretAccessKey: "never-shown", sessionToken: "TOKENMASKME",
                                        source: "test")
        let url = S3Presigner(endpoint: "http://127.0.0.1:7480", bucket: "droplets", region: "us-east-1",
                              credentials: credentials).url("PUT", key: "droplets/a.tgz", validFor: 60)
        let signature = S3PresignerTests.parameters(url)["X-Amz-Signature"] ?? "missing"
        for shown in [TransferError.httpStatus(code: 403, url: url, message: nil).description, Redaction.redact(url)] {
            #expect(!shown.contains(signature) && !shown.contains("AKIDMASKME") && !shown.contains("TOKENMASKME"), "\(shown)")
            #expect(shown.contains("/droplets/droplets/a.tgz"), "the URL is still recognisable: \(shown)")
        }
    }
}
