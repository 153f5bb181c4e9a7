import Cell
import Foundation
import PipetteCore
import Testing
import TestSupport

/// The stager's and the cell's workspaces on a disk that fills up (`workspace_dir` on a 2 MiB
/// tmpfs): the staging fails with a sentence naming the disk and what was being written, no host
/// path, and the next staging that fits works, since a failed attempt leaves nothing behind.
@Suite("Workspaces on a full disk", .serialized)
struct WorkspaceDiskFullTests {
    static func bigApp(_ platform: Platform, _ name: String, megabytes: Double) throws {
        try platform.work.write("apps/\(name)/index.html", "<h1>big</h1>\n")
        try Data(incompressibleBytes(Int(megabytes * 1_048_576))).write(to: platform.work.file("apps/\(name)/blob.bin"))
    }

    /// A platform with one cell, `small-disk`, whose workspaces are on `disk`.
    static func platform(cellWorkspaceOn disk: SmallDisk) async throws -> Platform {
        var cell = StagingOnCellsTests.cell("small-disk", stacks: ["tiny-amd64"])
        cell.workspaceDirectory = disk.url
        return try await Platform(cells: [cell])
    }

    @Test func theStagersWorkspaceDiskFillsWhileDownloading() async throws {
        let disk = try SmallDisk(megabytes: 2, label: "stager-ws")
        defer { disk.remove() }
        let platform = try await Platform { $0.workspaceDir = disk.path }
        try Self.bigApp(platform, "big", megabytes: 3)
        let reply = try await platform.stage(platform.seedRequest("big"))
        #expect(reply.error == "Failed downloading app: cannot write the app package to local disk: No space left on device",
                "\(reply.error ?? "no error")")
        #expect(!(reply.error ?? "").contains(disk.path))
        let next = try await platform.stage(platform.seedRequest("static"))
        #expect(next.error == nil, "the failed attempt left the disk empty again: \(next.error ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).isEmpty, "no workspace left behind")
        await platform.stop()
    }

    @Test func theCellsWorkspaceDiskFillsWhileDownloading() async throws {
        let disk = try SmallDisk(megabytes: 2, label: "cell-dl")
        defer { disk.remove() }
        let platform = try await Self.platform(cellWorkspaceOn: disk)
        try Self.bigApp(platform, "big", megabytes: 3)
        let reply = try await platform.stage(platform.seedRequest("big"))
        #expect(reply.error == "Failed downloading app on cell small-disk: cannot write the app package to local disk: "
            + "No space left on device; give the cell a workspace_dir with room", "\(reply.error ?? "no error")")
        let next = try await platform.stage(platform.seedRequest("static"))
        #expect(next.error == nil, "the failed attempt left the cell's disk empty again: \(next.error ?? "")")
        await platform.stop()
    }

    @Test func theCellsWorkspaceDiskFillsWhileUnpacking() async throws {
        let disk = try SmallDisk(megabytes: 2, label: "cell-ws")
        defer { disk.remove() }
        let platform = try await Self.platform(cellWorkspaceOn: disk)
        try Self.bigApp(platform, "big", megabytes: 1.2)
        let reply = try await platform.stage(platform.seedRequest("big"))
        let error = try #require(reply.error)
        #expect(error.hasPrefix("No space left on device while unpacking entry blob.bin into the app directory; "
            + "free space on the workspace disk ("), "\(error)")
        #expect(!error.contains(disk.path))
        let next = try await platform.stage(platform.seedRequest("static"))
        #expect(next.error == nil, "\(next.error ?? "")")
        #expect(next.cellID == "small-disk")
        await platform.stop()
    }
}
