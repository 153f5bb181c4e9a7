/// The JetStream key-value buckets Pipette keeps (each created with one replica per node of a
/// cluster, up to 3), and the NATS subjects through which a client uses one.
public enum JetStreamNames {
    /// Apps' desired state (`AppRecord`s).
    public static let appsBucket = "pipette_apps"
    /// Staging results by task id, shared by stagers.
    public static let stagingBucket = "pipette_staging"
    /// The converger lock: one auctioneer converges at a time.
    public static let lockBucket = "pipette_locks"

    /// Every bucket, for permissions that must leave the others' alone.
    public static let buckets = [appsBucket, stagingBucket, lockBucket]

    /// What every JetStream client asks of its account (limits; a stream's name by subject).
    public static let accountSubjects = ["$JS.API.INFO", "$JS.API.STREAM.NAMES"]

    /// What a client publishes to create, read, write and watch `buckets`, and use `streams`
    /// (the JetStream API's subjects, with a bucket's stream being `KV_<bucket>`).
    public static func apiSubjects(buckets: [String], streams: [String] = []) -> [String] {
        let streamNames = buckets.map { "KV_\($0)" } + streams
        return buckets.map { "$KV.\($0).>" } + streamNames.flatMap { stream in
            ["$JS.API.STREAM.*.\(stream)", "$JS.API.STREAM.MSG.*.\(stream)", "$JS.API.DIRECT.GET.\(stream)",
             "$JS.API.DIRECT.GET.\(stream).>", "$JS.API.CONSUMER.*.\(stream)", "$JS.API.CONSUMER.*.\(stream).>",
             "$JS.API.CONSUMER.*.\(stream).*.>", "$JS.ACK.\(stream).>", "$JS.FC.\(stream).>"]
        }
    }

    /// What a client subscribes to when it watches `buckets` (libnats binds a watcher to the
    /// bucket's subjects).
    public static func watchSubjects(buckets: [String]) -> [String] { buckets.map { "$KV.\($0).>" } }
}
