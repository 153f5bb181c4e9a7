/// Asks a cell (on `Subjects.stopInstances(cell:)`) to stop instances it holds, or to forget the
/// crashed ones it still reports.
public struct InstanceStop: Codable, Sendable, Equatable {
    public var instanceGUIDs: [String]
    /// Why, for the cell's log and the app's log (`scaled down`, `app stopped`, `replaced by a new release`).
    public var reason: String

    public init(instanceGUIDs: [String], reason: String) {
        self.instanceGUIDs = instanceGUIDs
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case instanceGUIDs = "instance_guids"
    }
}
