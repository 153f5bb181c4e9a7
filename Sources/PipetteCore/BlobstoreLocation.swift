import Foundation

/// Where blobs (packages, droplets, build caches) are kept, parsed from the blobstore option:
/// `http(s)://host:port` is Pipette's embedded blobstore (secret from `PIPETTE_BLOBSTORE_SECRET`),
/// `s3://bucket?endpoint=http://host:port&region=us-east-1` an S3-compatible store, whose keys come
/// from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional
/// `AWS_SESSION_TOKEN`) or from the shared-credentials file named by `PIPETTE_S3_CREDENTIALS`;
/// never from the command line.
public enum BlobstoreLocation: Sendable, Equatable {
    case embedded(base: String, secret: String?)
    case s3(endpoint: String, bucket: String, region: String, credentials: S3Credentials)

    /// The region used when an `s3://` location names none.
    public static let defaultRegion = "us-east-1"

    /// Parses `value`, reading keys from `environment` and files through `readFile` (nil: cannot
    /// be read). `secret` is the embedded blobstore's, when it was given another way than
    /// `PIPETTE_BLOBSTORE_SECRET` (a config file); `credentialsFile`, an S3 shared-credentials
    /// file given another way than `PIPETTE_S3_CREDENTIALS` (a config file), read before either.
    public static func parse(_ value: String, secret: String? = nil, credentialsFile: String? = nil,
                             environment: [String: String],
                             readFile: (String) -> String?) throws(BlobstoreLocationError) -> BlobstoreLocation {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased() else {
            throw BlobstoreLocationError("blobstore \"\(Redaction.redact(text))\" is not a URL: give http(s)://host:port "
                                         + "(Pipette's blobstore) or s3://bucket?endpoint=http://host:port&region=us-east-1")
        }
        if parts.user != nil || parts.password != nil {
            throw BlobstoreLocationError("blobstore \(Redaction.redact(text)) has credentials in it: keep them out of the "
                                         + "command line and config; " + (scheme == "s3" ? s3CredentialsHelp : embeddedSecretHelp))
        }
        switch scheme {
        case "http", "https":
            guard let host = parts.host, !host.isEmpty else {
                throw BlobstoreLocationError("blobstore \(text) names no host: give it like http://127.0.0.1:8081")
            }
            let secret = secret ?? environment["PIPETTE_BLOBSTORE_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
            return .embedded(base: text, secret: secret)
        case "s3":
            return try parseS3(parts, text: text, credentialsFile: credentialsFile, environment: environment,
                               readFile: readFile)
        default:
            throw BlobstoreLocationError("blobstore \(text) has scheme \(scheme): give http(s)://host:port (Pipette's "
                                         + "blobstore) or s3://bucket?endpoint=http://host:port&region=us-east-1")
        }
    }

    /// The URLs handed out for this store's blobs.
    public var signer: any BlobURLSigning {
        switch self {
        case .embedded(let base, let secret): EmbeddedBlobURLs(base: base, secret: secret)
        case .s3(let endpoint, let bucket, let region, let credentials):
            S3Presigner(endpoint: endpoint, bucket: bucket, region: region, credentials: credentials)
        }
    }

    /// How logs and errors name it: no secret, no key.
    public var description: String {
        switch self {
        case .embedded(let base, _): Redaction.redact(base)
        case .s3(let endpoint, let bucket, let region, let credentials):
            "s3://\(bucket) at \(endpoint) (region \(region), keys from \(credentials.source))"
        }
    }

    static let s3CredentialsHelp = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
        + "keys) in the environment, or PIPETTE_S3_CREDENTIALS to an AWS shared-credentials file"
    static let embeddedSecretHelp = "set the blobstore's secret in PIPETTE_BLOBSTORE_SECRET"

    private static func parseS3(_ parts: URLComponents, text: String, credentialsFile: String?,
                                environment: [String: String],
                                readFile: (String) -> String?) throws(BlobstoreLocationError) -> BlobstoreLocation {
        guard let bucket = parts.host, !bucket.isEmpty else {
            throw BlobstoreLocationError("blobstore \(text) names no bucket: give it like "
                                         + "s3://pipette?endpoint=http://127.0.0.1:7480&region=us-east-1")
        }
        guard bucket.count >= 3, bucket.count <= 63,
              bucket.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }) else {
            throw BlobstoreLocationError("bucket \"\(bucket)\" is not an S3 bucket name: 3 to 63 lowercase letters, "
                                         + "digits, dots and hyphens")
        }
        if parts.path != "" && parts.path != "/" {
            throw BlobstoreLocationError("blobstore \(text) has a path (\(parts.path)): give only the bucket, like s3://\(bucket)?endpoint=…")
        }
        var endpoint: String?
        var region = defaultRegion
        var profile = "default"
        for item in parts.queryItems ?? [] {
            switch item.name.lowercased() {
            case "endpoint": endpoint = item.value
            case "region": region = item.value ?? ""
            case "profile": profile = item.value ?? ""
            default:
                let name = item.name.lowercased()
                if ["key", "secret", "token", "credential", "password"].contains(where: name.contains) {
                    throw BlobstoreLocationError("blobstore s3://\(bucket) has \(item.name) in it: keep keys out of the "
                                                 + "command line and config; " + s3CredentialsHelp)
                }
                throw BlobstoreLocationError("blobstore s3://\(bucket) has an unknown parameter \(item.name): "
                                             + "it takes endpoint, region and profile")
            }
        }
        guard let endpoint, let url = URLComponents(string: endpoint), let scheme = url.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty else {
            throw BlobstoreLocationError("blobstore s3://\(bucket) needs endpoint=http(s)://host:port, the S3 store's "
                                         + "address (like s3://\(bucket)?endpoint=http://127.0.0.1:7480&region=us-east-1)")
        }
        if url.user != nil || url.password != nil {
            throw BlobstoreLocationError("the endpoint of s3://\(bucket) has credentials in it: keep them out of the "
                                         + "command line and config; " + s3CredentialsHelp)
        }
        if url.path != "" && url.path != "/" || url.query != nil {
            throw BlobstoreLocationError("the endpoint of s3://\(bucket) has a path or query: give only "
                                         + "http(s)://host:port (the bucket goes in the path of each URL)")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
            throw BlobstoreLocationError("region \"\(region)\" of s3://\(bucket) is not a region name like us-east-1")
        }
        let credentials = try credentials(file: credentialsFile, environment: environment, profile: profile, readFile: readFile)
        return .s3(endpoint: "\(scheme)://\(url.percentEncodedHost ?? host)" + (url.port.map { ":\($0)" } ?? ""),
                   bucket: bucket, region: region, credentials: credentials)
    }

    /// Keys from the shared-credentials `file` (else the one `PIPETTE_S3_CREDENTIALS` names),
    /// else from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.
    private static func credentials(file: String?, environment: [String: String], profile: String,
                                    readFile: (String) -> String?) throws(BlobstoreLocationError) -> S3Credentials {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let file = file ?? value("PIPETTE_S3_CREDENTIALS") {
            guard let text = readFile(file) else {
                throw BlobstoreLocationError("cannot read the S3 credentials file \(file)")
            }
            guard let credentials = S3Credentials.parse(sharedCredentials: text, profile: profile,
                                                        source: "profile \(profile) of \(file)") else {
                throw BlobstoreLocationError("the S3 credentials file \(file) has no profile [\(profile)] with "
                                             + "aws_access_key_id and aws_secret_access_key")
            }
            return credentials
        }
        switch (value("AWS_ACCESS_KEY_ID"), value("AWS_SECRET_ACCESS_KEY")) {
        case (let id?, let secret?):
            return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"),
                                 source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        case (nil, nil):
            throw BlobstoreLocationError("an s3:// blobstore needs keys: " + s3CredentialsHelp)
        case (nil, _):
            throw BlobstoreLocationError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both")
        case (_, nil):
            throw BlobstoreLocationError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both")
        }
    }
}
