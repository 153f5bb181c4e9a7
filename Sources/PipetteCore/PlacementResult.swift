/// What ``Placement/place(_:on:excluding:)`` decided for a batch.
public struct PlacementResult: Sendable {
    /// A piece of work no cell could take, and why.
    public struct Failure: Sendable, Equatable {
        public let work: Work
        public let error: PlacementError

        public init(work: Work, error: PlacementError) {
            self.work = work
            self.error = error
        }
    }

    /// Placed work, in the order it was placed (the batch order of ``Placement``).
    public var placed: [Assignment]
    /// Work that found no cell, in the same order.
    public var failed: [Failure]
    /// The cells given, in the same order, with `available`, `tasks` and `instances` including what
    /// was placed on them.
    public var cells: [CellState]

    public init(placed: [Assignment], failed: [Failure], cells: [CellState]) {
        self.placed = placed
        self.failed = failed
        self.cells = cells
    }
}
