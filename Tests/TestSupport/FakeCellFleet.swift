import NATS
import PipetteCore

/// Many ``FakeCell``s for load tests (the 1,000-cell × 10,000-instance converger benchmark):
/// spread round-robin over `zones`, sharing one NATS connection per `cellsPerConnection` cells.
public enum FakeCellFleet {
    public static func make(count: Int, zones: Int = 3, stacks: [String] = ["tiny-amd64"], natsURL: String,
                            cellsPerConnection: Int = 100, heartbeatInterval: Duration = .seconds(2),
                            runAfter: Duration? = .milliseconds(500),
                            total: Resources = Resources(memoryMB: 32_768, diskMB: 65_536, containers: 250)) async throws -> [FakeCell] {
        var connections: [NATSConnection] = []
        for _ in 0..<((count + cellsPerConnection - 1) / max(1, cellsPerConnection)) {
            connections.append(try await NATSConnection.connect(natsURL))
        }
        return (0..<count).map { index in
            FakeCell(id: "cell-\(index)", zone: "z\(index % max(1, zones))", stacks: stacks,
                     nats: connections[index / cellsPerConnection], total: total,
                     heartbeatInterval: heartbeatInterval, runAfter: runAfter)
        }
    }
}
