import Foundation
import Staging
import Testing
import TestSupport

@Suite("Workspaces")
struct WorkspaceTests {
    @Test func aWorkspaceDeeperThanPATH_MAXIsStillRemoved() async throws {
        let parent = try TemporaryDirectory("workspace")
        defer { parent.remove() }
        let workspace = try Workspace.create(in: parent.url, prefix: "pipette-stage", attemptID: Workspace.newAttemptID())
        // 300 levels of 20 characters: over 6,000 bytes of path, past PATH_MAX (4,096).
        let deep = try await shell("/bin/bash", ["-c",
            "cd '\(workspace.url.path)' && for i in $(seq 300); do mkdir aaaaaaaaaaaaaaaaaaaa && cd aaaaaaaaaaaaaaaaaaaa || exit 1; done; touch leaf"])
        #expect(deep.status == 0, "\(deep.output)")
        #expect(throws: (any Error).self, "Foundation alone cannot remove it") {
            try FileManager.default.removeItem(at: workspace.url)
        }
        workspace.remove()
        #expect(!FileManager.default.fileExists(atPath: workspace.url.path))
    }

    @Test func attemptsNeverShareAFolder() throws {
        let parent = try TemporaryDirectory("workspace")
        defer { parent.remove() }
        let id = Workspace.newAttemptID()
        #expect(id.count == 16 && id != Workspace.newAttemptID())
        _ = try Workspace.create(in: parent.url, prefix: "task", attemptID: id)
        #expect(throws: (any Error).self, "an existing folder is never reused") {
            try Workspace.create(in: parent.url, prefix: "task", attemptID: id)
        }
    }
}
