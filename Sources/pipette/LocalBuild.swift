import Archive
import ArgumentParser
import Container
import Foundation
import Staging

/// What `pipette build` does, as plain values: read from the command line by ArgumentParser
/// (`BuildCommand`) or, for the usual lines, by `QuickCommandLine`.
struct LocalBuild {
    static let defaultTimeout = 900

    /// The app: a directory, or a .zip/.tar.gz package.
    var app: String
    /// The stack's name (`pipette stack list`).
    var stack: String
    /// The buildpacks to use, in order; empty: detect among `StagingOptions.defaultOrder`.
    var buildpacks: [String] = []
    /// Run the given buildpacks without detection.
    var skipDetect = false
    /// A file or a folder for the droplet; nil: the current directory.
    var output: String?
    /// A start command instead of the buildpack's or Procfile's.
    var startCommand: String?
    /// Seconds before the container is killed.
    var timeout = LocalBuild.defaultTimeout
    /// `KEY=VALUE` pairs for the buildpacks' environment.
    var environment: [String] = []

    /// The usage errors, found before anything is staged.
    func validate() throws {
        if skipDetect && buildpacks.isEmpty { throw ValidationError("--skip-detect needs at least one --buildpack") }
        if timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        try KeyValuePairs.check(environment, option: "env")
        // Checked here too so the usage printed with the error is this command's (run() names the file).
        _ = try DropletDestination(output: output, defaultName: "droplet.tgz")
    }

    func run() async throws {
        guard getuid() == 0 else { throw ContainerError.notRoot }
        let home = PipetteHome.locate()
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(stack)
        let appURL = URL(fileURLWithPath: app)
        let name = appURL.deletingPathExtension().lastPathComponent
        let destination = try DropletDestination(output: output, defaultName: "\(name)-\(stack.name).tgz")
        let options = StagingOptions(
            buildpacks: buildpacks.isEmpty ? StagingOptions.defaultOrder : buildpacks, skipDetect: skipDetect,
            environment: KeyValuePairs.dictionary(environment), startCommand: startCommand, timeout: .seconds(timeout))

        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-build-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let cacheArchive = home.buildCaches.appendingPathComponent("\(name)-\(stack.name).tgz")
        let outcome: StagingOutcome
        do {
            // From here on Ctrl-C cancels: the workspace and any container are removed, also
            // while the app is still being copied.
            outcome = try await Interrupts.cancelling { [app] in
                Output.status("==> Staging \(app) on \(stack.name) (\(stack.arch.machine))")
                try AppSource.materialize(appURL, into: workspace.appendingPathComponent("app"))
                return try await StagingTask(home: home).stage(workspace: workspace, stack: stack, rootfs: rootfs,
                                                               options: options, cacheArchive: cacheArchive, onLine: Output.line)
            }
        } catch where Interrupts.received.load(ordering: .relaxed) {
            // Said as what happened, not as runc's "CancellationError()".
            throw CommandFailure("interrupted: the staging was stopped; its container and workspace are removed")
        }
        try destination.place(outcome.droplet)
        // A cache of empty folders is not kept: the next build then has none to unpack.
        unlink(cacheArchive.path)
        if let cache = outcome.buildCache, !outcome.buildCacheIsEmpty {
            try? FileManager.default.createDirectory(at: home.buildCaches, withIntermediateDirectories: true)
            try? FileManager.default.moveItem(at: cache, to: cacheArchive)
        }
        Output.status("==> Droplet ready")
        Output.table([
            ("droplet", destination.url.path),
            ("stack", "\(stack.name) (\(stack.arch.machine))"),
            ("buildpack", outcome.detectedBuildpack),
            ("start command", outcome.startCommand),
            ("size", ByteCount.format(outcome.digest.size)),
            ("sha256", outcome.digest.sha256),
        ])
    }
}

extension LocalBuild: QuickCommand {
    static let name = "build"
    static let commandLine = QuickCommandLine(options: [
        .init(name: "--stack", kind: .value), .init(name: "--buildpack", kind: .list), .init(name: "--skip-detect", kind: .flag),
        .init(name: "--output", alias: "-o", kind: .value), .init(name: "--start-command", kind: .value),
        .init(name: "--timeout", kind: .value), .init(name: "--env", kind: .list),
    ])

    init?(_ words: QuickCommandLine.Words) {
        guard words.positionals.count == 1, let stack = words.value("--stack"),
              let timeout = words.value("--timeout").map({ Int($0) }) ?? Self.defaultTimeout else { return nil }
        self.init(app: words.positionals[0], stack: stack, buildpacks: words.list("--buildpack"),
                  skipDetect: words.flag("--skip-detect"), output: words.value("--output"),
                  startCommand: words.value("--start-command"), timeout: timeout, environment: words.list("--env"))
        guard (try? validate()) != nil else { return nil }
    }
}
