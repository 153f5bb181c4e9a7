import ArgumentParser
import Cell
import Container
import Foundation
import Logging
import PipetteCore
import Staging

struct CellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell",
        abstract: "Run a cell: advertise stacks and capacity on NATS and run the staging Tasks and app instances placed here.",
        discussion: """
            At start each stack is checked: it must be built (`pipette stack build NAME`)
            and of an arch this host runs, natively or through qemu binfmt; other stacks
            are refused with the reason. The cell then heartbeats its state on
            pipette.cell.heartbeat, takes perform requests from the auctioneer (reserving
            memory, disk and a container slot per task, or rejecting what no longer fits)
            and runs each Task's builder in runc, streaming its output.

            App instances (LRPs) run the droplet's launcher in runc, each in its own
            network namespace on the bridge pipette0 (CNI bridge + host-local + portmap,
            subnet --container-subnet), reachable at --advertise:<host port> with host
            ports from --port-range. They are health-checked (startup, then every
            --health-interval) and reported as starting, running or crashed.

            SIGTERM or Ctrl-C evacuates: the cell stops taking work, finishes its tasks,
            keeps its instances until they are replaced elsewhere and stopped (or until
            --evacuation-timeout), and leaves.

            Routes: each running instance is announced on router.register as
            APP.--domain (Cloud Foundry's route-emitter format, so `pipette router` or a
            gorouter routes it), withdrawn on router.unregister when it stops or crashes.

            Examples:
              pipette cell --id amd64-1 --zone z1 --stacks tiny-amd64,bookworm-amd64
              pipette cell --id pi-3 --zone rack2 --stacks bookworm-arm64 \\
                --memory-mb 4096 --tag disk=ssd
            """)

    @Option(help: "The cell's id, unique on the bus (default: the host name).")
    var id: String?

    @Option(help: "The zone (rack, room, site); instances of one app are spread across zones.")
    var zone = "z1"

    @Option(help: ArgumentHelp("Stacks to offer, comma-separated (default: every built stack this host can run).",
                               valueName: "S1,S2"))
    var stacks: String?

    @Option(help: "Memory to offer, MB (default: this host's memory).")
    var memoryMb: Int?

    @Option(help: "Disk to offer, MB (default: free space under the stack cache).")
    var diskMb: Int?

    @Option(help: "Containers run at once, at most.")
    var maxContainers = 8

    @Option(name: .customLong("tag"), help: ArgumentHelp("A placement tag (repeatable).", valueName: "KEY=VALUE"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Where task workspaces go (default: the system's temporary folder); give it a disk with room for apps, droplets and build caches.",
                               valueName: "dir"))
    var workspaceDir: String?

    @Option(help: "Milliseconds between heartbeats; the auctioneer drops a cell after three missed.")
    var heartbeatMs = 2000

    @Option(help: ArgumentHelp("The address app instances are reached at from other hosts.", valueName: "host"))
    var advertise = "127.0.0.1"

    @Option(help: ArgumentHelp("Host ports for app instances, unique across cells on this host.", valueName: "A-B"))
    var portRange = "61001-61999"

    @Option(help: ArgumentHelp("The app instances' bridge network (never 10/8, 172.16/12 or 192.168/16); cells on one host must agree.",
                               valueName: "CIDR"))
    var containerSubnet = "198.19.0.0/16"

    @Option(help: ArgumentHelp("Seconds an evacuating cell keeps its instances for the converger to replace.", valueName: "S"))
    var evacuationTimeout = 60

    @Option(help: ArgumentHelp("Seconds between liveness health checks of running instances.", valueName: "S"))
    var healthInterval = 30

    @Option(help: ArgumentHelp("Apps' routes are APP.DOMAIN, announced to routers on router.register (gorouter's format).",
                               valueName: "domain"))
    var domain = "localhost"

    @OptionGroup var bus: BusOptions

    func validate() throws {
        if maxContainers < 1 { throw ValidationError("--max-containers must be at least 1") }
        if heartbeatMs < 50 { throw ValidationError("--heartbeat-ms must be at least 50") }
        if let memoryMb, memoryMb < 1 { throw ValidationError("--memory-mb must be a positive number of MB") }
        if let diskMb, diskMb < 1 { throw ValidationError("--disk-mb must be a positive number of MB") }
        try KeyValuePairs.check(tags, option: "tag")
        guard Self.ports(portRange) != nil else {
            throw ValidationError("--port-range must be A-B with 1024 <= A <= B <= 65535, e.g. 61001-61999")
        }
        if let reason = Self.subnetProblem(containerSubnet) { throw ValidationError("--container-subnet \(reason)") }
        if evacuationTimeout < 0 { throw ValidationError("--evacuation-timeout must be 0 or more seconds") }
        if healthInterval < 1 { throw ValidationError("--health-interval must be at least 1 second") }
        if domain.isEmpty || domain.hasPrefix(".") || !domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) }) {
            throw ValidationError("--domain must be a DNS name such as localhost or apps.example.com")
        }
        if advertise.isEmpty || advertise.contains(where: { $0 == " " || $0 == "/" }) {
            throw ValidationError("--advertise must be a host name or IP address, e.g. 192.0.2.10")
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

    func run() async throws {
        guard getuid() == 0 else { throw ContainerError.notRoot }
        _ = LogSetup.bootstrap(level: bus.logLevel)
        let logger = Logger(label: "pipette.cell")
        let home = PipetteHome.locate()
        let store = StackStore(directory: home.stacks)
        let names = stacks.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? store.list().filter { $0.metadata != nil }.map(\.stack.name)
        let checked = CellStacks(names, store: store)
        let id = self.id ?? ProcessInfo.processInfo.hostName
        for refused in checked.refused {
            Output.status("cell \(id) refuses stack \(refused.name): \(refused.reason)")
        }
        guard !checked.usable.isEmpty else {
            throw CommandFailure("cell \(id) has no stack it can run"
                + (names.isEmpty ? "; build one with `pipette stack build tiny-amd64`" : " (asked for: \(names.joined(separator: ", ")))"))
        }
        let capacity = Resources(memoryMB: memoryMb ?? Int(ProcessInfo.processInfo.physicalMemory >> 20),
                                 diskMB: diskMb ?? Self.freeDiskMB(home.stacks), containers: maxContainers)
        var config = CellConfig(
            id: id, zone: zone, stacks: checked.usable.map(\.stack.name), capacity: capacity,
            tags: KeyValuePairs.dictionary(tags),
            natsURI: bus.natsURL, heartbeatInterval: .milliseconds(heartbeatMs),
            workspaceDirectory: workspaceDir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory)
        config.natsOptions = bus.natsOptions
        config.advertiseHost = advertise
        config.portRange = Self.ports(portRange) ?? config.portRange
        config.containerSubnet = containerSubnet
        config.evacuationTimeout = .seconds(evacuationTimeout)
        config.healthInterval = .seconds(healthInterval)
        config.routeDomain = domain
        let zone = config.zone
        let service = CellService(config: config, home: home, stacks: checked, logger: logger) {
            Output.status("cell \(id) ready in zone \(zone): "
                + checked.usable.map { "\($0.stack.name) (\($0.stack.arch))" }.joined(separator: ", ")
                + "; \(capacity.memoryMB) MB memory, \(capacity.diskMB) MB disk, \(capacity.containers) containers")
        }
        try await ServiceRun.untilSignalled(service, logger: logger)
    }

    static func freeDiskMB(_ directory: URL) -> Int {
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: directory.path)[.systemFreeSize] as? NSNumber)?.int64Value
        return Int((free ?? 10 << 30) >> 20)
    }
}
