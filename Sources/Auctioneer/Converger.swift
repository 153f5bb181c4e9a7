import Apps
import Foundation
import Logging
import NATS
import PipetteCore
import ServiceLifecycle
import Synchronization

/// Keeps the apps of the `pipette_apps` bucket running on cells: Diego's BBS convergence and LRP
/// auction, run by `AuctioneerService` while this auctioneer holds the ``ConvergerLock``.
///
/// Each pass (every `convergeInterval`, and soon after a cell reports a change) reads every app
/// from the bucket (nothing about apps is kept only here, so a restarted auctioneer picks up where
/// the last left off), computes a ``ConvergencePlan`` from them and the cells' reports, sends
/// `InstanceStop`s, and places the instances to start like the task auction does: `Placement`,
/// then a perform request to each chosen cell, what a cell rejects going to the next best.
final class Converger: Sendable {
    let config: AuctioneerConfig
    let logger: Logger
    let nats: NATSConnection
    let registry: CellRegistry
    let lock: ConvergerLock
    let inFlight: InFlightStarts
    private let performer: CellPerformer
    private let status: Mutex<ConvergerStatus>
    /// Before this instant the converger does not act (just started, or NATS just came back).
    private let quietUntil: Mutex<ContinuousClock.Instant>
    private let doorbell: AsyncStream<Void>
    private let bell: AsyncStream<Void>.Continuation
    /// Set when an app was written since the last pass began: the pass then waits only `appChangeDebounce`.
    private let appChanged = Mutex(false)

    init(config: AuctioneerConfig, logger: Logger, nats: NATSConnection, registry: CellRegistry) {
        self.config = config
        self.logger = logger
        self.nats = nats
        self.registry = registry
        let id = config.auctioneerID ?? "\(ProcessInfo.processInfo.hostName)-\(UUID().uuidString.prefix(8).lowercased())"
        lock = ConvergerLock(holder: id, ttl: config.lockTTL)
        inFlight = InFlightStarts(timeout: config.inFlightTimeout)
        performer = CellPerformer(nats: nats, timeout: config.performTimeout)
        status = Mutex(ConvergerStatus(holder: id))
        quietUntil = Mutex(.now + config.startupGrace)
        (doorbell, bell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The subject every write to the apps' bucket is published on (JetStream KV keeps each key's
    /// values as messages on `$KV.<bucket>.<key>`; a plain subscriber sees them as they are written).
    static let appWrites = "$KV.\(AppStore.bucketName).>"

    /// Asks for a pass soon (a cell reported a change, or was lost, or an app changed).
    func nudge() { bell.yield() }

    /// Runs until cancelled.
    func run() async {
        let changes: NATSSubscription
        let statusRequests: NATSSubscription
        let desired: NATSSubscription
        do {
            changes = try nats.subscribe(Subjects.instanceChanged, bufferSize: 4096)
            statusRequests = try nats.subscribe(Subjects.convergerStatus, bufferSize: 64)
            desired = try nats.subscribe(Self.appWrites, bufferSize: 64)
        } catch {
            logger.error("converger cannot subscribe; apps are not kept running", metadata: ["error": "\(error)"])
            return
        }
        defer {
            changes.unsubscribe()
            statusRequests.unsubscribe()
            desired.unsubscribe()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.lock.run(self.nats, logger: self.logger) { Task.isShuttingDownGracefully } }
            group.addTask { await self.tick() }
            group.addTask {
                for await message in changes {
                    if let report = try? Wire.decode(InstanceReport.self, from: message.payload), self.registry.record(report) {
                        self.nudge()
                    }
                }
            }
            group.addTask {
                // A push, scale, stop or delete is acted on in the next debounce, not the next tick
                // (as Diego's BBS asks for an auction when desired instances change).
                for await _ in desired {
                    self.appChanged.withLock { $0 = true }
                    self.nudge()
                }
            }
            group.addTask {
                for await message in statusRequests where self.lock.isHeld() {
                    guard let replyTo = message.replyTo else { continue }
                    try? self.nats.publish(replyTo, Wire.encode(self.status.withLock { $0 }))
                }
            }
            group.addTask { await self.passes() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Rings for a pass every `convergeInterval`, and as soon as a quiet period ends; keeps the
    /// converger quiet for `startupGrace` after NATS was seen disconnected (cells' heartbeats
    /// were lost meanwhile).
    private func tick() async {
        var next = ContinuousClock.now
        var wasQuiet = true
        while (try? await Task.sleep(for: .milliseconds(100))) != nil {
            let now = ContinuousClock.now
            if !nats.isConnected { quietUntil.withLock { $0 = max($0, now + config.startupGrace) } }
            let quiet = now < quietUntil.withLock { $0 }
            defer { wasQuiet = quiet }
            if now >= next || (wasQuiet && !quiet) {
                nudge()
                next = now + config.convergeInterval
            }
        }
    }

    private func passes() async {
        var reader: AppsReader?
        var memory = Memory()
        var hurry = false
        for await _ in doorbell {
            // A pass that left starts for the next one is followed at once: no reports to gather.
            if !hurry {
                let debounce = appChanged.withLock { $0 } ? config.appChangeDebounce : config.convergeDebounce
                guard (try? await Task.sleep(for: debounce)) != nil else { return }
            }
            hurry = false
            appChanged.withLock { $0 = false }
            let now = ContinuousClock.now
            guard lock.isHeld(at: now), nats.isConnected, now >= quietUntil.withLock({ $0 }) else { continue }
            do {
                let apps: AppsReader
                if let reader { apps = reader } else {
                    apps = try await AppsReader.open(nats)
                    reader = apps
                }
                hurry = await pass(try await apps.all(), memory: &memory, began: now)
                if hurry { nudge() }
                memory.storeTrouble = false
            } catch {
                if !memory.storeTrouble {
                    logger.warning("converger cannot read the apps from the \(AppStore.bucketName) bucket; retrying every pass",
                                   metadata: ["error": "\(error)"])
                }
                memory.storeTrouble = true
            }
        }
    }

    /// What passes remember between them.
    struct Memory {
        /// Stops (and forgets) sent recently, by instance guid: not sent again while a cell acts on them.
        var sentStops: [String: ContinuousClock.Instant] = [:]
        /// The placement error last logged per app, and when.
        var loggedErrors: [String: (error: String, at: ContinuousClock.Instant)] = [:]
        var storeTrouble = false
    }

    /// One pass over `apps` (read from the bucket from `began` on); true when it left starts for
    /// the next pass (more than `maxStartsPerPass`).
    @discardableResult
    func pass(_ apps: [AppRecord], memory: inout Memory, began: ContinuousClock.Instant = .now) async -> Bool {
        guard lock.isHeld() else { return false }
        let clock = ContinuousClock.now
        let cells = registry.snapshot()
        var pending: [InFlightStart] = []
        if inFlight.count > 0 {
            var reported = Set<String>()
            for cell in cells { for report in cell.lrps { reported.insert(report.instanceGUID) } }
            pending = inFlight.settle(reported: { reported.contains($0) })
        }
        let now = Date().timeIntervalSince1970
        let plan = Convergence.plan(apps: apps, cells: cells, inFlight: pending, policy: config.crashPolicy, now: now)
        let planned = ContinuousClock.now

        memory.sentStops = memory.sentStops.filter { clock - $0.value < config.inFlightTimeout }
        let stops = plan.stops.filter { memory.sentStops[$0.instanceGUID] == nil }
        let forgets = plan.forget.filter { memory.sentStops[$0.instanceGUID] == nil }
        send(stops + forgets)
        for stop in stops + forgets { memory.sentStops[stop.instanceGUID] = clock }

        let byName = Dictionary(apps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let outcome = await start(plan.starts.prefix(config.maxStartsPerPass), apps: byName)
        for (app, error) in outcome.errors.sorted(by: { $0.key < $1.key }) {
            if let logged = memory.loggedErrors[app], logged.error == error, clock - logged.at < config.placementErrorLogInterval {
                continue
            }
            memory.loggedErrors[app] = (error, clock)
            logger.warning("converge: cannot place instances of \(app): \(error)")
        }
        let took = ContinuousClock.now - began
        status.withLock {
            $0.lastPassAt = now
            $0.lastPassSeconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            $0.waiting = plan.waiting
            $0.gaveUp = plan.gaveUp
            $0.placementErrors = outcome.errors
            $0.inFlight = inFlight.count
        }
        let deferred = max(0, plan.starts.count - config.maxStartsPerPass)
        if !outcome.started.isEmpty || !stops.isEmpty || !forgets.isEmpty || deferred > 0 {
            let phases = PassPhases(reading: clock - began, planning: planned - clock, offering: outcome.offering,
                                    placing: outcome.placing, performing: outcome.performing, total: took)
            logger.info("\(Self.summary(started: outcome.started, stopped: stops.count, forgot: forgets.count, deferred: deferred, waiting: plan.waiting, now: now))",
                        metadata: ["took": "\(phases)"])
        }
        return deferred > 0
    }

    /// `converge: started 2 (web/0 on c1, web/1 on c2), stopped 1, 1 waiting on crash backoff (next in 28 s)`.
    static func summary(started: [(InstanceDefinition, String)], stopped: Int, forgot: Int, deferred: Int,
                        waiting: [RestartWait], now: Double) -> String {
        var parts: [String] = []
        if !started.isEmpty {
            let shown = started.prefix(5).map { "\($0.0.app)/\($0.0.index) on \($0.1)" }
            parts.append("started \(started.count) (\(shown.joined(separator: ", "))\(started.count > 5 ? ", …" : ""))")
        }
        if stopped > 0 { parts.append("stopped \(stopped)") }
        if forgot > 0 { parts.append("forgot \(forgot) crashed") }
        if deferred > 0 { parts.append("\(deferred) left for the next pass") }
        if let next = waiting.compactMap(\.restartAt).min() {
            parts.append("\(waiting.count) waiting on crash backoff (next in \(max(0, Int((next - now).rounded(.up)))) s)")
        }
        return "converge: " + parts.joined(separator: ", ")
    }

    /// Sends the stops, one `InstanceStop` per cell and reason.
    private func send(_ stops: [ConvergencePlan.Stop]) {
        var grouped: [String: [String: [String]]] = [:]
        for stop in stops { grouped[stop.cellID, default: [:]][stop.reason, default: []].append(stop.instanceGUID) }
        for (cellID, reasons) in grouped {
            for (reason, guids) in reasons {
                do {
                    try nats.publish(Subjects.stopInstances(cell: cellID), Wire.encode(InstanceStop(instanceGUIDs: guids, reason: reason)))
                } catch {
                    logger.warning("converge: cannot tell cell \(cellID) to stop instances", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// What placing a pass's starts came to.
    struct StartOutcome {
        /// Each instance a cell took, and the cell.
        var started: [(InstanceDefinition, String)] = []
        /// Why instances of an app found no cell, by app name.
        var errors: [String: String] = [:]
        /// Time spent making the instances' definitions, in `Placement.place`, and awaiting cells' answers.
        var offering = Duration.zero
        var placing = Duration.zero
        var performing = Duration.zero
    }

    /// Places the instances and offers them to the chosen cells; what a cell rejects is placed
    /// again, avoiding it, up to `AuctioneerService.rounds` times.
    private func start(_ starts: ArraySlice<ConvergencePlan.Start>, apps: [String: AppRecord]) async -> StartOutcome {
        var outcome = StartOutcome()
        var mark = ContinuousClock.now
        /// The time since `mark`, moving `mark` to now.
        func lap() -> Duration {
            let now = ContinuousClock.now
            defer { mark = now }
            return now - mark
        }
        var urls: [String: String] = [:]  // one signed URL per droplet per pass, not per instance
        var pending = starts.compactMap { start in apps[start.app].flatMap { definition(for: start, of: $0, urls: &urls) } }
        outcome.offering = lap()
        var excluded: [String: Set<String>] = [:]
        var rejections: [String: [String]] = [:]
        for _ in 0..<AuctioneerService.rounds where !pending.isEmpty {
            let byGUID = Dictionary(pending.map { ($0.instanceGUID, $0) }, uniquingKeysWith: { first, _ in first })
            _ = lap()
            let result = Placement.place(pending.map(\.work), on: registry.snapshot(), excluding: excluded)
            registry.apply(result.cells)
            outcome.placing += lap()
            for failure in result.failed {
                let tried = rejections[failure.work.id].map { "; rejected by " + $0.joined(separator: "; ") } ?? ""
                outcome.errors[failure.work.appID] = failure.error.description + tried
            }
            var requests: [String: PerformRequest] = [:]
            for assignment in result.placed {
                if let definition = byGUID[assignment.work.id] { requests[assignment.cellID, default: PerformRequest()].lrps.append(definition) }
            }
            pending = []
            _ = lap()
            let answers = await performer.perform(requests)
            outcome.performing += lap()
            for answer in answers {
                let offered = requests[answer.cellID]?.lrps ?? []
                guard let reply = answer.reply else {
                    // The cell may have taken them: they count as starting until it says or time is up.
                    for definition in offered { inFlight.add(definition.inFlight, on: answer.cellID) }
                    logger.warning("converge: \(answer.failure ?? "no answer"); its \(offered.count) instance(s) count as starting")
                    continue
                }
                let accepted = Set(reply.accepted)
                for definition in offered {
                    if accepted.contains(definition.instanceGUID) {
                        inFlight.add(definition.inFlight, on: answer.cellID)
                        outcome.started.append((definition, answer.cellID))
                    } else {
                        let reason = reply.rejected.first { $0.taskID == definition.instanceGUID }?.reason ?? "no reason given"
                        excluded[definition.instanceGUID, default: []].insert(answer.cellID)
                        rejections[definition.instanceGUID, default: []].append("\(answer.cellID): \(reason)")
                        pending.append(definition)
                    }
                }
            }
        }
        for definition in pending {
            let reasons = rejections[definition.instanceGUID]?.joined(separator: "; ") ?? ""
            outcome.errors[definition.app] = "no cell took instance \(definition.index) after \(AuctioneerService.rounds) rounds: \(reasons)"
        }
        return outcome
    }

    /// The instance to offer for `start`: a new guid, the release's droplet behind a signed URL
    /// (taken from `urls`, by droplet key, or made and kept there).
    func definition(for start: ConvergencePlan.Start, of app: AppRecord, urls: inout [String: String]) -> InstanceDefinition? {
        guard let release = app.releases.first(where: { $0.number == start.release }) else { return nil }
        let url = urls[release.dropletKey] ?? dropletURL(release.dropletKey)
        urls[release.dropletKey] = url
        return InstanceDefinition(
            instanceGUID: UUID().uuidString.lowercased(), app: app.name, appGUID: app.guid, index: start.index,
            release: release.number, stack: release.stack, dropletURL: url,
            dropletSHA256: release.dropletSHA256, dropletSize: release.dropletSize, startCommand: release.startCommand,
            memoryMB: app.memoryMB, diskMB: app.diskMB, healthCheck: app.healthCheck, environment: app.environment,
            crashCount: start.crashCount)
    }

    /// A GET URL for the droplet at `key`: signed when the blobstore has a secret, presigned on S3.
    func dropletURL(_ key: String) -> String {
        guard let blobstore = config.blobstore else { return key }
        return blobstore.signer.url("GET", key: key, validFor: Int(config.dropletURLLifetime.components.seconds))
    }
}

extension InstanceDefinition {
    /// The in-flight record of this instance.
    var inFlight: InFlightStart { InFlightStart(instanceGUID: instanceGUID, app: app, index: index, release: release) }
}
