import Foundation
import PipetteCore
import Stager
import Transfer

/// Removes releases' droplets and packages from the blobstore (retention, `pipette delete`).
/// Best effort: a blob that cannot be removed is reported, never fatal, as the record is what counts.
struct ReleaseBlobs {
    let client: BlobstoreClient

    init(client: BlobstoreClient) { self.client = client }

    /// The blobstore at `--blobstore` (else $PIPETTE_BLOBSTORE_URL, else the local default):
    /// Pipette's, signing with $PIPETTE_BLOBSTORE_SECRET, or an S3 bucket, keys from the environment.
    init(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let value = flag ?? environment["PIPETTE_BLOBSTORE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8081"
        do {
            client = BlobstoreClient(location: try BlobstoreLocation.resolve(value), transfer: HTTPTransfer())
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// Removes each release's droplet and package; `why` ends the line that says so.
    func remove(_ releases: [AppRelease], of app: String, why: String) async {
        for release in releases {
            for key in [release.dropletKey] + [release.packageKey].compactMap({ $0 }) {
                do {
                    try await client.delete(key)
                } catch {
                    Output.status("could not remove \(key) of \(app) release \(release.number) from the blobstore: \(error)")
                }
            }
        }
        if !releases.isEmpty {
            Output.status("removed the droplets of \(app) release\(releases.count == 1 ? "" : "s") "
                          + releases.map { "\($0.number)" }.joined(separator: ", ") + " (\(why))")
        }
    }
}
