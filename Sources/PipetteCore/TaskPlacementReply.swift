/// The auctioneer's answer: the cell that accepted the Task, or why none did.
public struct TaskPlacementReply: Codable, Sendable, Equatable {
    public var cellID: String?
    public var error: String?

    public init(cellID: String? = nil, error: String? = nil) {
        self.cellID = cellID
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case error
        case cellID = "cell_id"
    }
}
