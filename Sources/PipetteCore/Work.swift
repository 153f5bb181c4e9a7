/// One piece of work for the auctioneer to place: a staging Task or one LRP instance.
public struct Work: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable {
        case task
        case lrp
    }

    /// Unique within a batch: the task id, or `<app>/<index>` for an LRP instance.
    public var id: String
    public var kind: Kind
    public var appID: String
    /// The LRP instance index; 0 for tasks.
    public var index: Int
    public var stack: String
    /// What the work reserves on its cell; `containers` is normally 1.
    public var need: Resources
    /// Placement tags the cell must have.
    public var tags: [String: String]

    public init(id: String, kind: Kind, appID: String, index: Int = 0, stack: String, need: Resources,
                tags: [String: String] = [:]) {
        self.id = id
        self.kind = kind
        self.appID = appID
        self.index = index
        self.stack = stack
        self.need = need
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, index, stack, need, tags
        case appID = "app_id"
    }
}
