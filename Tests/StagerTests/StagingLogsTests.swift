import Foundation
import Testing
import TestSupport

/// Staging logs kept in the PIPETTE_LOGS stream and read back with `pipette logs`.
@Suite("Staging logs", .serialized)
struct StagingLogsTests {
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    @Test func aStagingLogIsReplayedAfterTheFactAndFollowedLive() async throws {
        let platform = try await Platform()
        var request = platform.seedRequest("static")
        request["task_id"] = "logs-1"
        let reply = try await platform.stage(request)
        #expect(reply.error == nil, "\(reply.error ?? "")")

        let all = try await shell(Self.pipette, ["logs", "static", "--nats", platform.nats.url])
        #expect(all.status == 0, "\(all.output)")
        let lines = all.output.split(separator: "\n").map(String.init)
        #expect(lines == reply.taskLog.split(separator: "\n").map { "[STG logs-1] \($0)" },
                "the whole staging log, as the reply had it:\n\(all.output)")
        let last = try await shell(Self.pipette, ["logs", "static", "--recent", "2", "--json", "--nats", platform.nats.url])
        let objects = last.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2 && (objects.last?["text"] as? String)?.hasSuffix("Done!") == true, "\(last.output)")
        #expect(objects.allSatisfy { $0["app"] as? String == "static" && $0["source"] as? String == "STG" })
        let none = try await shell(Self.pipette, ["logs", "no-such-app", "--nats", platform.nats.url])
        #expect(none.status == 0 && none.output.contains("no log lines kept for app no-such-app"), "\(none.output)")

        let follower = try ServiceProcess(["logs", "followed", "--follow", "--nats", platform.nats.url])
        defer { follower.stop() }
        #expect(await follower.waitFor("waiting for new ones"), "\(follower.log)")
        var followed = platform.seedRequest("static")
        followed["app_id"] = "followed"
        let second = try await platform.stage(followed)
        #expect(second.error == nil)
        #expect(await follower.waitFor("Done!"), "a new staging's lines arrive live:\n\(follower.log)")
        follower.signal(SIGINT)
        #expect(await follower.exitStatus(within: .seconds(10)) == 0)
        await platform.stop()
    }
}
