import Synchronization

/// The droplet blobs one placement attempt may write: each placement request of the attempt gets
/// a key of its own (`<base>.tgz`, then `<base>-ask2.tgz`, …), so a Task placed twice — its
/// placement answer lost with a NATS node and the request asked again of another auctioneer —
/// writes two blobs, and the droplet the stager relays is never overwritten by the other cell.
/// A completion may only name a key issued here.
final class DropletKeys: Sendable {
    private let appID: String
    private let attemptID: String
    private let issued = Mutex<[String]>([])

    init(appID: String, attemptID: String) {
        self.appID = appID
        self.attemptID = attemptID
    }

    /// A key not given before.
    func next() -> String {
        issued.withLock { keys in
            let key = BlobstoreClient.dropletKey(appID: appID, attemptID: keys.isEmpty ? attemptID : "\(attemptID)-ask\(keys.count + 1)")
            keys.append(key)
            return key
        }
    }

    func wasIssued(_ key: String) -> Bool { issued.withLock { $0.contains(key) } }
}
