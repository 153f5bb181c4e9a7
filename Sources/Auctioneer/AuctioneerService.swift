import Logging
import NATS
import PipetteCore
import ServiceLifecycle
import Synchronization

/// `pipette auctioneer`: keeps the cell registry from heartbeats, drops cells that miss three,
/// and places Tasks: requests arriving close together are placed as one batch with `Placement`,
/// then offered to the chosen cells; work a cell rejects is placed again on the next best.
/// With `config.blobstore` set it also runs the ``Converger``, which keeps apps running.
public struct AuctioneerService: Service {
    /// Rounds of place → perform → re-place a batch gets before the leftovers are refused.
    static let rounds = 4

    let config: AuctioneerConfig
    let logger: Logger
    let onReady: @Sendable () async -> Void
    /// When this auctioneer started: in its first moments it has not heard every cell yet.
    let started = ContinuousClock.now

    public init(config: AuctioneerConfig, logger: Logger, onReady: @escaping @Sendable () async -> Void = {}) {
        self.config = config
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        guard let nats = try await NATSConnection.forService(config.natsURI, options: config.natsOptions.inboxes(BusRole.auctioneer.inboxPrefix),
                                                             logger: logger) else { return }
        let registry = CellRegistry(missedHeartbeats: config.missedHeartbeats)
        let pending = PendingPlacements(limit: config.maxPending)
        let queue = WaitingTasks()
        let placed = RecentPlacements()
        let heartbeats = try nats.subscribe([Subjects.heartbeat, Subjects.cellGone], bufferSize: 4096, onOverflow: { message in
            logger.debug("heartbeat dropped: auctioneer behind", metadata: ["subject": "\(message.subject)"])
        })
        let placements = try nats.subscribe(Subjects.placeTask, queue: "auctioneers", bufferSize: 4096)
        let listings = try nats.subscribe(Subjects.cells, bufferSize: 64)
        let cancels = try nats.subscribe(Subjects.cancelPlacement, bufferSize: 1024)
        let converger = config.blobstore == nil ? nil : Converger(config: config, logger: logger, nats: nats, registry: registry)
        try await nats.flush()
        // Cells that started first heartbeat now rather than at their next interval.
        try nats.publish(Subjects.announce, [UInt8]())
        logger.info("auctioneer ready", metadata: ["nats": "\(NATSURL.redacted(config.natsURI))"])
        await onReady()

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await track(heartbeats, registry: registry) { update in
                        if !queue.isEmpty { pending.ring() }
                        if update.instancesChanged { converger?.nudge() }
                    }
                }
                group.addTask {
                    await sweep(registry, nats: nats, onLoss: { converger?.nudge() }) { expireWaiting(queue, nats: nats) }
                }
                if let converger {
                    group.addTask { await converger.run() }
                }
                group.addTask {
                    for await message in cancels {
                        guard let cancel = try? Wire.decode(TaskCancel.self, from: message.payload),
                              let entry = queue.withLock({ $0.remove(taskID: cancel.taskID) }) else { continue }
                        answer(entry.message, TaskPlacementReply(error: "placement of task \(cancel.taskID) was cancelled"), nats: nats)
                    }
                }
                group.addTask {
                    for await message in listings {
                        if let replyTo = message.replyTo { try? nats.publish(replyTo, Wire.encode(registry.snapshot())) }
                    }
                }
                group.addTask {
                    for await message in placements where !pending.add(message) {
                        answer(message, TaskPlacementReply(error: "auctioneer busy: \(config.maxPending) placements waiting; retry later"), nats: nats)
                    }
                    pending.close()
                }
                group.addTask {
                    for await _ in pending.doorbell {
                        if config.batchWindow > .zero { try? await Task.sleep(for: config.batchWindow) }
                        let batch = pending.takeAll()
                        if !batch.isEmpty || !queue.isEmpty {
                            await auction(batch, queue: queue, placed: placed, registry: registry, nats: nats)
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            placements.drain()
            heartbeats.unsubscribe()
            listings.unsubscribe()
            cancels.unsubscribe()
        }
        await nats.drain()
        logger.info("auctioneer stopped")
    }

    /// Keeps the registry from heartbeats; `onChange` runs after each heartbeat taken (and after
    /// a cell left, as a change of its instances).
    private func track(_ heartbeats: NATSSubscription, registry: CellRegistry, onChange: (CellRegistry.Update) -> Void) async {
        for await message in heartbeats {
            if message.subject == Subjects.cellGone {
                if let gone = try? Wire.decode(CellLoss.self, from: message.payload), registry.remove(gone.cellID) {
                    logger.info("cell left", metadata: ["cell": "\(gone.cellID)", "reason": "\(gone.reason)"])
                    onChange(CellRegistry.Update(instancesChanged: true))
                }
                continue
            }
            do {
                let state = try Wire.decode(CellState.self, from: message.payload)
                let update = registry.take(state)
                if update.joined {
                    logger.info("cell joined", metadata: [
                        "cell": "\(state.id)", "zone": "\(state.zone)",
                        "stacks": "\(state.stacks.map(\.name).joined(separator: ","))",
                    ])
                }
                onChange(update)
            } catch {
                logger.notice("ignoring a malformed heartbeat", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Drops cells that went silent and tells whoever waits on their work; `onLoss` runs after
    /// a sweep that dropped some.
    private func sweep(_ registry: CellRegistry, nats: NATSConnection, onLoss: () -> Void, also: () -> Void) async {
        while (try? await Task.sleep(for: .milliseconds(100))) != nil {
            also()
            let lost = registry.expire()
            if !lost.isEmpty { onLoss() }
            for (id, silence) in lost {
                let reason = "missed \(config.missedHeartbeats) heartbeats (silent for \(silence.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))"
                logger.warning("cell lost", metadata: ["cell": "\(id)", "reason": "\(reason)"])
                try? nats.publish(Subjects.cellLost, Wire.encode(CellLoss(cellID: id, reason: reason)))
            }
        }
    }

    /// Places what waits and what just arrived, in arrival order: place, offer to cells, re-place
    /// what they rejected on the next best. A Task that finds every cell that could take it full
    /// waits (when its request allows) and is tried again whenever a heartbeat shows a change;
    /// Tasks behind it for the same stack wait behind it.
    ///
    /// A Task asked for again (its stager heard no answer: the request or the answer may have
    /// been lost with a NATS node) is never placed twice: one placed recently is answered with
    /// its cell, one still waiting keeps its place and answers the newest request.
    func auction(_ batch: [NATSMessage], queue: WaitingTasks, placed: RecentPlacements, registry: CellRegistry,
                 nats: NATSConnection) async {
        let now = ContinuousClock.now
        // Those whose time ran out are told so before anything is tried again (a heartbeat can
        // start a pass before the sweep has expired them).
        expireWaiting(queue, nats: nats, at: now)
        var candidates = queue.withLock { $0.takeAll() }
        var known = Set(candidates.map(\.task.taskID))
        for message in batch {
            do {
                let request = try Wire.decode(TaskPlacementRequest.self, from: message.payload)
                if let cellID = placed.cell(of: request.task.taskID) {
                    logger.info("task asked for again: answering with the cell it was placed on", metadata: [
                        "task": "\(request.task.taskID)", "cell": "\(cellID)"])
                    answer(message, TaskPlacementReply(cellID: cellID), nats: nats)
                    continue
                }
                guard known.insert(request.task.taskID).inserted else {
                    if let index = candidates.firstIndex(where: { $0.task.taskID == request.task.taskID }) {
                        candidates[index].message = message
                    } else {
                        answer(message, TaskPlacementReply(error: "task \(request.task.taskID) is already being placed"), nats: nats)
                    }
                    continue
                }
                let wait = request.waitSeconds.flatMap { $0 > 0 ? now + .seconds($0) : nil }
                candidates.append(CapacityQueue.Entry(task: request.task, message: message, excluded: Set(request.exclude),
                                                      deadline: wait, arrived: now, sequence: queue.withLock { $0.ticket() }))
            } catch {
                answer(message, TaskPlacementReply(error: error.description), nats: nats)
            }
        }
        var waiting: [CapacityQueue.Entry] = []
        for _ in 0..<Self.rounds where !candidates.isEmpty {
            var cells = registry.snapshot()
            var blocked = Set<String>()
            var offers: [String: [CapacityQueue.Entry]] = [:]
            for var entry in candidates {
                if blocked.contains(entry.task.stack) {
                    waiting.append(entry)
                    continue
                }
                let result = Placement.place([entry.task.work], on: cells, excluding: [entry.task.taskID: entry.excluded])
                if let assignment = result.placed.first {
                    cells = result.cells
                    offers[assignment.cellID, default: []].append(entry)
                } else if let failure = result.failed.first {
                    entry.reason = failure.error.description
                    if canWait(entry, failure.error, cells: cells, now: now) {
                        blocked.insert(entry.task.stack)
                        waiting.append(entry)
                    } else {
                        let tried = entry.rejections.isEmpty ? "" : "; rejected by " + entry.rejections.joined(separator: "; ")
                        answer(entry.message, TaskPlacementReply(error: entry.reason + tried), nats: nats)
                    }
                }
            }
            registry.apply(cells)
            candidates = []
            for (cellID, reply) in await perform(offers.mapValues { $0.map(\.task) }, nats: nats) {
                for var entry in offers[cellID] ?? [] {
                    if reply.accepted.contains(entry.task.taskID) {
                        logger.info("task placed", metadata: ["task": "\(entry.task.taskID)", "cell": "\(cellID)",
                                                              "stack": "\(entry.task.stack)"])
                        placed.record(entry.task.taskID, on: cellID)
                        answer(entry.message, TaskPlacementReply(cellID: cellID), nats: nats)
                    } else {
                        let reason = reply.rejected.first { $0.taskID == entry.task.taskID }?.reason ?? "no answer"
                        entry.excluded.insert(cellID)
                        entry.rejections.append(reason)
                        entry.reason = reason
                        candidates.append(entry)
                    }
                }
            }
            candidates.sort { $0.sequence < $1.sequence }
        }
        for entry in candidates {
            if let deadline = entry.deadline, deadline > now {
                // Cells turned it down (full after all): it waits, but no longer avoids them.
                var retry = entry
                retry.excluded = []
                waiting.append(retry)
            } else {
                let reasons = entry.rejections.joined(separator: "; ")
                answer(entry.message, TaskPlacementReply(
                    error: "no cell took task \(entry.task.taskID) after \(Self.rounds) rounds: \(reasons)"), nats: nats)
            }
        }
        // The queue is bounded: past `maxWaiting` the newest are answered at once (in arrival order
        // the oldest keep their places).
        waiting.sort { $0.sequence < $1.sequence }
        let overflow = waiting.count > config.maxWaiting ? Array(waiting[config.maxWaiting...]) : []
        waiting.removeLast(overflow.count)
        for entry in overflow {
            answer(entry.message, TaskPlacementReply(
                error: "auctioneer busy: \(config.maxWaiting) tasks already wait for a cell with room; retry later (\(entry.reason))"),
                nats: nats)
        }
        let changes = queue.withLock { queue in
            queue.insert(waiting)
            return queue.positionChanges()
        }
        for (entry, ahead) in changes {
            let wait = PlacementWait(stack: entry.task.stack, ahead: ahead, reason: entry.reason)
            try? nats.publish(entry.task.waitingSubject, Wire.encode(wait))
        }
    }

    /// Whether a Task that found no cell may wait for one: its request allows it, and the cells it
    /// needs are there but full — or the auctioneer has only just started and has not heard every
    /// cell yet.
    private func canWait(_ entry: CapacityQueue.Entry, _ error: PlacementError, cells: [CellState],
                         now: ContinuousClock.Instant) -> Bool {
        guard let deadline = entry.deadline, deadline > now else { return false }
        switch error {
        case .insufficientResources:
            return Placement.couldEverFit(entry.task.work, on: cells)
        case .noCells, .noCellWithStack, .noCellWithTags:
            return now - started < config.startupGrace
        case .noAvailableCell:
            return false
        }
    }

    /// Answers the waiting Tasks whose time is up, saying what they waited for.
    private func expireWaiting(_ queue: WaitingTasks, nats: NATSConnection, at now: ContinuousClock.Instant = .now) {
        for entry in queue.withLock({ $0.expire(at: now) }) {
            let waited = Int((now - entry.arrived).components.seconds)
            let error = "Waited \(waited) seconds for a cell with room for stack \(entry.task.stack) and none freed up "
                + "(\(entry.reason))"
            logger.info("task gave up waiting for a cell", metadata: ["task": "\(entry.task.taskID)", "waited_s": "\(waited)"])
            answer(entry.message, TaskPlacementReply(error: error), nats: nats)
        }
    }

    /// Offers each cell its tasks at once; a cell that does not answer rejects them all.
    private func perform(_ offers: [String: [TaskDefinition]], nats: NATSConnection) async -> [(String, PerformReply)] {
        let performer = CellPerformer(nats: nats, timeout: config.performTimeout)
        return await performer.perform(offers.mapValues { PerformRequest(tasks: $0) }).map { outcome in
            (outcome.cellID, outcome.reply(rejectingAll: offers[outcome.cellID]?.map(\.taskID) ?? []))
        }
    }

    private func answer(_ message: NATSMessage, _ reply: TaskPlacementReply, nats: NATSConnection) {
        guard let replyTo = message.replyTo else { return }
        do {
            try nats.publish(replyTo, Wire.encode(reply))
        } catch {
            logger.error("cannot answer a placement request", metadata: ["error": "\(error)"])
        }
    }
}

extension AuctioneerService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "AuctioneerService" }
}
