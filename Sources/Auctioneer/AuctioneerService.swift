import Logging
import NATS
import PipetteCore
import ServiceLifecycle

/// `pipette auctioneer`: keeps the cell registry from heartbeats, drops cells that miss three,
/// and places Tasks: requests arriving close together are placed as one batch with `Placement`,
/// then offered to the chosen cells; work a cell rejects is placed again on the next best.
public struct AuctioneerService: Service {
    /// Rounds of place → perform → re-place a batch gets before the leftovers are refused.
    static let rounds = 4

    let config: AuctioneerConfig
    let logger: Logger
    let onReady: @Sendable () async -> Void

    public init(config: AuctioneerConfig, logger: Logger, onReady: @escaping @Sendable () async -> Void = {}) {
        self.config = config
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let nats = try await NATSConnection.connect(config.natsURI)
        let registry = CellRegistry(missedHeartbeats: config.missedHeartbeats)
        let pending = PendingPlacements(limit: config.maxPending)
        let heartbeats = try nats.subscribe([Subjects.heartbeat, Subjects.cellGone], bufferSize: 4096, onOverflow: { message in
            logger.debug("heartbeat dropped: auctioneer behind", metadata: ["subject": "\(message.subject)"])
        })
        let placements = try nats.subscribe(Subjects.placeTask, queue: "auctioneers", bufferSize: 4096)
        let listings = try nats.subscribe(Subjects.cells, bufferSize: 64)
        try await nats.flush()
        logger.info("auctioneer ready", metadata: ["nats": "\(config.natsURI)"])
        await onReady()

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await track(heartbeats, registry: registry) }
                group.addTask { await sweep(registry, nats: nats) }
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
                        if !batch.isEmpty { await auction(batch, registry: registry, nats: nats) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            placements.drain()
            heartbeats.unsubscribe()
            listings.unsubscribe()
        }
        await nats.drain()
        logger.info("auctioneer stopped")
    }

    private func track(_ heartbeats: NATSSubscription, registry: CellRegistry) async {
        for await message in heartbeats {
            if message.subject == Subjects.cellGone {
                if let gone = try? Wire.decode(CellLoss.self, from: message.payload), registry.remove(gone.cellID) {
                    logger.info("cell left", metadata: ["cell": "\(gone.cellID)", "reason": "\(gone.reason)"])
                }
                continue
            }
            do {
                let state = try Wire.decode(CellState.self, from: message.payload)
                if registry.update(state) {
                    logger.info("cell joined", metadata: [
                        "cell": "\(state.id)", "zone": "\(state.zone)",
                        "stacks": "\(state.stacks.map(\.name).joined(separator: ","))",
                    ])
                }
            } catch {
                logger.notice("ignoring a malformed heartbeat", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Drops cells that went silent and tells whoever waits on their work.
    private func sweep(_ registry: CellRegistry, nats: NATSConnection) async {
        while (try? await Task.sleep(for: .milliseconds(100))) != nil {
            for (id, silence) in registry.expire() {
                let reason = "missed \(config.missedHeartbeats) heartbeats (silent for \(silence.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))"
                logger.warning("cell lost", metadata: ["cell": "\(id)", "reason": "\(reason)"])
                try? nats.publish(Subjects.cellLost, Wire.encode(CellLoss(cellID: id, reason: reason)))
            }
        }
    }

    /// Places one batch: place, offer to cells, re-place what they rejected on the next best.
    func auction(_ batch: [NATSMessage], registry: CellRegistry, nats: NATSConnection) async {
        var waiting: [String: (task: TaskDefinition, message: NATSMessage)] = [:]
        var excluded: [String: Set<String>] = [:]
        var rejections: [String: [String]] = [:]
        for message in batch {
            do {
                let request = try Wire.decode(TaskPlacementRequest.self, from: message.payload)
                guard waiting[request.task.taskID] == nil else {
                    answer(message, TaskPlacementReply(error: "task \(request.task.taskID) is already being placed"), nats: nats)
                    continue
                }
                waiting[request.task.taskID] = (request.task, message)
                excluded[request.task.taskID] = Set(request.exclude)
            } catch {
                answer(message, TaskPlacementReply(error: error.description), nats: nats)
            }
        }
        for _ in 0..<Self.rounds where !waiting.isEmpty {
            let result = Placement.place(waiting.values.map(\.task.work), on: registry.snapshot(), excluding: excluded)
            registry.apply(result.cells)
            for failure in result.failed {
                guard let entry = waiting.removeValue(forKey: failure.work.id) else { continue }
                let tried = rejections[failure.work.id].map { "; rejected by " + $0.joined(separator: "; ") } ?? ""
                answer(entry.message, TaskPlacementReply(error: failure.error.description + tried), nats: nats)
            }
            let offers = Dictionary(grouping: result.placed, by: \.cellID).mapValues { assignments in
                assignments.compactMap { waiting[$0.work.id]?.task }
            }
            for (cellID, reply) in await perform(offers, nats: nats) {
                for taskID in reply.accepted {
                    guard let entry = waiting.removeValue(forKey: taskID) else { continue }
                    logger.info("task placed", metadata: ["task": "\(taskID)", "cell": "\(cellID)", "stack": "\(entry.task.stack)"])
                    answer(entry.message, TaskPlacementReply(cellID: cellID), nats: nats)
                }
                for rejection in reply.rejected {
                    excluded[rejection.taskID, default: []].insert(cellID)
                    rejections[rejection.taskID, default: []].append(rejection.reason)
                }
            }
        }
        for (taskID, entry) in waiting {
            let reasons = rejections[taskID]?.joined(separator: "; ") ?? "no answer"
            answer(entry.message, TaskPlacementReply(error: "no cell took task \(taskID) after \(Self.rounds) rounds: \(reasons)"), nats: nats)
        }
    }

    /// Offers each cell its tasks at once; a cell that does not answer rejects them all.
    private func perform(_ offers: [String: [TaskDefinition]], nats: NATSConnection) async -> [(String, PerformReply)] {
        await withTaskGroup(of: (String, PerformReply).self) { group in
            for (cellID, tasks) in offers {
                group.addTask {
                    do {
                        let answer = try await nats.request(Subjects.perform(cell: cellID), Wire.encode(PerformRequest(tasks: tasks)),
                                                            timeout: config.performTimeout)
                        return (cellID, try Wire.decode(PerformReply.self, from: answer.payload))
                    } catch {
                        let reason = "cell \(cellID) did not answer (\(error))"
                        return (cellID, PerformReply(rejected: tasks.map { .init(taskID: $0.taskID, reason: reason) }))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
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
