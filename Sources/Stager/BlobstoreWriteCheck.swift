import Archive
import Foundation
import PipetteCore
import Synchronization

/// Whether the blobstore takes writes, asked before a Task is placed: a store that refuses (keys
/// it does not accept, a missing bucket, a full disk) then fails the staging at once with the
/// store's explanation, instead of after a build on a cell. The package no longer passes through
/// the stager, so nothing else would find out first. A success holds for `validFor` (one small
/// write a minute, not one per staging); after a failure, or a staging that failed on its cell (a
/// store gone since would fail there, after the build), the next staging asks again.
final class BlobstoreWriteCheck: Sendable {
    let blobstore: BlobstoreClient
    /// The blob written: one per stager, overwritten each time.
    let key: String
    let validFor: Duration
    private let checkedAt = Mutex<ContinuousClock.Instant?>(nil)

    init(blobstore: BlobstoreClient, stager: String, validFor: Duration = .seconds(60)) {
        self.blobstore = blobstore
        key = BlobstoreClient.writeCheckKey(stager: stager)
        self.validFor = validFor
    }

    /// Writes a small blob unless a write succeeded within `validFor`; `scratch` is a folder the
    /// caller owns for the file sent.
    func ensure(scratch: URL, timeout: Duration) async throws {
        if let last = checkedAt.withLock({ $0 }), ContinuousClock.now - last < validFor { return }
        let file = scratch.appendingPathComponent("blobstore-write-check")
        try Data("pipette stager write check\n".utf8).write(to: file)
        do {
            _ = try await blobstore.put(file, key: key, sha256: try FileDigest.sha256(of: file).sha256, timeout: timeout)
        } catch {
            throw StagingFailure("Cannot store droplets in the blobstore: \(error)")
        }
        checkedAt.withLock { $0 = .now }
    }

    /// The next staging asks again.
    func forget() { checkedAt.withLock { $0 = nil } }
}
