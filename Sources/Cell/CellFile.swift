import Foundation
import PipetteCore
import Yams

/// A cell's config file (`pipette cell --config /etc/pipette/cell.yml`, written by
/// `pipette cell install`): the flags of `pipette cell` as snake_case keys; flags given on the
/// command line override it. NATS credentials never go here: they go in `PIPETTE_NATS_URL`
/// (the installed service reads it from `/etc/pipette/cell.env`, mode 0600).
public struct CellFile: Codable, Sendable, Equatable {
    /// `id`: the cell's id, unique on the bus (default: the host name).
    public var id: String?
    /// `zone`: the rack, room or site; one app's instances are spread across zones.
    public var zone = "z1"
    /// `stacks`: the stacks to offer, a list (default: every built stack this host can run).
    public var stacks: [String]?
    /// `memory_mb`: memory to offer, MB (default: this host's memory).
    public var memoryMB: Int?
    /// `disk_mb`: disk to offer, MB (default: free space under the stack cache).
    public var diskMB: Int?
    /// `max_containers`: containers run at once, at most.
    public var maxContainers = 8
    /// `tags`: placement tags, a map of KEY: VALUE.
    public var tags: [String: String] = [:]
    /// `workspace_dir`: where task workspaces go (default: the system's temporary folder).
    public var workspaceDir: String?
    /// `heartbeat_ms`: milliseconds between heartbeats; the auctioneer drops a cell after three missed.
    public var heartbeatMs = 2000
    /// `advertise`: the address app instances and the stager reach this cell at from other hosts.
    public var advertise = "127.0.0.1"
    /// `port_range`: host ports for app instances, `A-B`, unique across cells on one host.
    public var portRange = "61001-61999"
    /// `container_subnet`: the instances' bridge network (never 10/8, 172.16/12 or 192.168/16).
    public var containerSubnet = "198.19.0.0/16"
    /// `evacuation_timeout`: seconds an evacuating cell keeps its instances for the converger to replace.
    public var evacuationTimeout = 60
    /// `health_interval`: seconds between liveness checks of running instances.
    public var healthInterval = 30
    /// `domain`: apps' routes are APP.DOMAIN, announced on router.register.
    public var domain = "localhost"
    /// `nats`: NATS server URL(s), comma-separated, without credentials (default: $PIPETTE_NATS_URL).
    public var nats: String?
    /// `nats_nkey`: a NATS user nkey seed file (default: $PIPETTE_NATS_NKEY).
    public var natsNkey: String?
    /// `log_level`: trace, debug, info, warning or error.
    public var logLevel = "info"
    /// `log_format`: `text` (timestamps, for a terminal) or `journal` (syslog `<N>` level prefixes,
    /// no timestamps, for systemd's journal).
    public var logFormat = "text"

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, zone, stacks, tags, advertise, domain, nats
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case maxContainers = "max_containers"
        case workspaceDir = "workspace_dir"
        case heartbeatMs = "heartbeat_ms"
        case portRange = "port_range"
        case containerSubnet = "container_subnet"
        case evacuationTimeout = "evacuation_timeout"
        case healthInterval = "health_interval"
        case natsNkey = "nats_nkey"
        case logLevel = "log_level"
        case logFormat = "log_format"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CellFile()
        id = try c.decodeIfPresent(String.self, forKey: .id)
        zone = try c.decodeIfPresent(String.self, forKey: .zone) ?? defaults.zone
        stacks = try c.decodeIfPresent([String].self, forKey: .stacks)
        memoryMB = try c.decodeIfPresent(Int.self, forKey: .memoryMB)
        diskMB = try c.decodeIfPresent(Int.self, forKey: .diskMB)
        maxContainers = try c.decodeIfPresent(Int.self, forKey: .maxContainers) ?? defaults.maxContainers
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags) ?? defaults.tags
        workspaceDir = try c.decodeIfPresent(String.self, forKey: .workspaceDir)
        heartbeatMs = try c.decodeIfPresent(Int.self, forKey: .heartbeatMs) ?? defaults.heartbeatMs
        advertise = try c.decodeIfPresent(String.self, forKey: .advertise) ?? defaults.advertise
        portRange = try c.decodeIfPresent(String.self, forKey: .portRange) ?? defaults.portRange
        containerSubnet = try c.decodeIfPresent(String.self, forKey: .containerSubnet) ?? defaults.containerSubnet
        evacuationTimeout = try c.decodeIfPresent(Int.self, forKey: .evacuationTimeout) ?? defaults.evacuationTimeout
        healthInterval = try c.decodeIfPresent(Int.self, forKey: .healthInterval) ?? defaults.healthInterval
        domain = try c.decodeIfPresent(String.self, forKey: .domain) ?? defaults.domain
        nats = try c.decodeIfPresent(String.self, forKey: .nats)
        natsNkey = try c.decodeIfPresent(String.self, forKey: .natsNkey)
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? defaults.logLevel
        logFormat = try c.decodeIfPresent(String.self, forKey: .logFormat) ?? defaults.logFormat
    }

    /// Reads a YAML file; errors name the file and the problem (an unknown key too, so a typo is
    /// not silently ignored).
    public static func load(_ path: String) throws(CellFileError) -> CellFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CellFileError(message: "cannot read the cell's config file \(path)")
        }
        do {
            if let keys = (try Yams.load(yaml: text) as? [String: Any])?.keys {
                let known = Set(CodingKeys.allCases.map(\.rawValue))
                if let unknown = keys.sorted().first(where: { !known.contains($0) }) {
                    throw CellFileError(message: "config file \(path) has an unknown key \(unknown); known keys: "
                        + CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))
                }
            }
            return try YAMLDecoder().decode(CellFile.self, from: text)
        } catch let error as CellFileError {
            throw error
        } catch {
            throw CellFileError(message: "config file \(path) is not valid: \(ConfigFileProblem.sentence(error))")
        }
    }

    /// The file's text: every key with what it means (unset ones commented out), values quoted as
    /// JSON (which YAML reads).
    public var yaml: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func quoted<T: Encodable>(_ value: T) -> String {
            (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
        }
        func line<T: Encodable>(_ key: CodingKeys, _ value: T?, _ meaning: String) -> String {
            "# \(meaning)\n" + (value.map { "\(key.rawValue): \(quoted($0))" } ?? "# \(key.rawValue):") + "\n"
        }
        return "# The cell's settings (pipette cell --config); flags given to `pipette cell` override them.\n"
            + line(.id, id, "The cell's id, unique on the bus (unset: the host name).")
            + line(.zone, zone, "Zone (rack, room, site): one app's instances are spread across zones.")
            + line(.stacks, stacks, "Stacks to offer (unset: every built stack this host can run).")
            + line(.memoryMB, memoryMB, "Memory to offer, MB (unset: this host's memory).")
            + line(.diskMB, diskMB, "Disk to offer, MB (unset: free space under the stack cache).")
            + line(.maxContainers, maxContainers, "Containers run at once, at most.")
            + line(.tags, tags, "Placement tags.")
            + line(.workspaceDir, workspaceDir, "Where task workspaces go (unset: the system's temporary folder).")
            + line(.heartbeatMs, heartbeatMs, "Milliseconds between heartbeats (three missed: the cell is gone).")
            + line(.advertise, advertise, "The address other hosts reach this cell's apps at.")
            + line(.portRange, portRange, "Host ports for app instances, A-B.")
            + line(.containerSubnet, containerSubnet, "The instances' bridge network.")
            + line(.evacuationTimeout, evacuationTimeout, "Seconds an evacuating cell keeps instances to be replaced.")
            + line(.healthInterval, healthInterval, "Seconds between liveness checks of running instances.")
            + line(.domain, domain, "Apps' routes are APP.DOMAIN.")
            + line(.nats, nats, "NATS URL(s) without credentials (credentials: PIPETTE_NATS_URL in the env file).")
            + line(.natsNkey, natsNkey, "A NATS user nkey seed file.")
            + line(.logLevel, logLevel, "Log level: trace, debug, info, warning, error.")
            + line(.logFormat, logFormat, "Log format: text or journal.")
    }
}

/// A cell config file that cannot be used; the message names the file and what is wrong.
public struct CellFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
