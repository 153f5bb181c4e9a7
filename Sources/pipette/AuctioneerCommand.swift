import ArgumentParser
import Auctioneer
import Foundation
import Logging
import ServiceLifecycle
import NATS
import PipetteCore
import Stager

struct AuctioneerCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "auctioneer",
        abstract: "Place staging Tasks and app instances on cells; keep apps running (the converger).",
        discussion: """
            Keeps a registry of cells from pipette.cell.heartbeat (a cell that misses 3
            heartbeats is gone, and stagers waiting on its work are told). Placement
            requests that arrive while an auction runs (or within --batch-window-ms) are
            placed together, as one batch: first the stack (a hard filter), then placement
            tags, then memory, disk and container slots; among the rest the least used
            cell wins, with a penalty per task already running and instances of one app
            spread across cells and zones. Ties go to the smallest cell id. A cell that
            rejects its work passes it to the next best.

            With --blobstore-url it also converges (Diego's BBS convergence): every
            --converge-interval it reads the apps from the pipette_apps JetStream bucket
            and the instances the cells report, starts missing and crashed instances
            (crashed ones by Diego's backoff: 3 at once, then 30 s doubling to 16 min,
            none after 200), stops extra ones, replaces instances of evacuating cells and
            old releases once the new one runs. With several auctioneers one converges
            at a time (lock in the pipette_locks bucket, --lock-ttl); droplet URLs are
            signed with $PIPETTE_BLOBSTORE_SECRET, or presigned for an s3:// blobstore
            (keys from $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY or the shared-credentials
            file $PIPETTE_S3_CREDENTIALS). Status: request on pipette.converger.status.

            Example (with nats-server running):
              PIPETTE_BLOBSTORE_SECRET=s3cret pipette auctioneer --blobstore-url http://127.0.0.1:8081 &
              pipette cell --id amd64-1 --stacks tiny-amd64 &
              pipette cells
            """)

    @Option(help: "Extra milliseconds to gather placement requests into one batch (0: a batch is what arrived during the last auction).")
    var batchWindowMs = 0

    @Option(name: [.customLong("blobstore-url"), .customLong("blobstore")],
            help: ArgumentHelp("Blobstore holding the droplets, http(s)://HOST:PORT (secret: $PIPETTE_BLOBSTORE_SECRET) or "
                               + "s3://BUCKET?endpoint=http://HOST:PORT&region=REGION; turns the converger on.",
                               valueName: "url"))
    var blobstoreURL: String?

    @Option(help: "Seconds between convergence passes.")
    var convergeInterval = 2.0

    @Option(name: .customLong("lock-ttl"), help: "Seconds the converger lock lives without a refresh (another auctioneer takes over within about this long).")
    var lockTTL = 6.0

    @Option(help: "Seconds after start (or a NATS reconnect) before converging, to hear every cell first.")
    var startupGrace = 6.0

    @Option(help: "Crashes restarted at once before the backoff starts.")
    var crashImmediateRestarts = CrashPolicy.diego.immediateRestarts

    @Option(help: "Seconds of the first crash backoff (doubles per crash).")
    var crashBackoffMin = CrashPolicy.diego.minBackoff

    @Option(help: "Seconds the crash backoff grows to at most.")
    var crashBackoffMax = CrashPolicy.diego.maxBackoff

    @Option(help: "Crashes after which an instance is left crashed.")
    var crashMaxRestarts = CrashPolicy.diego.maxRestarts

    @Option(help: "Seconds of running after which a crash counts as the first again.")
    var crashResetAfter = CrashPolicy.diego.resetAfter

    @Option(help: "Instances started per convergence pass at most (the rest in the next pass).")
    var maxStartsPerPass = AuctioneerConfig.defaultMaxStartsPerPass

    @OptionGroup var bus: BusOptions

    var crashPolicy: CrashPolicy {
        CrashPolicy(immediateRestarts: crashImmediateRestarts, minBackoff: crashBackoffMin, maxBackoff: crashBackoffMax,
                    maxRestarts: crashMaxRestarts, resetAfter: crashResetAfter)
    }

    func validate() throws {
        if batchWindowMs < 0 { throw ValidationError("--batch-window-ms must not be negative") }
        if convergeInterval <= 0 { throw ValidationError("--converge-interval must be more than 0 seconds") }
        if lockTTL < 0.3 { throw ValidationError("--lock-ttl must be at least 0.3 seconds") }
        if startupGrace < 0 { throw ValidationError("--startup-grace must not be negative") }
        if maxStartsPerPass < 1 { throw ValidationError("--max-starts-per-pass must be at least 1") }
        if let problem = crashPolicy.problem { throw ValidationError("crash policy: \(problem)") }
        _ = try blobstore()
    }

    /// `--blobstore-url` parsed, keys from the environment; nil when not given.
    func blobstore() throws -> BlobstoreLocation? {
        guard let blobstoreURL else { return nil }
        do {
            return try BlobstoreLocation.resolve(blobstoreURL)
        } catch {
            throw ValidationError("--blobstore-url: \(error)")
        }
    }

    func makeService() async throws -> any Service {
        let logger = LogSetup.logger("pipette.auctioneer", level: bus.logLevel)
        var config = AuctioneerConfig(natsURI: bus.natsURL, batchWindow: .milliseconds(batchWindowMs))
        config.natsOptions = bus.natsOptions
        config.blobstore = try blobstore()
        config.convergeInterval = .milliseconds(Int(convergeInterval * 1000))
        config.lockTTL = .milliseconds(Int(lockTTL * 1000))
        config.startupGrace = .milliseconds(Int(startupGrace * 1000))
        config.crashPolicy = crashPolicy
        config.maxStartsPerPass = maxStartsPerPass
        if let url = blobstoreURL, let warning = Loopback.blobstoreWarning(url: url, natsURLs: bus.natsURL) {
            Output.status(warning)
        }
        let nats = NATSURL.redacted(bus.natsURL)
        let service = AuctioneerService(config: config, logger: logger) {
            Output.status("auctioneer ready on \(nats)")
        }
        return service
    }
}
