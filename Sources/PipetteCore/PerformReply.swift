/// Which Tasks and instances a cell took, and why it refused the others (by task id or instance guid).
public struct PerformReply: Codable, Sendable, Equatable {
    public struct Rejection: Codable, Sendable, Equatable {
        public var taskID: String
        public var reason: String

        public init(taskID: String, reason: String) {
            self.taskID = taskID
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case reason
            case taskID = "task_id"
        }
    }

    public var accepted: [String]
    public var rejected: [Rejection]

    public init(accepted: [String] = [], rejected: [Rejection] = []) {
        self.accepted = accepted
        self.rejected = rejected
    }
}
