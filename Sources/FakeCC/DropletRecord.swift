/// One droplet the fake cloud controller received (the JSON of its answer and of `GET /droplets`).
public struct DropletRecord: Codable, Sendable, Equatable {
    public var appID: String
    public var uploadID: String
    public var size: Int64
    public var sha256: String
    /// ISO 8601, UTC.
    public var receivedAt: String

    public init(appID: String, uploadID: String, size: Int64, sha256: String, receivedAt: String) {
        self.appID = appID
        self.uploadID = uploadID
        self.size = size
        self.sha256 = sha256
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case uploadID = "upload_id"
        case size, sha256
        case receivedAt = "received_at"
    }
}
