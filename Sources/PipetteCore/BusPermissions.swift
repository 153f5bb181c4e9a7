/// The NATS subjects one ``BusRole`` may publish and subscribe to, built from ``Subjects``,
/// ``RouterSubjects``, ``LogStream`` and ``JetStreamNames`` (the owners of every name), so a
/// component can do its work and nothing else: a cell publishes heartbeats and task logs but can
/// never take (or answer) a staging request, nor touch an app's desired state.
public struct BusPermissions: Sendable, Equatable {
    public var publish: [String]
    /// Refused even when `publish` allows them.
    public var publishDenied: [String] = []
    public var subscribe: [String]
    /// May reply once to each request it received (NATS `allow_responses`), whatever its reply
    /// subject: how stagers answer staging requests and the auctioneer `pipette cells`. The server
    /// forgets a connection's requests when it reconnects, so replies between components (which
    /// can come after a node was lost) are allowed by the asker's inbox (``replies(to:)``) too.
    public var allowResponses = true

    /// Publishing to `roles`' reply inboxes.
    static func replies(to roles: BusRole...) -> [String] { roles.map { $0.inboxPrefix + ".>" } }

    /// What `role` needs; `stagingQueues` are the subjects stagers take requests on.
    public static func of(_ role: BusRole, stagingQueues: [String] = [Subjects.defaultStagingQueue]) -> BusPermissions {
        let cellInputs = Subjects.allCellInputs
        let inbox = role.inboxPrefix + ".>"
        switch role {
        case .cell:
            return BusPermissions(
                publish: [Subjects.heartbeat, Subjects.cellGone, Subjects.instanceChanged, Subjects.allTaskEvents,
                          LogStream.subjects(source: .app),
                          RouterSubjects.register, RouterSubjects.unregister, RouterSubjects.greet]
                    + replies(to: .auctioneer),
                subscribe: cellInputs + [Subjects.announce, RouterSubjects.start, inbox])
        case .stager:
            // Log lines go to whatever `log_subject` a request names, so a stager may publish
            // widely, but never on what drives cells, instances, routes, the converger or the
            // buckets of apps and the converger lock.
            let others = JetStreamNames.apiSubjects(buckets: [JetStreamNames.appsBucket, JetStreamNames.lockBucket])
            return BusPermissions(
                publish: [">"],
                publishDenied: ["pipette.cell.>", "pipette.instance.>", "pipette.converger.>", "router.>"] + others,
                subscribe: stagingQueues + [Subjects.allTaskEvents, Subjects.cellLost,
                                            Subjects.allStagingFinished, inbox]
                    + JetStreamNames.watchSubjects(buckets: [JetStreamNames.stagingBucket]))
        case .auctioneer:
            return BusPermissions(
                publish: [Subjects.cellLost, Subjects.announce, Subjects.allTaskEvents] + cellInputs + replies(to: .stager)
                    + JetStreamNames.accountSubjects
                    + JetStreamNames.apiSubjects(buckets: [JetStreamNames.appsBucket, JetStreamNames.lockBucket]),
                subscribe: [Subjects.heartbeat, Subjects.cellGone, Subjects.placeTask, Subjects.cancelPlacement,
                            Subjects.cells, Subjects.instanceChanged, Subjects.convergerStatus, inbox]
                    + JetStreamNames.watchSubjects(buckets: [JetStreamNames.appsBucket, JetStreamNames.lockBucket]))
        case .router:
            return BusPermissions(publish: [RouterSubjects.start] + replies(to: .cell),
                                  subscribe: [RouterSubjects.register, RouterSubjects.unregister, RouterSubjects.greet, inbox])
        case .admin:
            return BusPermissions(publish: [">"], subscribe: [">"], allowResponses: false)
        }
    }
}
