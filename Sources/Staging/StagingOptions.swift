/// What a staging run may ask for beyond the app and stack (the request's optional fields).
public struct StagingOptions: Sendable {
    /// Buildpack names in order; detect tries them in turn unless `skipDetect`.
    public var buildpacks: [String]
    public var skipDetect: Bool
    public var environment: [String: String]
    /// Overrides the start command the buildpack or Procfile chose.
    public var startCommand: String?
    public var timeout: Duration
    /// The staging container's memory limit: see ``memoryLimit(reservedMB:)``.
    public var memoryLimitBytes: Int64

    public static let defaultOrder = ["ruby", "python", "staticfile", "binary"]

    /// The one rule for a staging container's memory limit, wherever it runs: what the Task
    /// reserved on its cell, but never under 1 GiB (buildpacks' compile steps need room even for
    /// an app that runs in 64 MB).
    public static func memoryLimit(reservedMB: Int) -> Int64 { max(Int64(reservedMB) << 20, 1 << 30) }

    public init(buildpacks: [String] = StagingOptions.defaultOrder, skipDetect: Bool = false,
                environment: [String: String] = [:], startCommand: String? = nil,
                timeout: Duration = .seconds(900), memoryLimitBytes: Int64 = 1 << 30) {
        self.buildpacks = buildpacks
        self.skipDetect = skipDetect
        self.environment = environment
        self.startCommand = startCommand
        self.timeout = timeout
        self.memoryLimitBytes = memoryLimitBytes
    }
}
