/// The stager's answer to a ``DropletPostAsk``: granted to the first placement that asks, refused
/// to any other. A cell without a grant (refused, or no answer in time) only stores the droplet in
/// the blobstore, and the stager relays it if that cell's completion is the one it takes.
public struct DropletPostGrant: Codable, Sendable, Equatable {
    public var granted: Bool

    public init(granted: Bool) { self.granted = granted }
}
