import Foundation
import PipetteCore
import Testing
import TestSupport

/// Apps on a three-node NATS cluster: the node every process talks to is SIGKILLed while
/// instances run; they keep running and serving, and the platform keeps converging. Every
/// process connects as its own NATS user, so this also shows their permissions suffice.
@Suite("Apps on a NATS cluster", .serialized)
struct ClusterAppsTests {
    static let cell = "apps-cluster-\(UUID().uuidString.prefix(6).lowercased())"

    @Test func instancesKeepRunningAndTheConvergerKeepsWorkingWhenANodeIsKilled() async throws {
        let cluster = try await NATSCluster(authorization: NATSCluster.usersPerRole())
        let platform = try await AppPlatform(cells: [AppPlatform.CellSpec(id: Self.cell, zone: "z1", stacks: ["tiny-amd64"])],
                                             auctioneers: 2, cluster: cluster)
        do {
            try await scenario(platform, cluster)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    private func scenario(_ platform: AppPlatform, _ cluster: NATSCluster) async throws {
        let push = try await platform.pipette("push", "apps/static", "--name", "kept", "--instances", "2")
        #expect(push.status == 0, "\(push.output)\n\(platform.logs)")
        let before = Set(try await platform.instances("kept").filter { $0.state == .running }.map(\.instanceGUID))
        #expect(before.count == 2)

        cluster.nodes[0].kill()
        let killed = ContinuousClock.now
        #expect(try await platform.throughRouter("kept")?.contains("Hello") == true, "the app serves right after the kill")

        // The cell reports the same two instances through another node: nothing was restarted.
        let reported = try await eventually(within: .seconds(30)) {
            Set(try await platform.instances("kept").filter { $0.state == .running }.map(\.instanceGUID)) == before
        }
        #expect(reported, "\(platform.logs)")

        // The converger (a lock and a watch on JetStream) still places what is asked for.
        let scale = try await platform.pipette("scale", "kept", "3")
        #expect(scale.status == 0, "\(scale.output)\n\(platform.logs)")
        let placed = try await eventually(within: .seconds(60)) {
            try await platform.instances("kept").filter { $0.state == .running }.count == 3
        }
        #expect(placed, "\(platform.logs)")
        print("NATS node SIGKILLed with 2 instances running: a third instance ran \(killed.duration(to: .now)) after the kill")
        #expect(Set(try await platform.instances("kept").map(\.instanceGUID)).isSuperset(of: before), "the first two kept running")
        #expect(try await platform.record("kept")?.releases.count == 1)
        #expect(try await platform.throughRouter("kept")?.contains("Hello") == true)
        #expect(cluster.nodes.flatMap(\.violations).isEmpty, "no component was denied a subject: \(cluster.nodes.flatMap(\.violations))")
    }
}
