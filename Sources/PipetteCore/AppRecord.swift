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
    /// How many releases keep their droplets for rollback (the current one always does).
    public var keepReleases: Int

    public static let defaultKeepReleases = 5

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
        keepReleases = Self.defaultKeepReleases
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

    /// Retention: marks pruned every release past the newest `keepReleases` (never the current
    /// one, nor those in `alsoKeeping`, such as the release a rollout is replacing, whose
    /// instances still serve) and returns them, so their droplets and packages can be deleted.
    public mutating func prune(alsoKeeping protected: Set<Int> = []) -> [AppRelease] {
        let kept = Set(releases.suffix(max(keepReleases, 1)).map(\.number) + [currentRelease].compactMap { $0 })
            .union(protected)
        var removed: [AppRelease] = []
        for index in releases.indices where !releases[index].pruned && !kept.contains(releases[index].number) {
            releases[index].pruned = true
            removed.append(releases[index])
        }
        return removed
    }

    /// The release `pipette rollback` goes to: `number`, or the newest kept one before the current.
    /// Throws a sentence when there is none, or it was pruned, or it is already current.
    public func rollbackTarget(_ number: Int?) throws(AppRecordError) -> AppRelease {
        guard let currentRelease else { throw AppRecordError("\(name) has no release yet; push it first") }
        if let number {
            guard let release = releases.first(where: { $0.number == number }) else {
                throw AppRecordError("\(name) has no release \(number); `pipette releases \(name)` lists them")
            }
            guard number != currentRelease else { throw AppRecordError("release \(number) of \(name) is already current") }
            guard !release.pruned else {
                throw AppRecordError("release \(number) of \(name) can no longer be rolled back to: its droplet was removed "
                                     + "(the last \(keepReleases) releases are kept; see --keep-releases)")
            }
            return release
        }
        guard let previous = releases.last(where: { $0.number < currentRelease && !$0.pruned }) else {
            throw AppRecordError("\(name) has no kept release before \(currentRelease) to roll back to")
        }
        return previous
    }

    /// How many instances should run now: none while stopped or before the first release.
    public var desiredInstances: Int { state == .started && current != nil ? instances : 0 }

    enum CodingKeys: String, CodingKey {
        case name, guid, stack, instances, state, environment, releases
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case healthCheck = "health_check"
        case currentRelease = "current_release"
        case keepReleases = "keep_releases"
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
        keepReleases = try c.decodeIfPresent(Int.self, forKey: .keepReleases) ?? Self.defaultKeepReleases
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
