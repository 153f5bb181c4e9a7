import Foundation

/// Wires a network namespace with the CNI reference plugins (Debian's containernetworking-plugins),
/// run as programs the way a runtime runs a conflist: `bridge` (with `host-local` IPAM) then
/// `portmap`, each ADD given the previous result; DEL in reverse. The instance gets an address on
/// the bridge's subnet and a host port that forwards to its container port, from 127.0.0.1 too
/// (portmap's `snat` sets `route_localnet` on the bridge for that).
public struct CNINetwork: Sendable {
    /// The network's name (host-local keeps its leases under `<ipam dir>/<name>`).
    public var name = "pipette"
    public var bridge = "pipette0"
    /// The containers' subnet; the bridge is its first address and the containers' gateway.
    public var subnet: String
    public var pluginDirectory: URL
    /// host-local's lease folder; its default (`/var/lib/cni/networks`) when nil.
    public var ipamDataDirectory: String?

    public init(subnet: String = "198.19.0.0/16", pluginDirectory: URL = URL(fileURLWithPath: "/usr/lib/cni"),
                ipamDataDirectory: String? = nil) {
        self.subnet = subnet
        self.pluginDirectory = pluginDirectory
        self.ipamDataDirectory = ipamDataDirectory
    }

    /// What ADD gave the namespace.
    public struct Attachment: Sendable, Equatable {
        /// The container's address on the bridge (no prefix length).
        public let ip: String
    }

    static let plugins = ["bridge", "host-local", "portmap"]

    /// Throws naming the package to install when a plugin is missing.
    public func preflight() throws(ContainerError) {
        for plugin in Self.plugins {
            let path = pluginDirectory.appendingPathComponent(plugin).path
            guard FileManager.default.isExecutableFile(atPath: path) else { throw .cniPluginMissing(path: path) }
        }
        _ = try Subprocess.which("iptables")
    }

    /// Connects the namespace at `netns` to the bridge and maps `hostPort` to `containerPort`.
    /// On failure nothing is left configured.
    public func attach(containerID: String, netns: String, hostPort: Int, containerPort: Int,
                       ifName: String = "eth0") async throws(ContainerError) -> Attachment {
        try preflight()
        let call = Call(containerID: containerID, netns: netns, ifName: ifName)
        let bridged = try await invoke("bridge", "ADD", config: bridgeConfig(), call: call)
        do {
            _ = try await invoke("portmap", "ADD",
                                 config: portmapConfig(hostPort: hostPort, containerPort: containerPort, previous: bridged),
                                 call: call)
        } catch {
            _ = try? await invoke("bridge", "DEL", config: bridgeConfig(), call: call)
            throw error
        }
        guard let ips = bridged["ips"] as? [[String: Any]], let address = ips.first?["address"] as? String,
              let ip = address.split(separator: "/").first
        else {
            await detach(containerID: containerID, netns: netns, hostPort: hostPort, containerPort: containerPort, ifName: ifName)
            throw .cniFailed(plugin: "bridge", command: "ADD", message: "its result has no IP address")
        }
        return Attachment(ip: String(ip))
    }

    /// Undoes `attach` (portmap, then bridge, which releases the address); safe to repeat and
    /// after the namespace is gone. Returns what failed, for the log.
    @discardableResult
    public func detach(containerID: String, netns: String, hostPort: Int, containerPort: Int,
                       ifName: String = "eth0") async -> [String] {
        let call = Call(containerID: containerID, netns: netns, ifName: ifName)
        var failures: [String] = []
        for (plugin, config) in [("portmap", portmapConfig(hostPort: hostPort, containerPort: containerPort, previous: nil)),
                                 ("bridge", bridgeConfig())] {
            do {
                _ = try await invoke(plugin, "DEL", config: config, call: call)
            } catch {
                failures.append(error.description)
            }
        }
        return failures
    }

    private struct Call {
        let containerID: String
        let netns: String
        let ifName: String
    }

    func bridgeConfig() -> [String: Any] {
        var ipam: [String: Any] = [
            "type": "host-local",
            "ranges": [[["subnet": subnet]]],
            "routes": [["dst": "0.0.0.0/0"]],
        ]
        if let ipamDataDirectory { ipam["dataDir"] = ipamDataDirectory }
        return ["cniVersion": "1.0.0", "name": name, "type": "bridge", "bridge": bridge,
                "isGateway": true, "ipMasq": false, "ipam": ipam]
    }

    func portmapConfig(hostPort: Int, containerPort: Int, previous: [String: Any]?) -> [String: Any] {
        var config: [String: Any] = [
            "cniVersion": "1.0.0", "name": name, "type": "portmap", "snat": true,
            "capabilities": ["portMappings": true],
            "runtimeConfig": ["portMappings": [["hostPort": hostPort, "containerPort": containerPort, "protocol": "tcp"]]],
        ]
        if let previous { config["prevResult"] = previous }
        return config
    }

    /// Runs one plugin with the CNI environment and `config` on stdin; returns its result object.
    private func invoke(_ plugin: String, _ command: String, config: [String: Any],
                        call: Call) async throws(ContainerError) -> [String: Any] {
        let executable = pluginDirectory.appendingPathComponent(plugin).path
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw .cniPluginMissing(path: executable) }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-cni-\(UUID().uuidString).json")
        defer { unlink(input.path) }
        do {
            try ScratchFile.write(JSONSerialization.data(withJSONObject: config), to: input)
        } catch let error as ScratchFileError {
            throw .cniFailed(plugin: plugin, command: command, message: "its configuration: \(error.description)")
        } catch {
            throw .cniFailed(plugin: plugin, command: command, message: "cannot write its configuration: \(error.localizedDescription)")
        }
        let environment = [
            "CNI_COMMAND": command, "CNI_CONTAINERID": call.containerID, "CNI_NETNS": call.netns,
            "CNI_IFNAME": call.ifName, "CNI_PATH": pluginDirectory.path,
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        let output = Lines()
        let status = try await Subprocess.run(executable, [], environment: environment, input: input, onLine: output.append)
        let text = output.joined
        let object = Self.jsonObject(in: text)
        guard status == 0 else {
            let message = [object?["msg"] as? String, object?["details"] as? String].compactMap { $0 }.joined(separator: ": ")
            throw .cniFailed(plugin: plugin, command: command,
                             message: message.isEmpty ? (output.last ?? "exit status \(status)") : message)
        }
        return object ?? [:]
    }

    /// The JSON object in a plugin's output (which may be preceded by log lines).
    static func jsonObject(in text: String) -> [String: Any]? {
        guard let start = text.firstIndex(of: "{") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text[start...].utf8))) as? [String: Any]
    }
}
