/// Asks a cell to stop a task (the stager gave up on it).
public struct TaskCancel: Codable, Sendable, Equatable {
    public var taskID: String

    public init(taskID: String) { self.taskID = taskID }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
    }
}
