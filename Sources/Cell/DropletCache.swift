import Archive
import Foundation
import Synchronization
import Transfer

/// Droplets this cell has downloaded, by sha256 (`<dir>/<sha256>.tgz`): a second instance of the
/// same droplet does not download it again, and two starting at once download it once. A download
/// goes to a temporary file, is checked against its sha256 and then renamed into place.
final class DropletCache: Sendable {
    let directory: URL
    private let transfer: HTTPTransfer
    private let maxBytes: Int64
    /// Droplets being fetched, with who waits for each.
    private let busy = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])
    private let downloadCount = Mutex(0)

    init(directory: URL, transfer: HTTPTransfer, maxBytes: Int64) {
        self.directory = directory
        self.transfer = transfer
        self.maxBytes = maxBytes
    }

    /// Downloads made so far (cache hits not counted).
    var downloads: Int { downloadCount.withLock { $0 } }

    /// The cached droplet with `sha256`, downloaded from `url` first when missing.
    func droplet(url: String, sha256: String, timeout: Duration) async throws(InstanceFailure) -> URL {
        let sha = sha256.lowercased()
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw InstanceFailure("the droplet's sha256 \"\(sha256)\" is not 64 hex digits; restage the app")
        }
        let file = directory.appendingPathComponent("\(sha).tgz")
        await acquire(sha)
        defer { release(sha) }
        if FileManager.default.fileExists(atPath: file.path) { return file }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InstanceFailure("cannot make the droplet cache \(directory.path): \(error.localizedDescription)")
        }
        let part = directory.appendingPathComponent(".\(sha).\(UUID().uuidString.prefix(8)).part")
        defer { unlink(part.path) }
        do {
            _ = try await transfer.download(url, to: part, what: "the droplet", limit: maxBytes, timeout: timeout)
        } catch {
            throw InstanceFailure("Failed fetching the droplet from the blobstore: \(error)")
        }
        downloadCount.withLock { $0 += 1 }
        let digest: String
        do {
            digest = try FileDigest.sha256(of: part).sha256
        } catch {
            throw InstanceFailure("cannot read the downloaded droplet: \(error)")
        }
        guard digest == sha else {
            throw InstanceFailure("the droplet downloaded from the blobstore has sha256 \(digest), not \(sha) as expected; "
                + "the blobstore holds a different or damaged droplet: restage the app")
        }
        guard rename(part.path, file.path) == 0 else {
            throw InstanceFailure("cannot store the droplet in the cache \(directory.path): \(String(cString: strerror(errno)))")
        }
        return file
    }

    private func acquire(_ sha: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = busy.withLock { b -> Bool in
                if b[sha] == nil {
                    b[sha] = []
                    return true
                }
                b[sha]?.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the droplet to the next waiter, if any.
    private func release(_ sha: String) {
        let next = busy.withLock { b -> CheckedContinuation<Void, Never>? in
            guard var waiters = b[sha], !waiters.isEmpty else {
                b[sha] = nil
                return nil
            }
            let first = waiters.removeFirst()
            b[sha] = waiters
            return first
        }
        next?.resume()
    }
}
