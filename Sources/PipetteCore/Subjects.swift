/// The NATS subjects cells, the auctioneer and stagers talk on.
public enum Subjects {
    /// The queue stagers take staging requests on unless configured otherwise (the seed's).
    public static let defaultStagingQueue = "staging"
    /// Cells publish their `CellState` here every heartbeat interval.
    public static let heartbeat = "pipette.cell.heartbeat"
    /// An auctioneer that starts publishes here (no payload) once it follows heartbeats; every
    /// cell answers with a heartbeat at once. A cell that came up first (foreman starts all at
    /// once) is otherwise unknown until its next heartbeat.
    public static let announce = "pipette.cell.announce"
    /// A cell that evacuated and stopped publishes its id here, so it is dropped at once.
    public static let cellGone = "pipette.cell.gone"
    /// The auctioneer publishes a `CellLoss` here when a cell missed three heartbeats.
    public static let cellLost = "pipette.cell.lost"
    /// Requests to place a Task (`TaskPlacementRequest` → `TaskPlacementReply`).
    public static let placeTask = "pipette.auction.task"
    /// A stager that gave up on a Task publishes a `TaskCancel` here, so a Task still waiting for
    /// capacity is dropped from every auctioneer's queue.
    public static let cancelPlacement = "pipette.auction.cancel"
    /// Requests for the registry (empty → `[CellState]`).
    public static let cells = "pipette.auction.cells"

    /// Where a cell takes `PerformRequest`s.
    public static func perform(cell id: String) -> String { cellInput(token(id), "perform") }

    /// Where a cell takes `InstanceStop`s.
    public static func stopInstances(cell id: String) -> String { cellInput(token(id), "stop") }

    /// What every cell takes requests on (perform, stop, cancel), as wildcards.
    public static let allCellInputs = ["perform", "stop", "cancel"].map { cellInput("*", $0) }

    private static func cellInput(_ cellToken: String, _ kind: String) -> String { "pipette.cell.\(cellToken).\(kind)" }

    /// Cells publish an `InstanceReport` here whenever an instance changes state, so the converger
    /// and `pipette push` need not wait for the next heartbeat.
    public static let instanceChanged = "pipette.instance.changed"

    /// The converger that holds the lock answers requests here (empty → `ConvergerStatus`).
    public static let convergerStatus = "pipette.converger.status"

    /// Where a cell takes requests to cancel a task (`TaskCancel`).
    public static func cancel(cell id: String) -> String { cellInput(token(id), "cancel") }

    /// Where a staging Task's cell reports its progress (`.log`, `.done`, `.post`) and an
    /// auctioneer that holds it back says it waits (`.waiting`): under the stager's own prefix
    /// (``taskEvents(stager:)``, one subscription for all its stagings), unique per attempt.
    public static func taskEvents(stager: String, attempt: String) -> String { taskEvents(stager: stager) + "." + token(attempt) }

    /// The events of every Task a stager placed (`stager`: unique per stager run).
    public static func taskEvents(stager: String) -> String { "pipette.task.\(token(stager))" }

    /// Every Task's events.
    public static let allTaskEvents = "pipette.task.>"

    /// Whether `subject` is one the platform itself uses (Pipette's, replies, gorouter's,
    /// JetStream's, the default staging queue): a request may not have log lines sent there.
    public static func isPlatforms(_ subject: String) -> Bool {
        subject == defaultStagingQueue || ["pipette.", "_INBOX.", "router.", "$"].contains { subject.hasPrefix($0) }
    }

    /// A NATS subject token from any string: no dots, spaces or wildcards.
    public static func token(_ text: String) -> String {
        let cleaned = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) ? $0 : "_" })
        return cleaned.isEmpty ? "_" : cleaned
    }
}

extension Subjects {
    /// A stager publishes the final `StagingReply` of a task it staged here, for the duplicates
    /// of that task waiting on other stagers.
    public static func stagingFinished(taskID: String) -> String { stagingFinished(token: token(taskID)) }

    /// Every task's ``stagingFinished(taskID:)``.
    public static let allStagingFinished = stagingFinished(token: "*")

    private static func stagingFinished(token taskToken: String) -> String { "pipette.staging.\(taskToken).finished" }

    /// Where a staging's log lines go when its request names no `log_subject` (README: the
    /// stager's default, and what `StagingClient` asks for). Task ids are subject-safe
    /// (`SubjectRules.problem(inTaskID:)`), so the id is used as it is.
    public static func stagingLog(taskID: String) -> String { "staging.\(taskID).logs" }
}
