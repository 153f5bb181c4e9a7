import Synchronization

/// The `failUploads` test hook: how many droplet uploads are still to be refused.
final class UploadFailures: Sendable {
    let total: Int
    private let used = Mutex(0)

    init(total: Int) { self.total = total }

    /// The number of this failure (1-based) when the upload should fail, else nil.
    func next() -> Int? {
        used.withLock { used in
            guard used < total else { return nil }
            used += 1
            return used
        }
    }
}
