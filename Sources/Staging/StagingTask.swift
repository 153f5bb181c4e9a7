import Archive
import Container
import Foundation
import PipetteCore

/// Stages an app into a droplet: Cloud Foundry's builder in a runc container of the stack,
/// with the stack's lifecycle programs and Pipette's buildpacks mounted read-only.
///
/// Container layout: /tmp/app (the app, rw), /tmp/cache (build artifacts cache, rw),
/// /tmp/output (droplet.tgz, result.json, cache.tgz; rw), /tmp/buildpacks and /tmp/lifecycle (ro).
public struct StagingTask: Sendable {
    public let home: PipetteHome
    public let runner: ContainerRunner

    public init(home: PipetteHome, runner: ContainerRunner = ContainerRunner()) {
        self.home = home
        self.runner = runner
    }

    /// - Parameters:
    ///   - workspace: a folder holding the app in `app/` (owned by uid 2000); outputs land here too.
    ///   - cacheArchive: a build cache from an earlier run to restore first, if it exists.
    public func stage(workspace: URL, stack: Stack, rootfs: URL, options: StagingOptions,
                      cacheArchive: URL? = nil,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagingOutcome {
        let lifecycle = home.lifecycle(for: stack.arch)
        guard FileManager.default.isExecutableFile(atPath: lifecycle.appendingPathComponent("builder").path) else {
            throw ContainerError.lifecycleMissing(path: lifecycle.appendingPathComponent("builder").path)
        }
        let cache = workspace.appendingPathComponent("cache")
        let output = workspace.appendingPathComponent("output")
        try restoreCache(cacheArchive, into: cache)
        try Ownership.makeDirectory(output)

        var spec = ContainerSpec(rootfs: rootfs.path, arch: stack.arch, args: [
            "/tmp/lifecycle/builder",
            "-buildDir=/tmp/app",
            "-outputDroplet=/tmp/output/droplet.tgz",
            "-outputMetadata=/tmp/output/result.json",
            "-outputBuildArtifactsCache=/tmp/output/cache.tgz",
            "-buildpacksDir=/tmp/buildpacks",
            "-buildArtifactsCacheDir=/tmp/cache",
            "-buildpackOrder=\(options.buildpacks.joined(separator: ","))",
            "-skipDetect=\(options.skipDetect)",
        ])
        spec.environment = ["CF_STACK": stack.name, "VCAP_SERVICES": "[]"].merging(options.environment) { _, new in new }
        spec.workingDirectory = "/tmp/app"
        spec.memoryLimitBytes = options.memoryLimitBytes
        spec.hostNetwork = false
        spec.binds = [
            .init(workspace.appendingPathComponent("app").path, at: "/tmp/app", readOnly: false),
            .init(cache.path, at: "/tmp/cache", readOnly: false),
            .init(output.path, at: "/tmp/output", readOnly: false),
            .init(home.buildpacks.path, at: "/tmp/buildpacks", readOnly: true),
            .init(lifecycle.path, at: "/tmp/lifecycle", readOnly: true),
        ]

        let recent = RecentLines(limit: 20)
        let status: Int32
        do {
            // The bundle is in the workspace: removed with it, also by a cell's sweep of the
            // workspaces a killed run left.
            status = try await runner.run(spec, id: "pipette-stage-\(UUID().uuidString.prefix(12).lowercased())",
                                          bundle: workspace.appendingPathComponent("bundle"), timeout: options.timeout) { line in
                recent.append(line)
                onLine(line)
            }
        } catch {
            if case .timedOut(let seconds) = error { throw StagingError.timedOut(seconds: seconds, phase: "staging") }
            throw error
        }
        guard status == 0 else {
            throw StagingError.fromBuilder(status: status, tried: options.buildpacks, lastLines: recent.lines)
        }
        return try outcome(in: output, cache: cache, options: options)
    }

    /// Unpacks an earlier build cache; a damaged one is skipped (staging goes on without it),
    /// but a failing disk stops the staging: the build would only fail later, less clearly.
    private func restoreCache(_ archive: URL?, into cache: URL) throws {
        if let archive, FileManager.default.fileExists(atPath: archive.path) {
            do {
                _ = try Unpacker.unpack(archive, into: cache, limits: .droplet, owner: Ownership.vcap, naming: Self.cacheNaming)
                return
            } catch {
                if case .disk = error { throw error }
            }
        }
        try Ownership.makeDirectory(cache)
    }

    static let cacheNaming = Unpacker.Naming(
        archive: "the build cache", destination: "the build cache directory", disk: "the workspace disk")

    private func outcome(in output: URL, cache cacheDirectory: URL, options: StagingOptions) throws -> StagingOutcome {
        let droplet = output.appendingPathComponent("droplet.tgz")
        guard FileManager.default.fileExists(atPath: droplet.path) else { throw StagingError.missingOutput(what: "droplet") }
        guard let data = try? Data(contentsOf: output.appendingPathComponent("result.json")),
              let result = try? JSONDecoder().decode(BuilderResult.self, from: data)
        else { throw StagingError.missingOutput(what: "result.json") }
        let cache = output.appendingPathComponent("cache.tgz")
        return StagingOutcome(
            droplet: droplet,
            digest: try FileDigest.sha256(of: droplet),
            // With skip-detect Cloud Foundry's builder leaves detected_buildpack empty.
            detectedBuildpack: [result.lifecycleMetadata.detectedBuildpack, result.lifecycleMetadata.buildpackKey,
                                options.buildpacks.last].compactMap { $0 }.first { !$0.isEmpty } ?? "",
            startCommand: options.startCommand ?? result.startCommand ?? "",
            buildCache: FileManager.default.fileExists(atPath: cache.path) ? cache : nil,
            buildCacheDirectory: cacheDirectory)
    }

    /// Whether anything but directories is under `directory`: stops at the first such entry. Each
    /// entry's type comes from lstat(2) (`TreeWalk`): the enumerator's `fileAttributes` would also
    /// look up the owner's and group's names, and uid 2000 is in no local file, so glibc loaded
    /// systemd's NSS module and asked it (about 5 ms of every `pipette build`). An entry that
    /// cannot be read counts as a file.
    static func holdsFiles(_ directory: URL) -> Bool {
        var found = false
        TreeWalk.entries(under: directory.path) { _, info in
            guard info.st_mode & S_IFMT != S_IFDIR else { return .goOn }
            found = true
            return .stop
        }
        return found
    }
}
