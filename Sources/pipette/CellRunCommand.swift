import ArgumentParser
import Cell
import Container
import Foundation
import Logging
import ServiceLifecycle
import PipetteCore
import Staging

struct CellRunCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
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

            Config file (--config FILE, YAML): every flag is a key, in snake_case
            (id, zone, stacks as a list, memory_mb, disk_mb, max_containers, tags as a
            map, workspace_dir, heartbeat_ms, advertise, port_range, container_subnet,
            evacuation_timeout, health_interval, domain, nats, nats_nkey, log_level,
            log_format); flags override it, and $PIPETTE_NATS_URL overrides its nats.
            `pipette cell install` writes one with each key explained.

            Examples:
              pipette cell --id amd64-1 --zone z1 --stacks tiny-amd64,bookworm-amd64
              pipette cell --id pi-3 --zone rack2 --stacks bookworm-arm64 \\
                --memory-mb 4096 --tag disk=ssd --advertise 198.18.0.13
              pipette cell --config /etc/pipette/cell.yml --log-format journal
            """)

    @Option(help: ArgumentHelp("A YAML file of these flags as snake_case keys (flags override it).", valueName: "file"))
    var config: String?

    @OptionGroup var cell: CellOptions

    @Option(help: ArgumentHelp("text (timestamped lines) or journal (<N> syslog level prefixes, no timestamps, for systemd) (log_format; default: text).",
                               valueName: "format"))
    var logFormat: String?

    @OptionGroup var bus: BusOptions

    /// The file's settings with the flags (and $PIPETTE_NATS_URL, $PIPETTE_NATS_NKEY) laid over them.
    func settings() throws -> CellFile {
        var file = try config.map { path in
            do { return try CellFile.load(path) } catch { throw ValidationError("\(error)") }
        } ?? CellFile()
        if let logFormat { file.logFormat = logFormat }
        if let level = bus.logLevel { file.logLevel = level.name }
        return try cell.applied(to: file)
    }

    func validate() throws { _ = try settings() }

    func makeService() async throws -> any Service {
        guard getuid() == 0 else { throw ContainerError.notRoot }
        let settings = try settings()
        let logger = LogSetup.logger("pipette.cell", level: try LogLevel.named(settings.logLevel, in: "--log-level (log_level)"), format: settings.logFormat)
        let home = PipetteHome.locate()
        let store = StackStore(directory: home.stacks)
        let names = settings.stacks ?? store.list().filter { $0.metadata != nil }.map(\.stack.name)
        let checked = CellStacks(names, store: store)
        let id = settings.id ?? ProcessInfo.processInfo.hostName
        for refused in checked.refused {
            Output.status("cell \(id) refuses stack \(refused.name): \(refused.reason)")
        }
        guard !checked.usable.isEmpty else {
            throw CommandFailure("cell \(id) has no stack it can run"
                + (names.isEmpty ? "; build one with `pipette stack build tiny-amd64`" : " (asked for: \(names.joined(separator: ", ")))"))
        }
        let capacity = Resources(memoryMB: settings.memoryMB ?? Int(ProcessInfo.processInfo.physicalMemory >> 20),
                                 diskMB: settings.diskMB ?? Self.freeDiskMB(home.stacks), containers: settings.maxContainers)
        let natsURL = bus.nats ?? ProcessInfo.processInfo.environment["PIPETTE_NATS_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? settings.nats ?? BusOptions.resolve(nil)
        if let warning = Loopback.advertiseWarning(cell: id, advertise: settings.advertise, natsURLs: natsURL) {
            Output.status(warning)
        }
        var config = CellConfig(
            id: id, zone: settings.zone, stacks: checked.usable.map(\.stack.name), capacity: capacity,
            tags: settings.tags, natsURI: natsURL, heartbeatInterval: .milliseconds(settings.heartbeatMs),
            workspaceDirectory: settings.workspaceDir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory)
        config.natsOptions = BusOptions.options(nkey: bus.natsNkey ?? ProcessInfo.processInfo.environment["PIPETTE_NATS_NKEY"]
            .flatMap { $0.isEmpty ? nil : $0 } ?? settings.natsNkey)
        config.advertiseHost = settings.advertise
        config.portRange = CellOptions.ports(settings.portRange) ?? config.portRange
        config.containerSubnet = settings.containerSubnet
        config.evacuationTimeout = .seconds(settings.evacuationTimeout)
        config.healthInterval = .seconds(settings.healthInterval)
        config.routeDomain = settings.domain
        let zone = config.zone
        let advertise = settings.advertise
        let service = CellService(config: config, home: home, stacks: checked, logger: logger) {
            Output.status("cell \(id) ready in zone \(zone) at \(advertise): "
                + checked.usable.map { "\($0.stack.name) (\($0.stack.arch))" }.joined(separator: ", ")
                + "; \(capacity.memoryMB) MB memory, \(capacity.diskMB) MB disk, \(capacity.containers) containers")
        }
        return service
    }

    static func freeDiskMB(_ directory: URL) -> Int {
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: directory.path)[.systemFreeSize] as? NSNumber)?.int64Value
        return Int((free ?? 10 << 30) >> 20)
    }
}
