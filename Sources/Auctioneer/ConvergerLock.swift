import Logging
import NATS
import PipetteCore
import Synchronization

/// Who converges when several auctioneers run: the one holding key `converger` in the
/// `pipette_locks` JetStream KV bucket. Values there live `ttl` (the bucket's max age, set when
/// the bucket is first created); the holder rewrites its value with compare-and-set every
/// `ttl / 6`, the others `create` it once it expired (holder killed) or take it over with
/// compare-and-set once the holder wrote an empty value (holder shut down gracefully).
///
/// The holder counts itself as holding only until two thirds of `ttl` after its last successful
/// write began, so it stops acting before anyone else can take the lock.
final class ConvergerLock: Sendable {
    static let bucketName = JetStreamNames.lockBucket
    static let key = "converger"

    /// This auctioneer's id, the lock's value while it holds it.
    let holder: String
    let ttl: Duration
    private let state = Mutex<(revision: UInt64?, heldUntil: ContinuousClock.Instant?)>((nil, nil))

    init(holder: String, ttl: Duration) {
        self.holder = holder
        self.ttl = ttl
    }

    /// Whether this auctioneer may converge now.
    func isHeld(at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { $0.heldUntil.map { now < $0 } ?? false }
    }

    /// Takes or keeps the lock until cancelled; gives it up (writes the empty value) when the
    /// service shuts down gracefully. Says in the log when it is taken and when it is lost.
    func run(_ nats: NATSConnection, logger: Logger, isShuttingDown: @Sendable () -> Bool) async {
        var bucket: KeyValueBucket?
        var complained = false
        var wasHeld = false
        let period = max(ttl / 6, .milliseconds(50))
        repeat {
            do {
                let kv: KeyValueBucket
                if let bucket { kv = bucket } else {
                    // Calls wait at most a third of the TTL: a stuck one must not outlive the hold.
                    kv = try await KeyValueBucket.open(nats, bucket: Self.bucketName, ttl: ttl, timeout: max(ttl / 3, .milliseconds(100)))
                    bucket = kv
                }
                if nats.isConnected { try await step(kv) }
                complained = false
            } catch {
                if !complained {
                    logger.warning("converger lock unavailable; not converging until it is", metadata: ["error": "\(error)"])
                }
                complained = true
            }
            let held = isHeld()
            if held != wasHeld {
                logger.info(held ? "converger lock taken: this auctioneer converges" : "converger lock lost",
                            metadata: ["holder": "\(holder)"])
                wasHeld = held
            }
        } while (try? await Task.sleep(for: period)) != nil
        if isShuttingDown(), nats.isConnected, let bucket { await release(bucket) }
    }

    /// One refresh (holding) or one try to take it (not holding).
    func step(_ bucket: KeyValueBucket) async throws(NATSError) {
        let started = ContinuousClock.now
        let value = Array(holder.utf8)
        let written: UInt64?
        if let revision = state.withLock({ $0.revision }) {
            written = try await bucket.update(Self.key, value, revision: revision)
        } else if let entry = try await bucket.get(Self.key) {
            // Free once its holder gave it up (empty), or ours from an answer that got lost.
            let free = entry.value.isEmpty || entry.value == value
            written = free ? try await bucket.update(Self.key, value, revision: entry.revision) : nil
        } else {
            written = try await bucket.create(Self.key, value)
        }
        state.withLock { s in
            s.revision = written
            s.heldUntil = written == nil ? nil : started + ttl * 2 / 3
        }
    }

    /// Gives the lock up so another auctioneer takes it at once.
    func release(_ bucket: KeyValueBucket) async {
        guard let revision = state.withLock({ s in defer { s = (nil, nil) }; return s.revision }) else { return }
        _ = try? await bucket.update(Self.key, [], revision: revision)
    }
}
