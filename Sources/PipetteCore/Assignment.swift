/// One piece of work and the cell the auctioneer placed it on.
public struct Assignment: Sendable, Equatable {
    public let work: Work
    public let cellID: String

    public init(work: Work, cellID: String) {
        self.work = work
        self.cellID = cellID
    }
}
