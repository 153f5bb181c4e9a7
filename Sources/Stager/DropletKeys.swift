import Synchronization

/// The droplet blobs one placement attempt may write: each placement request of the attempt gets
/// a key of its own (`<base>.tgz`, then `<base>-ask2.tgz`, …) and its presigned PUT URL, so a
/// Task placed twice — its placement answer lost with a NATS node and the request asked again of
/// another auctioneer — writes two blobs, and the droplet the stager relays is never overwritten
/// by the other cell. A completion may only name a key issued here.
final class DropletKeys: Sendable {
    private let appID: String
    private let attemptID: String
    private let presign: @Sendable (String) -> String
    private let issued = Mutex<[String]>([])

    /// `presign` gives the PUT URL of a key.
    init(appID: String, attemptID: String, presign: @escaping @Sendable (String) -> String) {
        self.appID = appID
        self.attemptID = attemptID
        self.presign = presign
    }

    /// A key not given before, and the URL that writes it.
    func next() -> (key: String, uploadURL: String) {
        let key = issued.withLock { keys in
            let key = BlobstoreClient.dropletKey(appID: appID, attemptID: keys.isEmpty ? attemptID : "\(attemptID)-ask\(keys.count + 1)")
            keys.append(key)
            return key
        }
        return (key, presign(key))
    }

    func wasIssued(_ key: String) -> Bool { issued.withLock { $0.contains(key) } }
}
