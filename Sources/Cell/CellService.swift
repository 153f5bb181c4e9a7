import Container
import Foundation
import Logging
import NATS
import PipetteCore
import ServiceLifecycle
import Staging
import Transfer

/// `pipette cell`: a Diego-style cell (rep + executor). Heartbeats its state on NATS, reserves
/// capacity for perform requests atomically, runs staging Tasks in runc on its stacks (streaming
/// builder output to each task's log subject) and app instances (LRPs) until they crash or are
/// stopped, reporting every change on `Subjects.instanceChanged` and in heartbeats.
///
/// At start it removes whatever an earlier run of itself left (containers, networks, ports).
/// On graceful shutdown it evacuates: it heartbeats `evacuating`, rejects new work, finishes the
/// tasks it holds, keeps its instances running until the converger stops them (having started
/// replacements elsewhere) or `evacuationTimeout` passes, stops the rest, says it is gone and exits.
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

    /// What the parts of a running cell share.
    struct Parts: Sendable {
        let nats: NATSConnection
        let ledger: CapacityLedger
        let executor: TaskExecutor
        let instances: InstanceExecutor
        let registry: InstanceRegistry
        let cancels: TaskCancellations
    }

    public func run() async throws {
        guard let nats = try await NATSConnection.forService(config.natsURI, options: config.natsOptions.inboxes(BusRole.cell.inboxPrefix),
                                                             logger: logger) else { return }
        let sweeper = WorkspaceSweeper()
        let executor = TaskExecutor(cellID: config.id, home: home, stacks: stacks, transfer: HTTPTransfer(),
                                    maxDownloadBytes: config.maxDownloadBytes, workspaceDirectory: config.workspaceDirectory,
                                    sweeper: sweeper)
        let parts = Parts(
            nats: nats, ledger: CapacityLedger(total: config.capacity), executor: executor,
            instances: InstanceExecutor(
                config: config, home: home, stacks: stacks,
                droplets: DropletCache(directory: executor.workspaces.appendingPathComponent("droplets"),
                                       transfer: HTTPTransfer(), maxBytes: config.maxDownloadBytes),
                ports: HostPorts(range: config.portRange, directory: config.portLockDirectory, cellID: config.id),
                network: CNINetwork(subnet: config.containerSubnet, pluginDirectory: config.cniPluginDirectory),
                folder: executor.workspaces.appendingPathComponent("instances")),
            registry: InstanceRegistry(), cancels: TaskCancellations())
        let routes = RouteEmitter(config: config, nats: nats, registry: parts.registry, logger: logger)
        let adopted = await parts.instances.removeLeftovers()
        if adopted > 0 {
            logger.notice("removed app instances an earlier run of this cell left behind", metadata: ["count": "\(adopted)"])
        }
        let leftovers = executor.removeLeftovers()
        if leftovers > 0 {
            logger.notice("removed workspaces an earlier run of this cell left behind", metadata: ["count": "\(leftovers)"])
        }
        let performs = try nats.subscribe(Subjects.perform(cell: config.id), bufferSize: 256)
        let cancelRequests = try nats.subscribe(Subjects.cancel(cell: config.id), bufferSize: 256)
        let stopRequests = try nats.subscribe(Subjects.stopInstances(cell: config.id), bufferSize: 256)
        let announcements = try nats.subscribe(Subjects.announce, bufferSize: 4)
        try await nats.flush()
        heartbeat(parts)
        logger.info("cell ready", metadata: [
            "id": "\(config.id)", "zone": "\(config.zone)",
            "stacks": "\(stacks.usable.map { "\($0.stack.name) (\($0.stack.arch))" }.joined(separator: ", "))",
        ])
        await onReady()

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await beat(parts) }
            group.addTask { await sweeper.run() }
            group.addTask { await routes.run() }
            group.addTask {
                for await message in cancelRequests {
                    if let cancel = try? Wire.decode(TaskCancel.self, from: message.payload) { parts.cancels.cancel(cancel.taskID) }
                }
            }
            group.addTask {
                for await message in stopRequests { stop(message, parts) }
            }
            group.addTask {
                // A starting auctioneer asks: it learns this cell now, not at the next heartbeat.
                for await _ in announcements { heartbeat(parts) }
            }
            group.addTask { await evacuateOnShutdown(parts, performs: performs) }
            for await message in performs {
                let (tasks, lrps) = accept(message, parts)
                for task in tasks {
                    group.addTask { await perform(task, parts) }
                }
                for instance in lrps {
                    group.addTask { await runInstance(instance, parts) }
                }
            }
            cancelRequests.unsubscribe()
            stopRequests.unsubscribe()
            announcements.unsubscribe()
            group.cancelAll()
        }
        await nats.drain()
        Workspace.remove(executor.workspaces.appendingPathComponent("instances"))
        ContainerCgroup.remove(path: parts.instances.cellCgroupPath)
        _ = executor.removeLeftovers()
        // Nothing left behind: the cell's folder goes too when nothing is cached in it (the
        // droplet cache's folder is made again when a droplet is next fetched).
        rmdir(executor.workspaces.appendingPathComponent("droplets").path)
        rmdir(executor.workspaces.path)
        logger.info("cell stopped", metadata: ["id": "\(config.id)"])
    }

    /// Reserves capacity for what fits and answers which tasks and instances were taken.
    private func accept(_ message: NATSMessage, _ parts: Parts) -> (tasks: [TaskDefinition], lrps: [InstanceDefinition]) {
        let reply: PerformReply
        var tasks: [TaskDefinition] = []
        var lrps: [InstanceDefinition] = []
        do {
            let request = try Wire.decode(PerformRequest.self, from: message.payload)
            reply = parts.ledger.reserve(request.tasks.map(\.work) + request.lrps.map(\.work), cellID: config.id) {
                stacks.rootfs(of: $0) != nil
            }
            let accepted = Set(reply.accepted)
            tasks = request.tasks.filter { accepted.contains($0.taskID) }
            lrps = request.lrps.filter { accepted.contains($0.instanceGUID) }
        } catch {
            logger.notice("malformed perform request", metadata: ["error": "\(error)"])
            reply = PerformReply()
        }
        // Known before the reply goes: a heartbeat right after it already shows the instances.
        let now = Date().timeIntervalSince1970
        for instance in lrps {
            parts.registry.add(InstanceReport(
                instanceGUID: instance.instanceGUID, app: instance.app, appGUID: instance.appGUID, index: instance.index,
                release: instance.release, cellID: config.id, state: .starting, host: config.advertiseHost, since: now,
                crashCount: instance.crashCount))
        }
        if let replyTo = message.replyTo { try? parts.nats.publish(replyTo, Wire.encode(reply)) }
        for rejection in reply.rejected {
            logger.info("work rejected", metadata: ["id": "\(rejection.taskID)", "reason": "\(rejection.reason)"])
        }
        for instance in lrps {
            if let report = parts.registry.reports.first(where: { $0.instanceGUID == instance.instanceGUID }) {
                try? parts.nats.publish(Subjects.instanceChanged, Wire.encode(report))
            }
        }
        if !tasks.isEmpty || !lrps.isEmpty { heartbeat(parts) }
        return (tasks, lrps)
    }

    /// Runs one task, publishing its log lines and then its completion; releases its capacity.
    private func perform(_ task: TaskDefinition, _ parts: Parts) async {
        logger.info("task started", metadata: ["task": "\(task.taskID)", "app": "\(task.appID)", "stack": "\(task.stack)"])
        let cancelled = "Staging was cancelled on cell \(config.id)"
        let completion = await parts.cancels.run(task.taskID) {
            await parts.executor.run(task, mayPost: { await mayPost(task, parts) }) { line in
                try? parts.nats.publish(task.logSubject, line)
            }
        } onCancel: {
            TaskCompletion(taskID: task.taskID, cellID: config.id, error: cancelled)
        }
        // Whoever cancelled it is not waiting for an answer; otherwise the staging waits for the
        // completion, so it leaves beside the heartbeat that says the room is free, not after it.
        async let delivered: Void = completion.error == cancelled
            ? { try? parts.nats.publish(task.doneSubject, Wire.encode(completion)) }()
            : deliver(completion, of: task, parts)
        parts.ledger.release(task.taskID)
        heartbeat(parts)
        logger.info("task finished", metadata: [
            "task": "\(task.taskID)", "error": "\(completion.error ?? "none")",
        ])
        await delivered
    }

    /// Whether the stager grants this cell the droplet's POST to the cloud controller; no answer
    /// within 2 s (an older stager, a lost message) is a no: the stager then relays the droplet.
    private func mayPost(_ task: TaskDefinition, _ parts: Parts) async -> Bool {
        guard let key = task.dropletKey else { return false }
        let ask = Wire.encode(DropletPostAsk(taskID: task.taskID, cellID: config.id, dropletKey: key))
        guard let answer = try? await parts.nats.request(task.postSubject, ask, timeout: .seconds(2)),
              let grant = try? Wire.decode(DropletPostGrant.self, from: answer.payload) else { return false }
        return grant.granted
    }

    /// Sends a task's completion until the stager following it acknowledges it: a message passing
    /// through a NATS node as it dies is lost, and a lost completion would keep the staging
    /// waiting for its whole timeout. Gives up after `config.completionDeliveryLimit`, or sooner
    /// when nobody follows the task any more (the stager took it and its acknowledgement was lost,
    /// or it is gone).
    private func deliver(_ completion: TaskCompletion, of task: TaskDefinition, _ parts: Parts) async {
        let clock = ContinuousClock()
        let deadline = clock.now + config.completionDeliveryLimit
        let payload = Wire.encode(completion)
        while clock.now < deadline, !parts.nats.isClosed {
            do {
                _ = try await parts.nats.request(task.doneSubject, timeout: .seconds(2), waitingForRespondersUpTo: .seconds(10),
                                                 payload: { payload })
                return
            } catch .noResponders {
                break
            } catch {
                guard (try? await Task.sleep(for: .milliseconds(500))) != nil else { break }
            }
        }
        logger.warning("no stager acknowledged the completion of a task", metadata: [
            "task": "\(task.taskID)", "subject": "\(task.doneSubject)"])
    }

    /// Runs one app instance until it crashes or is stopped, announcing each change of state.
    private func runInstance(_ instance: InstanceDefinition, _ parts: Parts) async {
        let guid = instance.instanceGUID
        let appLog: @Sendable (String) -> Void = { text in
            let line = LogLine(app: instance.app, source: .app, index: instance.index, text: text)
            try? parts.nats.publish(LogStream.subject(app: instance.app, source: .app), Array(line.jsonText.utf8))
        }
        logger.info("instance starting", metadata: ["instance": "\(guid)", "app": "\(instance.app)", "index": "\(instance.index)"])
        appLog("Cell \(config.id) starting instance \(instance.index) (\(guid)) of \(instance.app) on \(instance.stack)")
        let events = InstanceExecutor.Events(
            appLine: appLog,
            portTaken: { port in
                if let report = parts.registry.update(guid, { $0.port = port }) { announce(report, parts) }
            },
            healthy: { seconds in
                let report = parts.registry.update(guid) { r in
                    r.state = .running
                    r.since = Date().timeIntervalSince1970
                }
                if let report { announce(report, parts) }
                appLog("Instance \(instance.index) is running (health check passed after \(String(format: "%.1f", seconds)) s)")
                logger.info("instance running", metadata: ["instance": "\(guid)", "port": "\(report?.port.map(String.init) ?? "")"])
            })
        let end = await parts.instances.run(instance, stopRequested: { await parts.registry.stopRequested(guid) }, events: events)
        parts.ledger.release(guid)
        // One asked to stop while it was still starting is stopped, however its start ended.
        switch parts.registry.isStopping(guid) ? .stopped : end {
        case .stopped:
            parts.registry.remove(guid)
            appLog("Cell \(config.id) stopped instance \(instance.index) (\(guid))")
            logger.info("instance stopped", metadata: ["instance": "\(guid)"])
            heartbeat(parts)
        case .crashed(let reason):
            let now = Date().timeIntervalSince1970
            let ranFor = parts.registry.runningFor(guid, now: now)
            let report = parts.registry.update(guid) { r in
                r.state = .crashed
                r.since = now
                r.port = nil
                r.crashCount = CrashPolicy.diego.crashCount(previous: instance.crashCount, runningFor: ranFor)
                r.lastCrashReason = reason
            }
            appLog("Instance \(instance.index) crashed: \(reason)")
            logger.notice("instance crashed", metadata: ["instance": "\(guid)", "reason": "\(reason)"])
            if let report { announce(report, parts) } else { heartbeat(parts) }
        }
    }

    /// `InstanceStop`: asks running instances to stop and forgets crashed ones.
    private func stop(_ message: NATSMessage, _ parts: Parts) {
        guard let request = try? Wire.decode(InstanceStop.self, from: message.payload) else {
            logger.notice("malformed instance stop request")
            return
        }
        var forgot = false
        for guid in request.instanceGUIDs {
            let outcome = parts.registry.requestStop(guid, reason: request.reason)
            logger.info("instance stop", metadata: ["instance": "\(guid)", "reason": "\(request.reason)", "found": "\(outcome)"])
            if outcome == .forgotten { forgot = true }
        }
        if forgot { heartbeat(parts) }
    }

    /// Publishes an instance's new state and a heartbeat.
    private func announce(_ report: InstanceReport, _ parts: Parts) {
        try? parts.nats.publish(Subjects.instanceChanged, Wire.encode(report))
        heartbeat(parts)
    }

    private func beat(_ parts: Parts) async {
        while (try? await Task.sleep(for: config.heartbeatInterval)) != nil {
            let cutoff = Date().timeIntervalSince1970 - InstanceSupervisor.seconds(config.crashedReportRetention)
            for report in parts.registry.forgetCrashed(before: cutoff) {
                logger.info("forgot crashed instance", metadata: ["instance": "\(report.instanceGUID)"])
            }
            heartbeat(parts)
        }
    }

    private func heartbeat(_ parts: Parts) {
        try? parts.nats.publish(Subjects.heartbeat, Wire.encode(state(parts.ledger, registry: parts.registry)))
    }

    func state(_ ledger: CapacityLedger, registry: InstanceRegistry = InstanceRegistry()) -> CellState {
        let now = ledger.snapshot()
        let instances = registry.tagged
        var state = CellState(
            id: config.id, zone: config.zone, stacks: stacks.advertised, tags: config.tags, total: config.capacity,
            available: now.available, tasks: now.tasks, instances: InstanceRegistry.counts(instances.reports), lrps: instances.reports,
            evacuating: now.evacuating, heartbeatIntervalMs: config.heartbeatInterval.wholeMilliseconds)
        state.modificationTag = instances.tag
        return state
    }

    /// SIGTERM: stop bidding, finish the tasks held, keep instances until the converger has
    /// replaced and stopped them or the evacuation timeout passes, stop the rest, say goodbye,
    /// end the perform loop.
    private func evacuateOnShutdown(_ parts: Parts, performs: NATSSubscription) async {
        guard (try? await gracefulShutdown()) != nil else { return }
        if parts.ledger.evacuate() {
            logger.info("cell evacuating: no new work; finishing its tasks, keeping its instances until they are replaced",
                        metadata: ["id": "\(config.id)", "instances": "\(parts.registry.liveGUIDs.count)"])
        }
        heartbeat(parts)
        // When NATS is gone too (foreman stopping the whole Procfile) no converger can replace
        // them: waiting out the timeout would only get the cell killed mid-stop.
        let serverGone = await parts.nats.wait(while: { parts.registry.holdsLiveInstances },
                                               until: .now + config.evacuationTimeout)
        let left = parts.registry.liveGUIDs
        if !left.isEmpty {
            logger.notice(serverGone ? "NATS is gone, so nothing can replace them: stopping the instances still here"
                                     : "evacuation timeout: stopping the instances still here", metadata: ["count": "\(left.count)"])
        }
        for guid in left { _ = parts.registry.requestStop(guid, reason: "cell \(config.id) evacuated") }
        while !parts.ledger.isIdle, (try? await Task.sleep(for: .milliseconds(100))) != nil {}
        try? parts.nats.publish(Subjects.cellGone, Wire.encode(CellLoss(cellID: config.id, reason: "evacuated")))
        performs.drain()
    }
}

extension CellService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "CellService" }
}
