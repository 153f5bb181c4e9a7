import Foundation
import Logging
import NATS
import PipetteCore
import ServiceLifecycle
import Transfer

/// `pipette stager`: takes staging requests from NATS queues (queue group `stagers`), stages at
/// most `max_active_tasks` at once with at most `max_queued_tasks` waiting, and answers every
/// request — a full stager answers "busy" at once. On graceful shutdown it stops taking work,
/// finishes what it has, answers, and closes.
public struct StagerService: Service {
    public static let queueGroup = "stagers"

    let config: StagerConfig
    /// nil: stage on cells, through the auctioneer.
    let backend: (any StagingBackend)?
    let logger: Logger
    let onReady: @Sendable () async -> Void

    /// A stager staging wherever `backend` stages (tests, `--local`).
    public init(config: StagerConfig, backend: any StagingBackend, logger: Logger,
                onReady: @escaping @Sendable () async -> Void = {}) {
        var config = config
        config.localStaging = true
        self.config = config
        self.backend = backend
        self.logger = logger
        self.onReady = onReady
    }

    /// A stager placing every staging Task on a cell through the auctioneer.
    public init(config: StagerConfig, logger: Logger, onReady: @escaping @Sendable () async -> Void = {}) {
        self.config = config
        self.backend = nil
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        try config.validate()
        let transfer = HTTPTransfer()
        let blobstore = config.blobstoreURL.map { BlobstoreClient(base: $0, secret: config.blobstoreSecret, transfer: transfer) }
        let nats = try await NATSConnection.connect(config.natsURI)
        guard let backend = backend ?? blobstore.map({ CellStagingBackend(nats: nats, blobstore: $0, placementTimeout: .seconds(30)) })
        else {
            nats.close()
            throw StagerConfigError.cellsNeedABlobstore
        }
        let workflow = StagingWorkflow(config: config, backend: backend, transfer: transfer, blobstore: blobstore, logger: logger)
        let admission = Admission(capacity: config.maxActiveTasks + config.maxQueuedTasks)
        let busy = BusyReplier(nats: nats, admission: admission, config: config, logger: logger)
        let subscription = try nats.subscribe(config.queues, queue: Self.queueGroup, bufferSize: max(admission.capacity, 1),
                                              admit: { _ in admission.tryEnter() }, onOverflow: busy.reply)
        try await nats.flush()
        try writePidFile()
        defer { removePidFile() }
        logger.info("stager ready", metadata: [
            "nats": "\(config.natsURI)", "queues": "\(config.queues.joined(separator: ","))",
            "max_active_tasks": "\(config.maxActiveTasks)", "max_queued_tasks": "\(config.maxQueuedTasks)",
        ])
        await onReady()

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await work(subscription, nats: nats, workflow: workflow, admission: admission) }
            group.addTask {
                // On SIGTERM: stop taking work and let what is buffered arrive. If the drain cannot
                // finish (NATS unreachable), close after the longest a task may take.
                guard (try? await gracefulShutdown()) != nil else { return }
                logger.info("stager draining: no new work; finishing what it has")
                subscription.drain()
                try? await Task.sleep(for: .seconds(config.maxStagingDuration + 10))
                if !Task.isCancelled { nats.close() }
            }
            await group.next()
            group.cancelAll()
        }
        await nats.drain()
        logger.info("stager stopped")
    }

    /// Runs at most `max_active_tasks` at once until the subscription ends; the rest wait in
    /// its buffer.
    private func work(_ subscription: NATSSubscription, nats: NATSConnection, workflow: StagingWorkflow,
                      admission: Admission) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await message in subscription {
                if running >= config.maxActiveTasks {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    await handle(message, nats: nats, workflow: workflow)
                    admission.leave()
                }
            }
        }
    }

    /// Stages one request and replies; a malformed one gets an error reply.
    private func handle(_ message: NATSMessage, nats: NATSConnection, workflow: StagingWorkflow) async {
        let reply: StagingReply
        do {
            let request = try StagingRequest.decode(message.payload)
            let taskID = request.taskID ?? UUID().uuidString.lowercased()
            let subject = request.logSubject ?? "staging.\(taskID).logs"
            logger.info("staging", metadata: ["task": "\(taskID)", "app": "\(request.appID)", "queue": "\(message.subject)"])
            let progress = TaskProgress { line in try? nats.publish(subject, line) }
            reply = await workflow.run(request, taskID: taskID, progress: progress)
        } catch {
            logger.notice("malformed staging request", metadata: ["error": "\(error)"])
            reply = StagingReply(taskID: StagingRequest.taskID(in: message.payload) ?? "", taskLog: "", error: error.description)
        }
        send(reply, to: message.replyTo, nats: nats)
    }

    func send(_ reply: StagingReply, to subject: String?, nats: NATSConnection) {
        guard let subject else {
            logger.warning("staging request had no reply subject; result not sent", metadata: ["task": "\(reply.taskID)"])
            return
        }
        do {
            try nats.publish(subject, try JSONEncoder().encode(reply))
        } catch {
            logger.error("cannot send staging reply", metadata: ["task": "\(reply.taskID)", "error": "\(error)"])
        }
    }

    private func writePidFile() throws {
        guard let path = config.pidFilename else { return }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func removePidFile() {
        if let path = config.pidFilename { try? FileManager.default.removeItem(atPath: path) }
    }
}
