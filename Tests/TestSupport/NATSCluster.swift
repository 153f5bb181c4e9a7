import Foundation
import NATS

/// Three real nats-server nodes on loopback joined by routes into cluster `pipette`, each with
/// JetStream (its own store), ready once JetStream can keep a bucket on all three.
public final class NATSCluster: @unchecked Sendable {
    public let nodes: [NATSServer]

    /// Every node's client URL, comma-separated (what `--nats` takes).
    public var urls: String { nodes.map(\.url).joined(separator: ",") }

    public init(size: Int = 3) async throws {
        let clusterPorts = (0..<size).map { _ in freePort() }
        let routes = clusterPorts.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ",")
        nodes = try (0..<size).map { index in
            try NATSServer(arguments: ["-n", "node-\(index + 1)", "--cluster_name", "pipette",
                                       "--cluster", "nats://127.0.0.1:\(clusterPorts[index])", "--routes", routes])
        }
        try await waitUntilReady()
    }

    /// Waits until a client of node 1 knows every node and JetStream has a meta leader that can
    /// place a replicated bucket (a cluster just started elects one within a few seconds).
    private func waitUntilReady() async throws {
        let connection = try await NATSConnection.connect(nodes[0].url)
        defer { connection.close() }
        let size = nodes.count
        let ready = await eventually(within: .seconds(30)) {
            guard connection.knownServers.count >= size else { return false }
            return (try? await KeyValueBucket.open(connection, bucket: "cluster_ready", timeout: .seconds(2))) != nil
        }
        guard ready else { throw NATSServer.Failure(message: "the \(size)-node NATS cluster did not form within 30 s") }
    }
}
