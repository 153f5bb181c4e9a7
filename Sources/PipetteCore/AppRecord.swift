/// An app's desired state, as kept in the `pipette_apps` JetStream KV bucket under its name:
/// what to run (the current release), how many instances, with what limits and checks.
public struct AppRecord: Codable, Sendable, Equatable {
    /// Whether the app should run (`pipette stop` / `pipette start`).
    public enum State: String, Codable, Sendable {
        case started
        case stopped
    }

    public var name: String
    public var guid: String
    public var stack: String
    public var instances: Int
    public var state: State
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
        state = .started
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

    /// How many instances should run now: none while stopped or before the first release.
    public var desiredInstances: Int { state == .started && current != nil ? instances : 0 }

    enum CodingKeys: String, CodingKey {
        case name, guid, stack, instances, state, environment, releases
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case healthCheck = "health_check"
        case currentRelease = "current_release"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guid = try c.decode(String.self, forKey: .guid)
        stack = try c.decode(String.self, forKey: .stack)
        instances = try c.decode(Int.self, forKey: .instances)
        state = try c.decodeIfPresent(State.self, forKey: .state) ?? .started
        memoryMB = try c.decode(Int.self, forKey: .memoryMB)
        diskMB = try c.decode(Int.self, forKey: .diskMB)
        healthCheck = try c.decode(HealthCheck.self, forKey: .healthCheck)
        environment = try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
        currentRelease = try c.decodeIfPresent(Int.self, forKey: .currentRelease)
        releases = try c.decodeIfPresent([AppRelease].self, forKey: .releases) ?? []
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
