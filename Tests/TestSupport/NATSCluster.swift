import Foundation
import NATS
import PipetteCore

/// Three real nats-server nodes on loopback joined by routes into cluster `pipette`, each with
/// JetStream (its own store), ready once JetStream can keep a bucket on all three. Given
/// `authorization`, every node takes only its users, and ``url(_:as:)`` names one.
public final class NATSCluster: @unchecked Sendable {
    public let nodes: [NATSServer]
    public let authorization: NATSAuthorization?
    private let work: TemporaryDirectory

    /// Every node's client URL, comma-separated (what `--nats` takes), as `role`.
    public func urls(as role: BusRole = .admin) -> String { nodes.indices.map { url($0, as: role) }.joined(separator: ",") }

    /// Node `index`'s client URL, with `role`'s user when the cluster has users.
    public func url(_ index: Int, as role: BusRole = .admin) -> String {
        guard let user = authorization?.users.first(where: { $0.role == role }) else { return nodes[index].url }
        return "nats://\(user.name):\(user.password)@127.0.0.1:\(nodes[index].port)"
    }

    /// A user per role with a random password, for ``init(size:authorization:)``.
    public static func usersPerRole() -> NATSAuthorization {
        NATSAuthorization(users: BusRole.allCases.map {
            NATSAuthorization.User(name: $0.rawValue, password: UUID().uuidString.prefix(12).lowercased(), role: $0)
        })
    }

    public init(size: Int = 3, authorization: NATSAuthorization? = nil) async throws {
        self.authorization = authorization
        work = try TemporaryDirectory("nats-cluster")
        var config: [String] = []
        if let authorization {
            try work.write("auth.conf", authorization.config)
            config = ["-c", work.file("auth.conf").path]
        }
        let clusterPorts = (0..<size).map { _ in freePort() }
        let routes = clusterPorts.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ",")
        nodes = try (0..<size).map { index in
            try NATSServer(arguments: config + ["-n", "node-\(index + 1)", "--cluster_name", "pipette",
                                                "--cluster", "nats://127.0.0.1:\(clusterPorts[index])", "--routes", routes])
        }
        try await waitUntilReady()
    }

    deinit { work.remove() }

    /// Waits until a client of node 1 knows every node and JetStream has a meta leader that can
    /// place a replicated bucket (a cluster just started elects one within a few seconds).
    private func waitUntilReady() async throws {
        let connection = try await NATSConnection.connect(url(0))
        defer { connection.close() }
        let size = nodes.count
        let ready = await eventually(within: .seconds(30)) {
            guard connection.knownServers.count >= size else { return false }
            return (try? await KeyValueBucket.open(connection, bucket: "cluster_ready", timeout: .seconds(2))) != nil
        }
        guard ready else { throw NATSServer.Failure(message: "the \(size)-node NATS cluster did not form within 30 s") }
    }
}
