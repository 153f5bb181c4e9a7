import Foundation
import NATS
import PipetteCore
import Synchronization
import Testing
import TestSupport

@Suite("Stager on NATS", .serialized)
struct StagerTests {
    static let seedLines = [
        "Setting up temporary directories", "Downloading application", "Unpacking application",
        "Staging application", "Creating droplet", "Uploading droplet", "Done!",
    ]

    /// The seed's log lines appear in order (buildpack output in between), each timestamped.
    static func expectSeedLines(_ log: String) {
        let lines = log.split(separator: "\n").map(String.init)
        var next = 0
        for line in lines where next < seedLines.count && line.hasSuffix("] " + seedLines[next]) { next += 1 }
        #expect(next == seedLines.count, "task_log has the seed's lines in order:\n\(log)")
        #expect(lines.allSatisfy { $0.range(of: #"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "#, options: .regularExpression) != nil })
    }

    @Test func theSeedsRequestEndToEnd() async throws {
        let platform = try await Platform()
        let connection = try await platform.client()
        var request = platform.seedRequest("static")
        request["task_id"] = "seed-1"
        request["log_subject"] = "logs.seed-1"
        let live = try connection.subscribe("logs.seed-1")
        try await connection.flush()
        let answer = try await connection.request("staging", Array(try JSONSerialization.data(withJSONObject: request)),
                                                  timeout: .seconds(300))
        live.drain()
        var liveLines: [String] = []
        for await line in live { liveLines.append(line.string) }
        let reply = try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))

        #expect(reply.error == nil, "\(reply.error ?? "")")
        #expect(reply.taskID == "seed-1")
        Self.expectSeedLines(reply.taskLog)
        #expect(liveLines == reply.taskLog.split(separator: "\n").map(String.init), "every log line was published live, before the reply")
        #expect(reply.detectedBuildpack == "staticfile")
        #expect(reply.stack == "tiny-amd64")
        #expect(reply.cellID == "stager-0")
        #expect(reply.durationsMs.keys.sorted() == ["download", "stage", "upload"])

        let droplet = try #require(reply.droplet)
        let received = try await platform.receivedDroplets()
        #expect(received.count == 1)
        #expect(received.first?["sha256"] as? String == droplet.sha256)
        let blob = try await shell("/usr/bin/curl", ["-fsSI", try #require(droplet.blobURL)]).output.lowercased()
        #expect(blob.contains("x-checksum-sha256: \(droplet.sha256)"))
        await platform.stop()
    }

    @Test func aFullPoolAnswersBusyAndNeverDropsARequest() async throws {
        let platform = try await Platform { config in
            config.maxActiveTasks = 2
            config.maxQueuedTasks = 2
        }
        let replies = try await withThrowingTaskGroup(of: StagingReply.self) { group in
            for _ in 0..<10 { group.addTask { try await platform.stage(platform.seedRequest("static")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.count == 10, "every request is answered")
        #expect(replies.filter { $0.error == nil }.count == 4)
        let busy = replies.filter { $0.error?.hasPrefix("Stager busy: 2 tasks staging and 2 waiting; retry later") == true }
        #expect(busy.count == 6)
        #expect(try await platform.receivedDroplets().count == 4)
        await platform.stop()
    }

    @Test func twoStagersInTheQueueGroupHandleEachRequestOnce() async throws {
        let platform = try await Platform(stagers: 2)
        let replies = try await withThrowingTaskGroup(of: StagingReply.self) { group in
            for i in 0..<6 {
                group.addTask {
                    var request = platform.seedRequest("static", uploadID: "u\(i)")
                    request["task_id"] = "task-\(i)"
                    return try await platform.stage(request)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.map(\.taskID).sorted() == (0..<6).map { "task-\($0)" })
        #expect(replies.allSatisfy { $0.error == nil })
        let uploads = try await platform.receivedDroplets().compactMap { $0["upload_id"] as? String }
        #expect(uploads.sorted() == (0..<6).map { "u\($0)" }, "each request staged exactly once")
        await platform.stop()
    }

    @Test func anUploadThatFailsTwiceIsRetried() async throws {
        let platform = try await Platform(failUploads: 2)
        let reply = try await platform.stage(platform.seedRequest("static"))
        #expect(reply.error == nil, "\(reply.error ?? "")")
        #expect(reply.taskLog.contains("Uploading droplet failed (HTTP 500"))
        #expect(try await platform.receivedDroplets().count == 1)
        await platform.stop()
    }

    @Test func theSeedsSinatraAppOnTheDefaultBookwormStack() async throws {
        let platform = try await Platform { $0.defaultStack = "bookworm-amd64" }
        let reply = try await platform.stage(platform.seedRequest("my-sinatra-app"))
        #expect(reply.error == nil, "\(reply.error ?? "")")
        Self.expectSeedLines(reply.taskLog)
        #expect(reply.detectedBuildpack?.lowercased().contains("ruby") == true)
        #expect(reply.startCommand?.contains("app.rb") == true)

        // The same request from an independent client: nats-py, the seed's JSON byte for byte.
        let python = try await shell("/usr/bin/env", ["python3", ProjectPaths.root.appendingPathComponent("Tests/python/seed_request.py").path,
                                               platform.nats.url, platform.ccURL])
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output.contains("Done!"))
        await platform.stop()
    }

    @Test func gracefulShutdownAnswersWorkInFlightAndTakesNoMore() async throws {
        let slow = SilentServer()
        let platform = try await Platform { $0.maxStagingDuration = 3 }
        let connection = try await platform.client()
        var request = platform.seedRequest("static")
        request["download_uri"] = "http://127.0.0.1:\(slow.port)/app.zip"
        request["log_subject"] = "logs.drain"
        let live = try connection.subscribe("logs.drain")
        try await connection.flush()
        async let answer = connection.request("staging", Array(try JSONSerialization.data(withJSONObject: request)),
                                              timeout: .seconds(60))
        var lines = live.makeAsyncIterator()
        while let line = await lines.next(), !line.string.hasSuffix("Downloading application") {}
        await platform.stopStagers()
        let reply = try JSONDecoder().decode(StagingReply.self, from: Data(try await answer.payload))
        #expect(reply.error == "Staging timed out after 3 seconds (during: download)")
        await #expect(throws: NATSError.noResponders(subject: "staging")) {
            _ = try await connection.request("staging", Array("{}".utf8), timeout: .seconds(5))
        }
        await platform.stop()
    }

    @Test func pipetteStagePrintsTheLogLiveThenASummary() async throws {
        let platform = try await Platform()
        let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path
        let result = try await shell(pipette, ["stage", "static", "--nats", platform.nats.url, "--cc", platform.ccURL])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("] Staging application"))
        #expect(result.output.contains("-----> "))
        #expect(result.output.contains("buildpack:     staticfile"))
        await platform.stopStagers()
        let nobody = try await shell(pipette, ["stage", "static", "--nats", platform.nats.url, "--cc", platform.ccURL])
        #expect(nobody.status == 1)
        #expect(nobody.output.contains("no stager is listening on queue staging; start one with `pipette stager`"))
        await platform.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func shutdownFinishesEvenWhenNATSIsGone() async throws {
        let platform = try await Platform { $0.maxStagingDuration = 1 }
        platform.nats.stop()
        await platform.stopStagers()
        await platform.stop()
    }

    @Test func buildCacheIsSavedThenRestoredAndStartCommandHonoured() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("stager-\(UUID().uuidString).pid").path
        let platform = try await Platform { $0.pidFilename = pidFile }
        #expect(FileManager.default.fileExists(atPath: pidFile), "the stager writes its pid file")
        var request = platform.withBuildCache(platform.seedRequest("static"), key: "static")
        request["start_command"] = "exec busybox httpd -f -p $PORT -h public"

        let first = try await platform.stage(request)
        #expect(first.error == nil, "\(first.error ?? "")")
        #expect(first.taskLog.contains("No build cache restored (HTTP 404"), "nothing cached yet:\n\(first.taskLog)")
        #expect(first.startCommand == "exec busybox httpd -f -p $PORT -h public")
        let second = try await platform.stage(request)
        #expect(second.error == nil)
        #expect(!second.taskLog.contains("No build cache restored"), "the cache saved by the first run is restored")
        await platform.stop()
        #expect(!FileManager.default.fileExists(atPath: pidFile), "the pid file is removed on shutdown")
    }
}
