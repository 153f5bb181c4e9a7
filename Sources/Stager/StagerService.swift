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
        let blobstore = try config.blobstoreLocation().map { BlobstoreClient(location: $0, transfer: transfer) }
        guard let nats = try await NATSConnection.forService(config.natsURI, options: config.natsOptions.inboxes(BusRole.stager.inboxPrefix),
                                                             logger: logger) else { return }
        guard let backend = backend ?? blobstore.map({
            CellStagingBackend(nats: nats, blobstore: $0, placementTimeout: .seconds(30),
                               writeCheck: BlobstoreWriteCheck(blobstore: $0, stager: ProcessInfo.processInfo.hostName))
        })
        else {
            nats.close()
            throw StagerConfigError.cellsNeedABlobstore
        }
        let workflow = StagingWorkflow(config: config, backend: backend, transfer: transfer, blobstore: blobstore, logger: logger)
        await ensureLogStream(nats)
        let records = TaskRecords(store: await recordStore(nats), stager: "stager-\(ProcessInfo.processInfo.hostName)-\(getpid())",
                                  ttl: .seconds(config.stagingResultTTL))
        let admission = Admission(capacity: config.maxActiveTasks + config.maxQueuedTasks)
        let busy = BusyReplier(nats: nats, admission: admission, config: config, logger: logger)
        let subscription = try nats.subscribe(config.queues, queue: Self.queueGroup, bufferSize: max(admission.capacity, 1),
                                              admit: { _ in admission.tryEnter() }, onOverflow: busy.reply)
        try await nats.flush()
        try writePidFile()
        defer { removePidFile() }
        logger.info("stager ready", metadata: [
            "nats": "\(NATSURL.redacted(config.natsURI))", "queues": "\(config.queues.joined(separator: ","))",
            "max_active_tasks": "\(config.maxActiveTasks)", "max_queued_tasks": "\(config.maxQueuedTasks)",
            "blobstore": "\(blobstore?.location.description ?? "none")",
        ])
        await onReady()

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await work(subscription, nats: nats, workflow: workflow, admission: admission, records: records) }
            group.addTask {
                // On SIGTERM: stop taking work and let what is buffered arrive. A drain needs the
                // server: once the connection has been down for 2 s (nats-server stopping too, as
                // when foreman stops a Procfile) nothing more can arrive, so it is closed then;
                // otherwise after the longest a task may take.
                guard (try? await gracefulShutdown()) != nil else { return }
                logger.info("stager draining: no new work; finishing what it has")
                subscription.drain()
                _ = await nats.wait(until: .now + .seconds(config.maxStagingDuration + 10))
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
                      admission: Admission, records: TaskRecords) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await message in subscription {
                if running >= config.maxActiveTasks {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    await handle(message, nats: nats, workflow: workflow, records: records)
                    if admission.leave() == 0 { MemoryRelease.toSystem() }
                }
            }
        }
    }

    /// Stages one request and replies; a malformed one gets an error reply.
    private func handle(_ message: NATSMessage, nats: NATSConnection, workflow: StagingWorkflow,
                        records: TaskRecords) async {
        let reply: StagingReply
        do {
            let request = try StagingRequest.decode(message.payload)
            if let taskID = request.taskID {
                let answer = { @Sendable (reply: StagingReply) in send(reply, to: message.replyTo, nats: nats) }
                guard let unsent = await stageOnce(request, taskID: taskID, nats: nats, workflow: workflow, records: records,
                                                   answer: answer) else { return }
                reply = unsent
            } else {
                reply = await stage(request, taskID: UUID().uuidString.lowercased(), nats: nats, workflow: workflow)
            }
        } catch {
            logger.notice("malformed staging request", metadata: ["error": "\(error)"])
            reply = StagingReply(taskID: StagingRequest.taskID(in: message.payload) ?? "", taskLog: "", error: error.description)
        }
        send(reply, to: message.replyTo, nats: nats)
    }

    private func stage(_ request: StagingRequest, taskID: String, nats: NATSConnection,
                       workflow: StagingWorkflow) async -> StagingReply {
        let subject = logSubject(request, taskID: taskID)
        logger.info("staging", metadata: ["task": "\(taskID)", "app": "\(Redaction.redact(request.appID))"])
        let kept = LogStream.subject(app: request.appID, source: .staging)
        let progress = TaskProgress { line in
            try? nats.publish(subject, line)
            // Also into the log stream, so `pipette logs APP` replays it later.
            try? nats.publish(kept, Array(LogLine(app: request.appID, source: .staging, taskID: taskID, text: line).jsonText.utf8))
        }
        return await workflow.run(request, taskID: taskID, progress: progress)
    }

    private func logSubject(_ request: StagingRequest, taskID: String) -> String {
        request.logSubject ?? Subjects.stagingLog(taskID: taskID)
    }

    /// Stages a request that names its `task_id` at most once across the queue group (see
    /// ``TaskRecords``). If the records cannot be reached, it stages anyway: an answer beats none.
    /// A reply this stager staged goes to `answer` before it is recorded for duplicates (the
    /// requester does not wait for the record) and nil is returned; any other reply is returned.
    private func stageOnce(_ request: StagingRequest, taskID: String, nats: NATSConnection, workflow: StagingWorkflow,
                           records: TaskRecords, answer: @escaping @Sendable (StagingReply) -> Void) async -> StagingReply? {
        let fingerprint = request.fingerprint
        do {
            let finished = try nats.subscribe(Subjects.stagingFinished(taskID: taskID), bufferSize: 4)
            defer { finished.unsubscribe() }
            // The finished message comes from another stager, perhaps through another NATS node:
            // the flush makes the server forward this interest before the claim goes out.
            try await nats.flush()
            return try await withThrowingTaskGroup(of: DuplicateWait.self) { group -> StagingReply? in
                // One listener on the finished subject for the whole wait. A stream whose reading
                // task is cancelled ends for good: listened to afresh for each pause, every pause
                // after the first ended at once and the records were read in a tight loop.
                group.addTask {
                    for await message in finished {
                        if let reply = try? Wire.decode(StagingReply.self, from: message.payload) { return .reply(reply) }
                    }
                    return .listenerEnded
                }
                defer { group.cancelAll() }
                var toldWaiting = false
                while true {
                    let deadline = Int(Date().timeIntervalSince1970) + config.maxStagingDuration + 30
                    switch try await records.claim(taskID, fingerprint: fingerprint, deadline: deadline) {
                    case .owner:
                        let reply = await stage(request, taskID: taskID, nats: nats, workflow: workflow)
                            .fitted(to: nats.maxPayload - min(4096, nats.maxPayload / 4))
                        answer(reply)
                        do {
                            try await records.finish(taskID, fingerprint: fingerprint, reply: reply)
                        } catch {
                            logger.warning("cannot record the staging result for duplicates", metadata: [
                                "task": "\(taskID)", "error": "\(error)"])
                        }
                        try? nats.publish(Subjects.stagingFinished(taskID: taskID), Wire.encode(reply))
                        return nil
                    case .finished(let reply):
                        logger.info("duplicate of a finished task: answering with its recorded reply", metadata: ["task": "\(taskID)"])
                        return reply
                    case .conflict(let sentence):
                        return StagingReply(taskID: taskID, taskLog: "", error: sentence)
                    case .running(let stager, let until):
                        if !toldWaiting {
                            toldWaiting = true
                            logger.info("duplicate of a running task: waiting for its reply", metadata: ["task": "\(taskID)", "stager": "\(stager)"])
                            try? nats.publish(logSubject(request, taskID: taskID), TaskLog().appending(
                                "Task \(taskID) is already staging on \(stager); this request will get its result"))
                        }
                        // The finished message may be lost with a NATS node: the record is read
                        // again every few seconds, and taken over once its stager is silent past
                        // its deadline.
                        let pause = Duration.seconds(min(5, max(1, until - Int(Date().timeIntervalSince1970) + 1)))
                        group.addTask {
                            try? await Task.sleep(for: pause)
                            return .pauseOver
                        }
                        waiting: while let event = try await group.next() {
                            switch event {
                            case .reply(let reply): return reply
                            case .pauseOver: break waiting
                            case .listenerEnded: continue
                            }
                        }
                    }
                }
            }
        } catch {
            logger.warning("staging records unreachable; staging without the duplicate check", metadata: [
                "task": "\(taskID)", "error": "\(error)"])
            return await stage(request, taskID: taskID, nats: nats, workflow: workflow)
        }
    }

    /// What ends a pause of a duplicate waiting for a running task.
    private enum DuplicateWait: Sendable {
        case reply(StagingReply)
        case pauseOver
        case listenerEnded
    }

    func send(_ reply: StagingReply, to subject: String?, nats: NATSConnection) {
        guard let subject else {
            logger.warning("staging request had no reply subject; result not sent", metadata: ["task": "\(reply.taskID)"])
            return
        }
        do {
            try nats.publish(subject, reply.encoded(fitting: nats.maxPayload))
        } catch {
            logger.error("cannot send staging reply", metadata: ["task": "\(reply.taskID)", "error": "\(error)"])
        }
    }

    /// The shared `pipette_staging` KV bucket, or this process's memory when the server has no
    /// JetStream (said once, at start).
    private func recordStore(_ nats: NATSConnection) async -> any TaskRecordStore {
        let ttl = Duration.seconds(max(config.stagingResultTTL, config.maxStagingDuration + 60))
        do {
            return try await KeyValueBucket.open(nats, bucket: Self.recordsBucket, ttl: ttl)
        } catch {
            logger.warning("staging results are kept in this stager's memory only: duplicates sent to other stagers are not recognised", metadata: ["reason": "\(error)"])
            return MemoryTaskRecordStore(ttl: ttl)
        }
    }

    /// Makes sure the `PIPETTE_LOGS` stream exists, so staging logs can be replayed; without
    /// JetStream they are only published live (said once, at start).
    private func ensureLogStream(_ nats: NATSConnection) async {
        do {
            _ = try await MessageStream.ensure(nats, name: LogStream.name, subjects: LogStream.subjects,
                                               maxAge: LogStream.maxAge, maxBytes: LogStream.maxBytes)
        } catch {
            logger.warning("staging logs are published live only; `pipette logs` cannot replay them", metadata: ["reason": "\(error)"])
        }
    }

    /// The KV bucket of `StagingRecord`s all stagers share.
    public static let recordsBucket = JetStreamNames.stagingBucket

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

extension StagerService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "StagerService" }
}
