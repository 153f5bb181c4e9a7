/// A router's greeting (gorouter's `common.RouterStart`): published on `router.start` when a
/// router starts (and periodically by Pipette's), and sent as the reply to a `router.greet`.
/// Route emitters re-announce every route at once when they see it, then every
/// `minimumRegisterIntervalInSeconds`.
public struct RouterStart: Codable, Sendable, Equatable {
    /// The router's id (gorouter: `<index>-<uuid>`).
    public var id: String
    /// The router's addresses.
    public var hosts: [String]
    /// How often emitters should re-announce their routes.
    public var minimumRegisterIntervalInSeconds: Int
    /// How long the router keeps a route that is not re-announced.
    public var pruneThresholdInSeconds: Int
    /// Pipette's own: where this router serves an app, `{app}` standing for its name
    /// (`http://{app}.localhost:8080/`); gorouter sends none, and its clients ignore it.
    public var appURL: String?

    public init(id: String, hosts: [String], minimumRegisterIntervalInSeconds: Int, pruneThresholdInSeconds: Int,
                appURL: String? = nil) {
        self.id = id
        self.hosts = hosts
        self.minimumRegisterIntervalInSeconds = minimumRegisterIntervalInSeconds
        self.pruneThresholdInSeconds = pruneThresholdInSeconds
        self.appURL = appURL
    }

    /// An app's URL through this router, when it said where it serves apps.
    public func url(app: String) -> String? { appURL?.replacingOccurrences(of: "{app}", with: app) }

    /// Go's lenient decoding: a missing field or `null` is the zero value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        hosts = try c.decodeIfPresent([String].self, forKey: .hosts) ?? []
        minimumRegisterIntervalInSeconds = try c.decodeIfPresent(Int.self, forKey: .minimumRegisterIntervalInSeconds) ?? 0
        pruneThresholdInSeconds = try c.decodeIfPresent(Int.self, forKey: .pruneThresholdInSeconds) ?? 0
        appURL = try c.decodeIfPresent(String.self, forKey: .appURL)
    }
}
