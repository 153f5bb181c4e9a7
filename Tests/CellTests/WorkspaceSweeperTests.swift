@testable import Cell
import Foundation
import Staging
import Testing
import TestSupport

/// Finished tasks' workspaces are removed beside the cell's work, and a task starting waits for them.
@Suite("Workspace sweeper")
struct WorkspaceSweeperTests {
    static func workspaces(_ count: Int, in parent: TemporaryDirectory) throws -> [Workspace] {
        try (0..<count).map { index in
            let workspace = try Workspace.create(in: parent.url, prefix: "task", attemptID: "\(index)")
            try Data(count: 64 * 1024).write(to: workspace.url.appendingPathComponent("droplet.tgz"))
            return workspace
        }
    }

    static func exists(_ workspace: Workspace) -> Bool { FileManager.default.fileExists(atPath: workspace.url.path) }

    @Test func handedOverWorkspacesAreGoneOnceSettledReturns() async throws {
        let parent = try TemporaryDirectory("sweeper")
        defer { parent.remove() }
        let sweeper = WorkspaceSweeper()
        let all = try Self.workspaces(5, in: parent)
        await withDiscardingTaskGroup { group in
            group.addTask { await sweeper.run() }
            all.forEach(sweeper.remove)
            await sweeper.settled()
            #expect(!all.contains(where: Self.exists), "every one handed over is removed when settled() returns")
            await sweeper.settled()  // nothing pending: returns at once
            group.cancelAll()
        }
    }

    /// The nice values of this process's threads named `name` (from /proc).
    static func niceness(ofThreadsNamed name: String) -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .newlines) == name,
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command's closing parenthesis: state is field 3, nice field 19.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
    }

    @Test func removalRunsOnAThreadOfItsOwnAtLowerPriority() async throws {
        let parent = try TemporaryDirectory("sweeper-nice")
        defer { parent.remove() }
        let sweeper = WorkspaceSweeper()
        let all = try Self.workspaces(2, in: parent)
        await withDiscardingTaskGroup { group in
            group.addTask { await sweeper.run() }
            all.forEach(sweeper.remove)
            await sweeper.settled()
            #expect(!all.contains(where: Self.exists))
            #expect(await eventually(within: .seconds(10)) {
                Self.niceness(ofThreadsNamed: "pipette.sweeper") == [Int(WorkspaceSweeper.backgroundNice)]
            }, "\(Self.niceness(ofThreadsNamed: "pipette.sweeper"))")
            group.cancelAll()
        }
        #expect(await eventually(within: .seconds(10)) { Self.niceness(ofThreadsNamed: "pipette.sweeper").isEmpty })
    }

    @Test func aFullOrStoppedSweeperLeavesTheCallerToRemoveItsOwn() async throws {
        let parent = try TemporaryDirectory("sweeper")
        defer { parent.remove() }
        let sweeper = WorkspaceSweeper(capacity: 2)
        let all = try Self.workspaces(4, in: parent)
        // Not running: two wait, the others are removed at once by the caller.
        all.forEach(sweeper.remove)
        #expect(all.map(Self.exists) == [true, true, false, false])
        // Stopped (cancelled before it swept): it removes what waited, and takes no more.
        let run = Task { await sweeper.run() }
        run.cancel()
        await run.value
        #expect(!all.contains(where: Self.exists))
        let late = try Workspace.create(in: parent.url, prefix: "task", attemptID: "late")
        sweeper.remove(late)
        #expect(!Self.exists(late), "removed by the caller once the sweeper stopped")
        await sweeper.settled()
    }
}
