import Archive
import Container
import Foundation
import PipetteCore

/// Runs a droplet with the lifecycle `launcher` in a container of its stack until the app
/// exits or the calling task is cancelled. The droplet is unpacked to /home/vcap.
public struct DropletRunner: Sendable {
    public let home: PipetteHome
    public let runner: ContainerRunner

    public init(home: PipetteHome, runner: ContainerRunner = ContainerRunner()) {
        self.home = home
        self.runner = runner
    }

    /// - Parameter workspace: a scratch folder for the unpacked droplet, removed afterwards.
    /// - Returns: the app's exit status.
    public func run(droplet: URL, stack: Stack, rootfs: URL, port: Int, workspace: URL,
                    startCommand: String? = nil, environment: [String: String] = [:],
                    onLine: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        let lifecycle = home.lifecycle(for: stack.arch)
        let vcapHome = workspace.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        do {
            _ = try Unpacker.unpack(droplet, into: vcapHome, limits: .droplet, owner: Ownership.vcap)
        } catch {
            if case .disk = error { throw error }  // the disk, not the droplet, is at fault
            throw DropletError.invalid(path: droplet.path, reason: error.description)
        }
        let command = try startCommand ?? Self.stagingInfo(in: vcapHome).startCommand
        guard !command.isEmpty else { throw DropletError.noStartCommand(path: droplet.path) }

        let spec = try ContainerSpec.launcher(
            rootfs: rootfs, stack: stack, lifecycle: lifecycle, home: vcapHome, command: command,
            environment: ["PORT": String(port)].merging(environment) { _, new in new })
        return try await runner.run(spec, id: "pipette-run-\(UUID().uuidString.prefix(12).lowercased())",
                                    bundle: workspace.appendingPathComponent("bundle"), onLine: onLine)
    }

    /// The droplet's `staging_info.yml` (JSON) in the unpacked `home`.
    public static func stagingInfo(in home: URL) throws -> StagingInfo {
        let url = home.appendingPathComponent("staging_info.yml")
        guard let data = try? Data(contentsOf: url), let info = try? JSONDecoder().decode(StagingInfo.self, from: data) else {
            throw DropletError.noStagingInfo(path: url.path)
        }
        return info
    }
}
