/// Where a staging cell may POST the droplet itself: the staging request's `upload_uri` (multipart,
/// field `upload[droplet]`, as the stager would), once the stager grants it (``DropletPostAsk``).
/// The droplet then goes from the cell to the cloud controller directly, beside the copy the cell
/// stores in the blobstore, instead of being fetched back from the blobstore and relayed by the
/// stager.
public struct DropletPost: Codable, Sendable, Equatable {
    /// The staging request's `upload_uri`.
    public var url: String
    /// How many times to try the POST (the stager's `upload_attempts`).
    public var attempts: Int

    public init(url: String, attempts: Int) {
        self.url = url
        self.attempts = attempts
    }
}
