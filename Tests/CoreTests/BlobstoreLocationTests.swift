import Foundation
import PipetteCore
import Testing

/// The blobstore option: Pipette's blobstore or an S3 bucket, keys only from the environment or a
/// file, and a sentence for each value that cannot be used.
@Suite("Blobstore location")
struct BlobstoreLocationTests {
    static let keys = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "very-secret"]

    static func parse(_ value: String, _ environment: [String: String] = keys,
                      files: [String: String] = [:]) throws(BlobstoreLocationError) -> BlobstoreLocation {
        try BlobstoreLocation.parse(value, environment: environment, readFile: { files[$0] })
    }

    @Test func httpIsTheEmbeddedBlobstoreWithItsSecretFromTheEnvironment() throws {
        #expect(try Self.parse("http://127.0.0.1:8081", ["PIPETTE_BLOBSTORE_SECRET": "s"])
                == .embedded(base: "http://127.0.0.1:8081", secret: "s"))
        #expect(try Self.parse("https://blobs.example:8443/", [:]) == .embedded(base: "https://blobs.example:8443/", secret: nil))
        let url = try Self.parse("http://127.0.0.1:8081", ["PIPETTE_BLOBSTORE_SECRET": "s"]).signer
            .url("GET", key: "droplets/a/b.tgz", validFor: 60, now: Date(timeIntervalSince1970: 0))
        #expect(url == BlobURLSigner(secret: "s").signedURL(base: "http://127.0.0.1:8081", method: "GET",
                                                             key: "droplets/a/b.tgz", validFor: 60, now: Date(timeIntervalSince1970: 0)))
    }

    @Test func s3TakesBucketEndpointRegionAndKeysFromTheEnvironment() throws {
        let location = try Self.parse("s3://pipette-droplets?endpoint=http://127.0.0.1:7480&region=eu-west-3",
                                      Self.keys.merging(["AWS_SESSION_TOKEN": "tok"]) { $1 })
        guard case .s3(let endpoint, let bucket, let region, let credentials) = location else {
            Issue.record("not s3: \(location)")
            return
        }
        #expect(endpoint == "http://127.0.0.1:7480" && bucket == "pipette-droplets" && region == "eu-west-3")
        #expect(credentials == S3Credentials(accessKeyID: "AKIDTEST", secretAccessKey: "very-secret", sessionToken: "tok",
                                             source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
        #expect(!location.description.contains("very-secret") && location.description.contains("s3://pipette-droplets"))
        let url = location.signer.url("PUT", key: "packages/a/1.zip", validFor: 60)
        #expect(url.hasPrefix("http://127.0.0.1:7480/pipette-droplets/packages/a/1.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(!url.contains("very-secret"))
        #expect(location.signer.key(in: url) == "packages/a/1.zip")
    }

    @Test func regionDefaultsToUsEast1() throws {
        guard case .s3(_, _, let region, _) = try Self.parse("s3://bucket?endpoint=https://s3.example") else {
            Issue.record("not s3")
            return
        }
        #expect(region == "us-east-1")
    }

    @Test func s3KeysComeFromASharedCredentialsFile() throws {
        let file = """
            # AWS shared credentials
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret

            [pipette]
            aws_access_key_id=AKIDPIPETTE
            aws_secret_access_key=pipette-secret
            aws_session_token = session
            """
        let environment = ["PIPETTE_S3_CREDENTIALS": "/etc/pipette/s3"]
        let files = ["/etc/pipette/s3": file]
        guard case .s3(_, _, _, let plain) = try Self.parse("s3://bucket?endpoint=http://h:1", environment, files: files),
              case .s3(_, _, _, let named) = try Self.parse("s3://bucket?endpoint=http://h:1&profile=pipette", environment,
                                                            files: files) else {
            Issue.record("not s3")
            return
        }
        #expect(plain == S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "default-secret",
                                       source: "profile default of /etc/pipette/s3"))
        #expect(named == S3Credentials(accessKeyID: "AKIDPIPETTE", secretAccessKey: "pipette-secret", sessionToken: "session",
                                       source: "profile pipette of /etc/pipette/s3"))
        guard case .s3(_, _, _, let fromConfig) = try BlobstoreLocation.parse(
            "s3://bucket?endpoint=http://h:1", credentialsFile: "/etc/pipette/s3", environment: Self.keys,
            readFile: { files[$0] }) else {
            Issue.record("not s3")
            return
        }
        #expect(fromConfig.accessKeyID == "AKIDDEFAULT", "a configured file wins over the environment's keys")
    }

    /// Each value that cannot be used, and words its sentence must have.
    static let bad: [(value: String, environment: [String: String], says: [String])] = [
        ("not a url", keys, ["is not a URL", "s3://bucket?endpoint="]),
        ("ftp://host/x", keys, ["has scheme ftp", "http(s)://host:port"]),
        ("http://", keys, ["names no host"]),
        ("http://user:pw@127.0.0.1:8081", keys, ["credentials in it", "PIPETTE_BLOBSTORE_SECRET"]),
        ("s3://AKID:secret@bucket?endpoint=http://h:1", keys, ["credentials in it", "AWS_ACCESS_KEY_ID"]),
        ("s3://bucket?endpoint=http://h:1&secret_key=abc", keys, ["has secret_key in it", "environment"]),
        ("s3://bucket?endpoint=http://h:1&access_key=abc", keys, ["has access_key in it"]),
        ("s3://bucket?endpoint=http://AKID:pw@h:1", keys, ["endpoint", "credentials in it"]),
        ("s3://bucket?endpoint=http://h:1&colour=blue", keys, ["unknown parameter colour", "endpoint, region and profile"]),
        ("s3://bucket", keys, ["needs endpoint=http(s)://host:port"]),
        ("s3://bucket?endpoint=ftp://h:1", keys, ["needs endpoint=http(s)://host:port"]),
        ("s3://bucket?endpoint=http://h:1/path", keys, ["has a path or query"]),
        ("s3://ab?endpoint=http://h:1", keys, ["is not an S3 bucket name"]),
        ("s3://bucket/prefix?endpoint=http://h:1", keys, ["has a path"]),
        ("s3://bucket?endpoint=http://h:1&region=", keys, ["is not a region name"]),
        ("s3://bucket?endpoint=http://h:1", [:], ["needs keys", "AWS_ACCESS_KEY_ID", "PIPETTE_S3_CREDENTIALS"]),
        ("s3://bucket?endpoint=http://h:1", ["AWS_ACCESS_KEY_ID": "AKID"], ["AWS_SECRET_ACCESS_KEY is not", "set both"]),
        ("s3://bucket?endpoint=http://h:1", ["AWS_SECRET_ACCESS_KEY": "s"], ["AWS_ACCESS_KEY_ID is not", "set both"]),
        ("s3://bucket?endpoint=http://h:1", ["PIPETTE_S3_CREDENTIALS": "/missing"], ["cannot read the S3 credentials file /missing"]),
        ("s3://bucket?endpoint=http://h:1", ["PIPETTE_S3_CREDENTIALS": "/empty"], ["/empty has no profile [default]"]),
        ("s3://bucket?endpoint=http://h:1&profile=other", ["PIPETTE_S3_CREDENTIALS": "/empty"], ["no profile [other]"]),
    ]

    @Test(arguments: 0..<bad.count)
    func badValuesAreRefusedWithASentence(index: Int) {
        let (value, environment, says) = Self.bad[index]
        do {
            let location = try Self.parse(value, environment, files: ["/empty": "[default]\nregion = us-east-1\n"])
            Issue.record("\(value) was accepted as \(location)")
        } catch {
            for words in says { #expect(error.description.contains(words), "\(value): \(error.description)") }
            for secret in ["secret", "pw@", "abc"] where value.contains(secret) {
                #expect(!error.description.contains(secret) || error.description.contains("secret_key in it"),
                        "\(value): the secret is repeated: \(error.description)")
            }
        }
    }
}
