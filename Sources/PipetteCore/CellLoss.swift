/// Published on `Subjects.cellLost` by the auctioneer when a cell stopped heartbeating, and on
/// `Subjects.cellGone` by a cell that evacuated and is leaving.
public struct CellLoss: Codable, Sendable, Equatable {
    public var cellID: String
    public var reason: String

    public init(cellID: String, reason: String) {
        self.cellID = cellID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case cellID = "cell_id"
    }
}
