import Apps
import Foundation
import NATS
import PipetteCore
import Synchronization
import Testing
import TestSupport

/// The platform on a three-node NATS cluster: every bucket and stream is kept on all three
/// nodes, and a node SIGKILLed in the middle of a burst of stagings costs no request and no state.
@Suite("NATS cluster", .serialized)
struct NATSClusterTests {
    /// Stream names and their replica counts, as the JetStream API reports them.
    static func replicas(_ connection: NATSConnection) async throws -> [String: Int] {
        let answer = try await connection.request("$JS.API.STREAM.LIST", Array(#"{"offset":0}"#.utf8), timeout: .seconds(5))
        let list = try #require(try JSONSerialization.jsonObject(with: Data(answer.payload)) as? [String: Any])
        let streams = try #require(list["streams"] as? [[String: Any]], "\(String(decoding: answer.payload, as: UTF8.self))")
        var counts: [String: Int] = [:]
        for stream in streams {
            let config = try #require(stream["config"] as? [String: Any])
            counts[try #require(config["name"] as? String)] = config["num_replicas"] as? Int ?? 1
        }
        return counts
    }

    @Test func aClientGivenOneNodeLearnsTheOthersAndBucketsGetThreeReplicas() async throws {
        let cluster = try await NATSCluster()
        let connection = try await NATSConnection.connect(cluster.nodes[0].url)
        defer { connection.close() }
        #expect(Set(connection.knownServers) == Set(cluster.nodes.map(\.url)), "\(connection.knownServers)")
        #expect(connection.defaultReplicas == 3)
        _ = try await AppStore.open(connection)
        #expect(try await Self.replicas(connection)["KV_\(AppStore.bucketName)"] == 3)

        // Its node SIGKILLed, the client is on another within moments.
        let killed = ContinuousClock.now
        cluster.nodes[0].kill()
        let back = await eventually(within: .seconds(10)) {
            guard connection.isConnected else { return false }
            return (try? await connection.flush(timeout: .seconds(1))) != nil
        }
        #expect(back, "reconnected to a surviving node")
        print("NATS node SIGKILLed: its client was connected to another node \(killed.duration(to: .now)) later")

        let single = try NATSServer()
        let alone = try await NATSConnection.connect(single.url)
        defer { alone.close() }
        #expect(alone.defaultReplicas == 1, "a single server takes one replica")
        _ = try await AppStore.open(alone)
        #expect(try await Self.replicas(alone)["KV_\(AppStore.bucketName)"] == 1)
    }

    /// Each component connects as its own NATS user, so this also shows their permissions suffice.
    @Test func aNodeKilledMidBurstLosesNoRequestAndNoState() async throws {
        let cluster = try await NATSCluster(authorization: NATSCluster.usersPerRole())
        let platform = try await Platform(cells: [
            StagingOnCellsTests.cell("cluster-a", stacks: ["tiny-amd64"]),
            StagingOnCellsTests.cell("cluster-b", stacks: ["tiny-amd64"]),
        ], cluster: cluster) { $0.maxActiveTasks = 8 }
        let client = try await platform.client()
        let store = try await AppStore.open(client)
        _ = try await store.update("kept") { record in
            record = AppRecord(name: "kept", guid: "kept-guid", stack: "tiny-amd64", instances: 3)
        }

        let count = 16
        let replies = Replies()
        let killed = Reported<ContinuousClock.Instant>()
        let begun = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    var request = platform.seedRequest("static", uploadID: "burst-\(index)")
                    let taskID = "cluster-burst-\(index)"
                    request["task_id"] = taskID
                    // What the requester saw, to say where a staging stalled if it is not answered.
                    let heard = Mutex<[String]>([])
                    do {
                        let reply = try await platform.stage(request, timeout: .seconds(180)) { line in
                            heard.withLock { $0.append("\(begun.duration(to: .now)) \(line)") }
                        }
                        let total = await replies.add(reply, at: .now)
                        if total == 4 {
                            cluster.nodes[0].kill()
                            killed.set(.now)
                            print("NATS node 0 SIGKILLed \(begun.duration(to: .now)) after the burst began")
                        }
                    } catch {
                        let lines = heard.withLock { $0.suffix(12).joined(separator: "\n") }
                        Issue.record("\(taskID): \(error); its last log lines:\n\(lines)")
                    }
                }
            }
        }
        let all = await replies.all
        #expect(all.count == count, "every request answered")
        let failed = all.filter { $0.error != nil }
        #expect(failed.isEmpty, "\(failed.map { $0.error ?? "" })")

        // The components that talked only to the killed node found the others: a new staging works.
        let since = await killed.value
        let firstAfter = await replies.times.filter { $0 > since }.min()
        let after = try await platform.stage(platform.seedRequest("static", uploadID: "after"), timeout: .seconds(120))
        #expect(after.error == nil, "\(after.error ?? "")")
        print("NATS node SIGKILLed mid-burst: \(all.count)/\(count) answered, \(failed.count) failed; first reply "
              + "\(firstAfter.map { since.duration(to: $0).description } ?? "none") after the kill; a staging sent after "
              + "the burst answered \(since.duration(to: .now)) after it")

        // Desired state and every bucket and stream survived, each kept on three nodes. JetStream
        // takes writes again once the streams the killed node led have elected new leaders.
        let kept = await eventually(within: .seconds(30)) { (try? await store.get("kept"))?.instances == 3 }
        #expect(kept, "the record written before the kill is there")
        let writable = await eventually(within: .seconds(30)) {
            (try? await store.update("written-after") { $0 = AppRecord(name: "written-after", guid: "g2", stack: "tiny-amd64") }) != nil
        }
        #expect(writable, "the apps bucket takes writes again")
        print("NATS node SIGKILLed: the apps bucket took a write \(since.duration(to: .now)) after the kill")
        var streams: [String: Int] = [:]
        _ = await eventually(within: .seconds(30)) {
            // A stream still electing its leader is left out of the listing ("missing") for a while.
            streams = (try? await Self.replicas(client)) ?? [:]
            return ["KV_\(AppStore.bucketName)", "KV_pipette_staging", "PIPETTE_LOGS"].allSatisfy { streams[$0] != nil }
        }
        #expect(streams["KV_\(AppStore.bucketName)"] == 3 && streams["KV_pipette_staging"] == 3, "\(streams)")
        #expect(streams.filter { $0.key != "KV_cluster_ready" }.allSatisfy { $0.value == 3 }, "\(streams)")
        let violations = cluster.nodes.flatMap(\.violations)
        #expect(violations.isEmpty, "no component was denied a subject: \(violations)")
        await platform.stop()
    }
}

/// Replies collected by concurrent requests.
private actor Replies {
    private(set) var all: [StagingReply] = []
    private(set) var times: [ContinuousClock.Instant] = []
    func add(_ reply: StagingReply, at time: ContinuousClock.Instant) -> Int {
        all.append(reply)
        times.append(time)
        return all.count
    }
}
