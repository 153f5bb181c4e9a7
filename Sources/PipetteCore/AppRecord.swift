/// An app's desired state, as kept in the `pipette_apps` JetStream KV bucket under its name:
/// what to run (the current release), how many instances, with what limits and checks.
public struct AppRecord: Codable, Sendable, Equatable {
    public var name: String
    public var guid: String
    public var stack: String
    public var instances: Int
    public var memoryMB: Int
    public var diskMB: Int
    public var healthCheck: HealthCheck
    public var environment: [String: String]
    /// The release instances run; nil until the first staging succeeded.
    public var currentRelease: Int?
    /// Every release, oldest first, numbered from 1.
    public var releases: [AppRelease]

    public init(name: String, guid: String, stack: String, instances: Int = 1, memoryMB: Int = 256, diskMB: Int = 1024,
                healthCheck: HealthCheck = .port, environment: [String: String] = [:]) {
        self.name = name
        self.guid = guid
        self.stack = stack
        self.instances = instances
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.healthCheck = healthCheck
        self.environment = environment
        currentRelease = nil
        releases = []
    }

    /// Adds `release` as the next number and makes it current.
    public mutating func append(_ release: AppRelease) -> AppRelease {
        var release = release
        release.number = (releases.last?.number ?? 0) + 1
        releases.append(release)
        currentRelease = release.number
        return release
    }

    public var current: AppRelease? { releases.first { $0.number == currentRelease } }

    enum CodingKeys: String, CodingKey {
        case name, guid, stack, instances, environment, releases
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case healthCheck = "health_check"
        case currentRelease = "current_release"
    }

    /// Why `name` cannot name an app (it becomes a DNS label in routes and a KV key), or nil.
    public static func problem(inName name: String) -> String? {
        if name.isEmpty || name.count > 63 { return "must be 1 to 63 characters" }
        guard name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
              name.first != "-", name.last != "-" else {
            return "may hold lowercase letters, digits and '-' (not first or last), as a DNS label"
        }
        return nil
    }
}
