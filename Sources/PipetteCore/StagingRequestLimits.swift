/// Bounds on what one staging request may carry. Beyond them a request is refused with the field
/// named: everything a request holds is echoed into subjects, files, environments and replies.
public enum StagingRequestLimits {
    public static let maxAppIDBytes = 256
    public static let maxStackBytes = 64
    public static let maxBuildpacks = 32
    public static let maxBuildpackBytes = 1024
    public static let maxStartCommandBytes = 8192
    public static let maxEnvironmentEntries = 1000
    /// All names and values together.
    public static let maxEnvironmentBytes = 128 * 1024
    /// Largest `memory` or `disk` in MB (1 TiB).
    public static let maxResourceMB = 1 << 20
    public static let maxFDs = 1 << 20
    /// How much of a refused value an error message quotes.
    public static let quotedBytes = 80
}
