import Foundation
import PipetteCore

extension BlobstoreLocation {
    /// Parses a blobstore option with this process's environment, reading a credentials file
    /// it names (`PIPETTE_S3_CREDENTIALS`) from disk.
    public static func resolve(_ value: String, secret: String? = nil,
                               credentialsFile: String? = nil) throws(BlobstoreLocationError) -> BlobstoreLocation {
        try parse(value, secret: secret, credentialsFile: credentialsFile, environment: ProcessInfo.processInfo.environment,
                  readFile: { try? String(contentsOfFile: $0, encoding: .utf8) })
    }
}
