import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// Issue 9's findings on the stager: no input stops, disconnects or silences it; a duplicate
/// task id is staged once; admitted work waits for a cell with room instead of failing.
@Suite("Stager reliability", .serialized)
struct StagerReliabilityTests {
    @Test func requestsThatOnceKilledOrDisconnectedTheStagerAreAnswered() async throws {
        let platform = try await Platform()
        let client = try await platform.client()
        let injected = try client.subscribe("injected")
        try await client.flush()
        func stage(_ change: (inout [String: Any]) -> Void) async throws -> StagingReply {
            var request = platform.seedRequest("static")
            change(&request)
            let answer = try await client.request("staging", Array(try JSONSerialization.data(withJSONObject: request)),
                                                  timeout: .seconds(60))
            return try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))
        }
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("port 65536", { $0["download_uri"] = "http://127.0.0.1:65536/" }, "download_uri has port 65536"),
            ("IPv6 port 99999", { $0["download_uri"] = "http://[::1]:99999/" }, "download_uri has port 99999"),
            ("4 KB task_id", { $0["task_id"] = String(repeating: "t", count: 4096) }, "task_id is longer than 128"),
            ("4 KB log_subject", { $0["log_subject"] = "logs." + String(repeating: "s", count: 4096) }, "log_subject is longer"),
            ("space in log_subject", { $0["log_subject"] = "logs x" }, "log_subject contains a space"),
            ("tab in task_id", { $0["task_id"] = "a\tb" }, "task_id contains a tab"),
            ("protocol in log_subject", { $0["log_subject"] = "logs.x\r\nPUB injected 2\r\nhi" }, "log_subject contains a carriage return"),
            ("protocol in task_id", { $0["task_id"] = "x\r\nPUB injected 2\r\nhi\r\n" }, "task_id contains a carriage return"),
            ("negative memory", { $0["properties"] = ["resources": ["memory": -1]] }, "properties.resources.memory must be from 1"),
            ("environment as a string", { $0["environment"] = "A=1" }, "field environment must be an object of strings"),
        ]
        for (name, change, expected) in cases {
            let reply = try await stage(change)
            #expect(reply.error?.hasPrefix("Malformed staging request: " + expected) == true, "\(name): \(reply.error ?? "no error")")
            #expect(reply.taskID.utf8.count <= 128 && !reply.taskID.contains("\r"), "\(name): a bad task_id is not echoed")
        }
        let good = try await stage { $0["task_id"] = "after-the-abuse" }
        #expect(good.error == nil, "the stager still stages, on the same connection: \(good.error ?? "")")
        // The stager published the good reply after anything injected; on this one connection it
        // would have arrived first.
        injected.drain()
        var smuggled = 0
        for await _ in injected { smuggled += 1 }
        #expect(smuggled == 0, "no protocol was injected through a subject")
        await platform.stop()
    }

    @Test func signedURLsLoseTheirSignaturesInErrorsAndLogs() async throws {
        let platform = try await Platform()
        var request = platform.seedRequest("static")
        request["upload_uri"] = "\(platform.ccURL)/no-such-route?expires=99&signature=s3cr3t-sig"
        request["buildpack_cache_download_uri"] = "\(platform.ccURL)/no-cache?signature=cache-sig"
        let reply = try await platform.stage(request)
        let error = try #require(reply.error)
        #expect(error == "Failed uploading droplet: HTTP 404 from \(platform.ccURL)/no-such-route?expires=99&signature=REDACTED", "\(error)")
        #expect(!reply.taskLog.contains("s3cr3t-sig") && !reply.taskLog.contains("cache-sig"), "\(reply.taskLog)")
        await platform.stop()
    }

    @Test func aReplyIsCutToTheServersMaxPayloadAndStillArrives() async throws {
        let work = try TemporaryDirectory("max-payload")
        defer { work.remove() }
        try work.write("nats.conf", "max_payload: 1024\n")
        let platform = try await Platform(natsArguments: ["-c", work.file("nats.conf").path])
        var request = platform.seedRequest("static")
        request["task_id"] = "fits-1"
        let reply = try await platform.stage(request, timeout: .seconds(120))
        #expect(reply.error == nil, "\(reply.error ?? "")")
        #expect(reply.droplet != nil)
        #expect(reply.taskLog.contains("lines cut so the reply fits in one NATS message"), "\(reply.taskLog)")
        #expect(reply.taskLog.hasSuffix("Done!\n"), "the last lines stay")
        await platform.stop()
    }

    /// A duplicate of a task still running waits for its result by pauses of a few seconds. The
    /// pause once listened to the finished subject afresh each time; a stream read by a cancelled
    /// task ends for good, so after the first pause every pause ended at once and the stager read
    /// the task's record in a tight loop (a thread each: in a cluster burst, hundreds a second).
    @Test func aDuplicateOfALongRunningTaskWaitsWithoutSpinning() async throws {
        let hanging = SilentServer()
        let platform = try await Platform(stagers: 2) { $0.maxStagingDuration = 8 }
        var request = platform.seedRequest("static")
        request["task_id"] = "dup-slow"
        request["download_uri"] = "http://127.0.0.1:\(hanging.port)/app.zip"
        let payload = try JSONSerialization.data(withJSONObject: request)
        let watcher = try await platform.client()
        defer { watcher.close() }
        let records = try watcher.subscribe(["$JS.API.>", "$KV.pipette_staging.>"], bufferSize: 100_000)
        try await watcher.flush()
        async let first = platform.stage(raw: payload, timeout: .seconds(60))
        try await Task.sleep(for: .seconds(1))
        async let second = platform.stage(raw: payload, timeout: .seconds(60))
        let (a, b) = try await (first, second)
        #expect(a.error == "Staging timed out after 8 seconds (during: download)", "\(a.error ?? "")")
        #expect(b == a, "the duplicate gets the running task's reply")
        records.unsubscribe()
        var count = 0
        for await _ in records { count += 1 }
        #expect(count < 60, "\(count) reads and writes of the task records in 8 s: the duplicate spun")
        withExtendedLifetime(hanging) {}
        await platform.stop()
    }

    @Test func aDuplicateTaskIDIsStagedOnceAcrossStagers() async throws {
        let platform = try await Platform(stagers: 2)
        var request = platform.seedRequest("static")
        request["task_id"] = "dup-1"
        let payload = try JSONSerialization.data(withJSONObject: request)
        async let first = platform.stage(raw: payload)
        async let second = platform.stage(raw: payload)
        let (a, b) = try await (first, second)
        #expect(a.error == nil && b.error == nil, "\(a.error ?? "") \(b.error ?? "")")
        #expect(a.droplet?.sha256 != nil && a.droplet?.sha256 == b.droplet?.sha256)
        #expect(a.taskLog == b.taskLog, "a duplicate of a running task gets the same reply")
        #expect(try await platform.receivedDroplets().count == 1, "staged once")

        let third = try await platform.stage(request)
        #expect(third == a, "a duplicate of a finished task gets the recorded reply")
        #expect(try await platform.receivedDroplets().count == 1)

        var other = platform.seedRequest("shell")
        other["task_id"] = "dup-1"
        let conflict = try await platform.stage(other)
        #expect(conflict.error?.hasPrefix("task_id dup-1 was already used for a different staging request") == true,
                "\(conflict.error ?? "no error")")
        await platform.stop()
    }

    @Test func taskIDsThatLookAlikeNeverShareAWorkspace() async throws {
        let platform = try await Platform(stagers: 1) { $0.maxActiveTasks = 4 }
        var one = platform.seedRequest("static"), two = platform.seedRequest("static")
        one["task_id"] = "a_b"
        two["task_id"] = "a-b"
        let (payloadOne, payloadTwo) = (try JSONSerialization.data(withJSONObject: one), try JSONSerialization.data(withJSONObject: two))
        async let first = platform.stage(raw: payloadOne)
        async let second = platform.stage(raw: payloadTwo)
        let (a, b) = try await (first, second)
        #expect(a.error == nil && b.error == nil, "\(a.error ?? "") \(b.error ?? "")")
        #expect(a.droplet?.blobURL != b.droplet?.blobURL, "each attempt has blobs of its own")
        #expect(try await platform.receivedDroplets().count == 2)
        await platform.stop()
    }

    @Test func admittedStagingWaitsForACellWithRoom() async throws {
        let platform = try await Platform(cells: [StagingOnCellsTests.cell("one", stacks: ["tiny-amd64"], containers: 1)]) {
            $0.maxActiveTasks = 6
        }
        let replies = try await withThrowingTaskGroup(of: StagingReply.self) { group in
            for _ in 0..<5 { group.addTask { try await platform.stage(platform.seedRequest("static")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.error == nil }, "\(replies.compactMap(\.error))")
        #expect(try await platform.receivedDroplets().count == 5)
        let waited = replies.filter { $0.taskLog.contains("Waiting for a cell with tiny-amd64: ") }
        #expect(!waited.isEmpty, "the wait shows in the live log")
        let ahead = replies.flatMap { reply in
            reply.taskLog.split(separator: "\n").compactMap { line -> Int? in
                guard let range = line.range(of: "Waiting for a cell with tiny-amd64: ") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
        #expect(ahead.contains { $0 >= 1 }, "tasks queued behind others were told how many are ahead: \(ahead)")

        var huge = platform.seedRequest("static")
        huge["properties"] = ["resources": ["memory": 100_000, "disk": 256]]
        let never = try await platform.stage(huge, timeout: .seconds(30))
        #expect(never.error?.hasPrefix("insufficient resources: 1 cell has stack tiny-amd64, it lacks memory (need 100000 MB") == true,
                "work that can never fit fails at once: \(never.error ?? "no error")")
        await platform.stop()
    }

    @Test func waitingEndsBeforeTheStagingDeadlineSayingWhatItWaitedFor() async throws {
        let platform = try await Platform(cells: [StagingOnCellsTests.cell("arm", stacks: ["tiny-arm64"])]) {
            $0.maxStagingDuration = 8
        }
        let full = try await FullCell(nats: platform.nats.url, id: "full-amd")
        defer { full.stop() }
        try await platform.waitForCells(["full-amd"])
        let reply = try await platform.stage(platform.seedRequest("static"), timeout: .seconds(60))
        let error = try #require(reply.error)
        #expect(error.hasPrefix("Waited ") && error.hasSuffix(" seconds for a cell with room for stack tiny-amd64 and none freed up "
            + "(insufficient resources: 1 cell has stack tiny-amd64, it lacks containers (need 1, most free 0))"), "\(error)")
        #expect(reply.taskLog.contains("Waiting for a cell with tiny-amd64: 0 ahead"), "\(reply.taskLog)")
        #expect(!reply.taskLog.contains("Staging timed out"), "the auctioneer answered before the stager's own deadline")
        await platform.stop()
    }
}

/// A cell whose every container is taken, for good: work for its stack can only wait.
final class FullCell: Sendable {
    private let connection: NATSConnection
    private let beating: Task<Void, Never>

    init(nats: String, id: String) async throws {
        let connection = try await NATSConnection.connect(nats)
        self.connection = connection
        var state = CellState(id: id, zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 8192, diskMB: 20_000, containers: 1), heartbeatIntervalMs: 1000)
        state.available = Resources(memoryMB: 8192, diskMB: 20_000, containers: 0)
        beating = Task { [state] in
            repeat {
                try? connection.publish(Subjects.heartbeat, Wire.encode(state))
            } while (try? await Task.sleep(for: .milliseconds(200))) != nil
        }
    }

    func stop() {
        beating.cancel()
        connection.close()
    }
}
