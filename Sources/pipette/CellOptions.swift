import ArgumentParser
import Cell

/// The flags that say what a cell is (id, stacks, capacity, addresses, timings), shared by
/// `pipette cell` (which runs it) and `pipette cell install` (which writes them to cell.yml). Each
/// is also a key of the config file (`CellFile`); a flag given overrides the file.
struct CellOptions: ParsableArguments {
    @Option(help: "The cell's id, unique on the bus (id; default: the host name).")
    var id: String?

    @Option(help: "The zone (rack, room, site); instances of one app are spread across zones (zone; default: z1).")
    var zone: String?

    @Option(help: ArgumentHelp("Stacks to offer, comma-separated (stacks; default: every built stack this host can run).",
                               valueName: "S1,S2"))
    var stacks: String?

    @Option(help: "Memory to offer, MB (memory_mb; default: this host's memory).")
    var memoryMb: Int?

    @Option(help: "Disk to offer, MB (disk_mb; default: free space under the stack cache).")
    var diskMb: Int?

    @Option(help: "Containers run at once, at most (max_containers; default: 8).")
    var maxContainers: Int?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A placement tag (repeatable; tags; replaces the file's tags).",
                                                         valueName: "KEY=VALUE"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Where task workspaces go (workspace_dir; default: the system's temporary folder); give it a disk with room for apps, droplets and build caches.",
                               valueName: "dir"))
    var workspaceDir: String?

    @Option(help: "Milliseconds between heartbeats; the auctioneer drops a cell after three missed (heartbeat_ms; default: 2000).")
    var heartbeatMs: Int?

    @Option(help: ArgumentHelp("The address app instances are reached at from other hosts (advertise; default: 127.0.0.1).",
                               valueName: "host"))
    var advertise: String?

    @Option(help: ArgumentHelp("Host ports for app instances, unique across cells on this host (port_range; default: 61001-61999).",
                               valueName: "A-B"))
    var portRange: String?

    @Option(help: ArgumentHelp("The app instances' bridge network (never 10/8, 172.16/12 or 192.168/16); cells on one host must agree (container_subnet; default: 198.19.0.0/16).",
                               valueName: "CIDR"))
    var containerSubnet: String?

    @Option(help: ArgumentHelp("Seconds an evacuating cell keeps its instances for the converger to replace (evacuation_timeout; default: 60).",
                               valueName: "S"))
    var evacuationTimeout: Int?

    @Option(help: ArgumentHelp("Seconds between liveness health checks of running instances (health_interval; default: 30).",
                               valueName: "S"))
    var healthInterval: Int?

    @Option(help: ArgumentHelp("Apps' routes are APP.DOMAIN, announced to routers on router.register, gorouter's format (domain; default: localhost).",
                               valueName: "domain"))
    var domain: String?

    /// `file` with the flags given laid over it.
    func applied(to file: CellFile) throws -> CellFile {
        var file = file
        if let id { file.id = id }
        if let zone { file.zone = zone }
        if let stacks { file.stacks = Self.names(stacks) }
        if let memoryMb { file.memoryMB = memoryMb }
        if let diskMb { file.diskMB = diskMb }
        if let maxContainers { file.maxContainers = maxContainers }
        if !tags.isEmpty {
            try KeyValuePairs.check(tags, option: "tag")
            file.tags = KeyValuePairs.dictionary(tags)
        }
        if let workspaceDir { file.workspaceDir = workspaceDir }
        if let heartbeatMs { file.heartbeatMs = heartbeatMs }
        if let advertise { file.advertise = advertise }
        if let portRange { file.portRange = portRange }
        if let containerSubnet { file.containerSubnet = containerSubnet }
        if let evacuationTimeout { file.evacuationTimeout = evacuationTimeout }
        if let healthInterval { file.healthInterval = healthInterval }
        if let domain { file.domain = domain }
        try Self.check(file)
        return file
    }

    /// `a, b` as names.
    static func names(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Throws naming the flag (and file key) whose value a cell cannot work with.
    static func check(_ file: CellFile) throws {
        if file.maxContainers < 1 { throw ValidationError("--max-containers (max_containers) must be at least 1") }
        if file.heartbeatMs < 50 { throw ValidationError("--heartbeat-ms (heartbeat_ms) must be at least 50") }
        if let memory = file.memoryMB, memory < 1 { throw ValidationError("--memory-mb (memory_mb) must be a positive number of MB") }
        if let disk = file.diskMB, disk < 1 { throw ValidationError("--disk-mb (disk_mb) must be a positive number of MB") }
        if file.stacks?.isEmpty == true { throw ValidationError("--stacks (stacks) names no stack; give one, e.g. tiny-amd64") }
        guard ports(file.portRange) != nil else {
            throw ValidationError("--port-range (port_range) must be A-B with 1024 <= A <= B <= 65535, e.g. 61001-61999")
        }
        if let reason = subnetProblem(file.containerSubnet) { throw ValidationError("--container-subnet (container_subnet) \(reason)") }
        if file.evacuationTimeout < 0 { throw ValidationError("--evacuation-timeout (evacuation_timeout) must be 0 or more seconds") }
        if file.healthInterval < 1 { throw ValidationError("--health-interval (health_interval) must be at least 1 second") }
        let domain = file.domain
        if domain.isEmpty || domain.hasPrefix(".") || !domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) }) {
            throw ValidationError("--domain (domain) must be a DNS name such as localhost or apps.example.com")
        }
        if file.advertise.isEmpty || file.advertise.contains(where: { $0 == " " || $0 == "/" }) {
            throw ValidationError("--advertise (advertise) must be a host name or IP address, e.g. 192.0.2.10")
        }
        _ = try LogLevel.named(file.logLevel, in: "--log-level (log_level)")
        if !LogSetup.formats.contains(file.logFormat) {
            throw ValidationError("--log-format (log_format) must be one of: \(LogSetup.formats.joined(separator: ", "))")
        }
        if let id = file.id, id.isEmpty || id.contains(where: { $0.isWhitespace || $0 == "/" }) {
            throw ValidationError("--id (id) must be a name without spaces or slashes, e.g. pi-3")
        }
    }

    /// `A-B` as a range of unprivileged ports, or nil.
    static func ports(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1024, parts[0] <= parts[1], parts[1] <= 65535 else { return nil }
        return parts[0]...parts[1]
    }

    /// Why `cidr` cannot be the containers' subnet, or nil.
    static func subnetProblem(_ cidr: String) -> String? {
        let parts = cidr.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt8($0) } ?? []
        guard parts.count == 2, octets.count == 4, let bits = Int(parts[1]), (8...28).contains(bits) else {
            return "must be an IPv4 CIDR such as 198.19.0.0/16 (prefix 8 to 28)"
        }
        if octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168) {
            return "must not be in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (hosts' own networks use them); use 198.19.0.0/16"
        }
        return nil
    }
}
