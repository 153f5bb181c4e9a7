import Foundation
import Testing
import TestSupport

/// Thousands of hostile requests and packages from a fixed seed (Tests/python/hostile_corpus.py,
/// sent with nats-py): every one is answered, none names a host path, no workspace is left
/// behind, and the stager then stages as before with every worker slot free.
@Suite("Hostile corpus", .serialized)
struct HostileCorpusTests {
    struct Summary: Decodable {
        let sent: Int
        let answered: Int
        let errors: Int
        let succeeded: Int
        let unanswered: [String]
        let path_leaks: [String]
    }

    @Test func everyHostileRequestIsAnsweredAndNothingIsLeftBehind() async throws {
        // Its own workspace folder: other suites' stagings run meanwhile and use the shared one.
        let workspaces = try TemporaryDirectory("hostile-workspaces")
        defer { workspaces.remove() }
        let platform = try await Platform { config in
            config.maxActiveTasks = 4
            config.maxQueuedTasks = 4000
            config.maxStagingDuration = 60
            config.workspaceDir = workspaces.url.path
        }
        let script = ProjectPaths.root.appendingPathComponent("Tests/python/hostile_corpus.py").path
        let run = try await shell("/usr/bin/env", ["python3", script, platform.nats.url, platform.ccURL,
                                                   platform.work.file("apps").path, "2000"])
        #expect(run.status == 0, "\(run.output)")
        let summary = try JSONDecoder().decode(Summary.self, from: Data(run.output.split(separator: "\n").last.map { Data($0.utf8) } ?? Data()))
        #expect(summary.sent == 2000)
        #expect(summary.answered == summary.sent, "unanswered: \(summary.unanswered.prefix(5))")
        #expect(summary.path_leaks.isEmpty, "no reply names a host path: \(summary.path_leaks.prefix(3))")
        #expect(summary.errors > 1900, "nearly all are refused: \(summary.errors) errors, \(summary.succeeded) staged")

        // Every slot is free again: as many good requests as the stager stages at once, all staged.
        let replies = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<4 { group.addTask { try await platform.stage(platform.seedRequest("static")).error } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0 == nil }, "\(replies)")
        await platform.stop()
        let left = try FileManager.default.contentsOfDirectory(atPath: workspaces.url.path)
        #expect(left.isEmpty, "no workspace left behind: \(left)")
    }
}
