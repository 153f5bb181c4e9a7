/// A cell asks the stager following a task whether it may POST the droplet to the cloud
/// controller itself (on the task's `postSubject`; the answer is a ``DropletPostGrant``). Only one
/// placement of a task is granted: a task placed twice (a placement answer lost and asked again of
/// another auctioneer) runs on two cells, and only one of them may write `upload_uri`.
public struct DropletPostAsk: Codable, Sendable, Equatable {
    public var taskID: String
    public var cellID: String
    /// The blob key this placement stores the droplet under: what the grant is given to.
    public var dropletKey: String

    public init(taskID: String, cellID: String, dropletKey: String) {
        self.taskID = taskID
        self.cellID = cellID
        self.dropletKey = dropletKey
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case cellID = "cell_id"
        case dropletKey = "droplet_key"
    }
}
