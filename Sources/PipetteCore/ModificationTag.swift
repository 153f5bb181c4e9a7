/// Orders what one cell says about its instances (Diego's actual-LRP modification tag): heartbeats
/// (`CellState`) and single reports (`Subjects.instanceChanged`) travel on different subjects and
/// are read by different tasks, so a heartbeat made before a change can be read after the report
/// of it. Each change on the cell takes the next `index`; `epoch` is new each time the cell
/// starts, so tags from different runs of a cell are not compared.
public struct ModificationTag: Codable, Sendable, Equatable {
    /// Made when the cell starts (a UUID).
    public var epoch: String
    /// Counts the cell's changes to its instances since it started.
    public var index: Int

    public init(epoch: String, index: Int) {
        self.epoch = epoch
        self.index = index
    }

    /// True when this change was made after everything `other` reflects, in the same run.
    public func succeeds(_ other: ModificationTag?) -> Bool {
        guard let other, other.epoch == epoch else { return false }
        return index > other.index
    }

    /// True when `other`, from the same run, already reflects this change (or a later one).
    public func isReflected(in other: ModificationTag?) -> Bool {
        guard let other, other.epoch == epoch else { return false }
        return other.index >= index
    }
}
