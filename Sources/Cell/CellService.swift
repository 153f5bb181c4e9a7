import Foundation
import Logging
import NATS
import PipetteCore
import ServiceLifecycle
import Staging
import Transfer

/// `pipette cell`: a Diego-style cell (rep + executor). Heartbeats its state on NATS, reserves
/// capacity for perform requests atomically, and runs staging Tasks in runc on its stacks,
/// streaming builder output to each task's log subject.
///
/// On graceful shutdown it evacuates: it heartbeats `evacuating`, rejects new work, finishes the
/// tasks it holds, says it is gone and exits.
public struct CellService: Service {
    let config: CellConfig
    let home: PipetteHome
    let stacks: CellStacks
    let logger: Logger
    let onReady: @Sendable () async -> Void

    public init(config: CellConfig, home: PipetteHome, stacks: CellStacks, logger: Logger,
                onReady: @escaping @Sendable () async -> Void = {}) {
        self.config = config
        self.home = home
        self.stacks = stacks
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let nats = try await NATSConnection.connect(config.natsURI, options: config.natsOptions, patience: .seconds(30)) { error in
            logger.notice("waiting for NATS (up to 30 s)", metadata: ["error": "\(error)"])
        }
        let ledger = CapacityLedger(total: config.capacity)
        let executor = TaskExecutor(cellID: config.id, home: home, stacks: stacks, transfer: HTTPTransfer(),
                                    maxDownloadBytes: config.maxDownloadBytes, workspaceDirectory: config.workspaceDirectory)
        let leftovers = executor.removeLeftovers()
        if leftovers > 0 {
            logger.notice("removed workspaces an earlier run of this cell left behind", metadata: ["count": "\(leftovers)"])
        }
        let cancels = TaskCancellations()
        let performs = try nats.subscribe(Subjects.perform(cell: config.id), bufferSize: 256)
        let cancelRequests = try nats.subscribe(Subjects.cancel(cell: config.id), bufferSize: 256)
        try await nats.flush()
        heartbeat(nats, ledger: ledger)
        logger.info("cell ready", metadata: [
            "id": "\(config.id)", "zone": "\(config.zone)",
            "stacks": "\(stacks.usable.map { "\($0.stack.name) (\($0.stack.arch))" }.joined(separator: ", "))",
        ])
        await onReady()

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await beat(nats, ledger: ledger) }
            group.addTask {
                for await message in cancelRequests {
                    if let cancel = try? Wire.decode(TaskCancel.self, from: message.payload) { cancels.cancel(cancel.taskID) }
                }
            }
            group.addTask { await evacuateOnShutdown(nats, ledger: ledger, performs: performs) }
            for await message in performs {
                let tasks = accept(message, nats: nats, ledger: ledger)
                for task in tasks {
                    group.addTask { await perform(task, nats: nats, ledger: ledger, executor: executor, cancels: cancels) }
                }
            }
            cancelRequests.unsubscribe()
            group.cancelAll()
        }
        await nats.drain()
        Workspace.remove(executor.workspaces)
        logger.info("cell stopped", metadata: ["id": "\(config.id)"])
    }

    /// Reserves capacity for what fits and answers which tasks were taken.
    private func accept(_ message: NATSMessage, nats: NATSConnection, ledger: CapacityLedger) -> [TaskDefinition] {
        let reply: PerformReply
        var accepted: [TaskDefinition] = []
        do {
            let request = try Wire.decode(PerformRequest.self, from: message.payload)
            reply = ledger.reserve(request.tasks, cellID: config.id) { stacks.rootfs(of: $0) != nil }
            accepted = request.tasks.filter { reply.accepted.contains($0.taskID) }
        } catch {
            logger.notice("malformed perform request", metadata: ["error": "\(error)"])
            reply = PerformReply()
        }
        if let replyTo = message.replyTo { try? nats.publish(replyTo, Wire.encode(reply)) }
        if !accepted.isEmpty { heartbeat(nats, ledger: ledger) }
        return accepted
    }

    /// Runs one task, publishing its log lines and then its completion; releases its capacity.
    private func perform(_ task: TaskDefinition, nats: NATSConnection, ledger: CapacityLedger,
                         executor: TaskExecutor, cancels: TaskCancellations) async {
        logger.info("task started", metadata: ["task": "\(task.taskID)", "app": "\(task.appID)", "stack": "\(task.stack)"])
        let completion = await cancels.run(task.taskID) {
            await executor.run(task) { line in try? nats.publish(task.logSubject, line) }
        } onCancel: {
            TaskCompletion(taskID: task.taskID, cellID: config.id, error: "Staging was cancelled on cell \(config.id)")
        }
        try? nats.publish(task.doneSubject, Wire.encode(completion))
        ledger.release(task.taskID)
        heartbeat(nats, ledger: ledger)
        logger.info("task finished", metadata: [
            "task": "\(task.taskID)", "error": "\(completion.error ?? "none")",
        ])
    }

    private func beat(_ nats: NATSConnection, ledger: CapacityLedger) async {
        while (try? await Task.sleep(for: config.heartbeatInterval)) != nil {
            heartbeat(nats, ledger: ledger)
        }
    }

    private func heartbeat(_ nats: NATSConnection, ledger: CapacityLedger) {
        try? nats.publish(Subjects.heartbeat, Wire.encode(state(ledger)))
    }

    func state(_ ledger: CapacityLedger) -> CellState {
        let now = ledger.snapshot()
        return CellState(
            id: config.id, zone: config.zone, stacks: stacks.advertised, tags: config.tags, total: config.capacity,
            available: now.available, tasks: now.tasks, evacuating: now.evacuating,
            heartbeatIntervalMs: config.heartbeatInterval.wholeMilliseconds)
    }

    /// SIGTERM: stop bidding, finish the tasks held, say goodbye, end the perform loop.
    private func evacuateOnShutdown(_ nats: NATSConnection, ledger: CapacityLedger, performs: NATSSubscription) async {
        guard (try? await gracefulShutdown()) != nil else { return }
        if ledger.evacuate() {
            logger.info("cell evacuating: no new work; finishing the tasks it holds", metadata: ["id": "\(config.id)"])
        }
        heartbeat(nats, ledger: ledger)
        while !ledger.isIdle, (try? await Task.sleep(for: .milliseconds(100))) != nil {}
        try? nats.publish(Subjects.cellGone, Wire.encode(CellLoss(cellID: config.id, reason: "evacuated")))
        performs.drain()
    }
}

extension CellService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "CellService" }
}
