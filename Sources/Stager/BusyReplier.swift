import Foundation
import Logging
import NATS
import PipetteCore

/// Answers a request the stager has no room for, at once, on libnats' delivery thread.
struct BusyReplier: Sendable {
    let nats: NATSConnection
    let admission: Admission
    let config: StagerConfig
    let logger: Logger

    @Sendable func reply(_ message: NATSMessage) {
        let error = "Stager busy: \(config.maxActiveTasks) tasks staging and \(config.maxQueuedTasks) waiting; retry later"
        logger.notice("stager busy; refusing a request", metadata: ["queue": "\(message.subject)"])
        guard let replyTo = message.replyTo else { return }
        let reply = StagingReply(taskID: StagingRequest.taskID(in: message.payload) ?? "", taskLog: "", error: error)
        if let data = try? JSONEncoder().encode(reply) { try? nats.publish(replyTo, data) }
    }
}
