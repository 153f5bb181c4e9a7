/// An instance the converger offered to a cell that no cell has reported yet: its index counts
/// as being started, so it is not started twice.
public struct InFlightStart: Sendable, Equatable, Hashable {
    public var instanceGUID: String
    public var app: String
    public var index: Int
    public var release: Int

    public init(instanceGUID: String, app: String, index: Int, release: Int) {
        self.instanceGUID = instanceGUID
        self.app = app
        self.index = index
        self.release = release
    }
}
