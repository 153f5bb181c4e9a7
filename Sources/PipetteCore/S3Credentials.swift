import Foundation

/// Keys for an S3-compatible store, and where they came from (named in errors, never the keys).
public struct S3Credentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// A temporary credential's session token (`AWS_SESSION_TOKEN`), signed into each URL.
    public var sessionToken: String?
    /// Where the keys were read, as a user would look for them ("AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY", "profile default of /etc/pipette/s3").
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    /// The keys of `profile` in an AWS shared-credentials file (INI: `[profile]` sections of
    /// `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`); nil when the profile
    /// is missing or lacks either key.
    public static func parse(sharedCredentials text: String, profile: String, source: String) -> S3Credentials? {
        var section: String?
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[name] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"],
              !id.isEmpty, !secret.isEmpty else { return nil }
        let token = values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token, source: source)
    }
}
