import Apps
import Archive
import ArgumentParser
import Foundation
import NATS
import PipetteCore
import Stager
import Staging
import Transfer

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Stage an app through the platform and record it as a new release of the app.",
        discussion: """
            Packs the app (a folder, or a .zip as it is), stores the package in the blobstore,
            sends the seed's staging request over NATS (so a stager stages it, on a cell with
            the stack), prints the staging log live, and records the droplet as the app's next
            numbered release in the pipette_apps JetStream KV bucket (the app's desired state:
            instances, memory, disk, health check, environment, releases). The converger (in
            the auctioneer) then starts the instances on cells with the stack; push waits until
            they pass their health checks, showing their output, and prints each instance's
            URL, and the app's route through `pipette router` when one answers on NATS
            (http://APP.DOMAIN:PORT/ as the router says; $PIPETTE_ROUTER_URL names another, e.g.
            http://{app}.apps.example.com behind a load balancer). An instance that crashes fails the push with its
            reason (exit status 1).

            Needs the blobstore's secret in PIPETTE_BLOBSTORE_SECRET when it signs URLs (the
            Procfile's does), and nats-server with JetStream.

            Examples (with `foreman start` running):
              pipette push apps/sinatra --stack bookworm-arm64
              pipette push site.zip --name docs --health-check http:/healthz --env MODE=prod
              pipette app sinatra
            """)

    @Argument(help: "The app: a folder or a .zip.")
    var path: String

    @Option(help: "The app's name: a DNS label (default: the folder's or zip's name).")
    var name: String?

    @Option(help: "Stack to stage and run on (default: the app's, else the stager's default).")
    var stack: String?

    @Option(help: "Instances to run (default: the app's, else 1).")
    var instances: Int?

    @Option(help: "Memory per instance, MB (default: the app's, else 256).")
    var memoryMb: Int?

    @Option(help: "Disk per instance, MB (default: the app's, else 1024).")
    var diskMb: Int?

    @Option(help: ArgumentHelp("How instances are checked: port, http:/path or process (default: the app's, else port).",
                               valueName: "check"))
    var healthCheck: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("An environment variable for staging and running (repeatable).",
                                                         valueName: "KEY=VALUE"))
    var environment: [String] = []

    @Option(name: .customLong("buildpack"), help: "Buildpack to use without detection, as `cf push -b` (repeatable, in order; default: detect).")
    var buildpacks: [String] = []

    @Option(help: "Start command (default: the buildpack's or the Procfile's).")
    var startCommand: String?

    @Option(help: ArgumentHelp("Blobstore: http(s)://HOST:PORT or s3://BUCKET?endpoint=…&region=… (default: $PIPETTE_BLOBSTORE_URL, else http://127.0.0.1:8081).",
                               valueName: "url"))
    var blobstore: String?

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    @Option(help: "The stager queue to send to.")
    var queue = Subjects.defaultStagingQueue

    @Option(help: "Seconds to wait for the staging.")
    var timeout = 900

    @Option(help: "Seconds to wait for the instances to pass their health checks.")
    var startTimeout = 180

    @Flag(help: "Record the release and return without waiting for the instances.")
    var noWait = false

    @Option(help: ArgumentHelp("Releases whose droplets are kept for rollback (default: the app's, else 5).", valueName: "n"))
    var keepReleases: Int?

    /// The app's name from `--name` or the path.
    var appName: String {
        name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
    }

    func validate() throws {
        if let keepReleases, keepReleases < 1 { throw ValidationError("--keep-releases must be at least 1") }
        if startTimeout < 1 { throw ValidationError("--start-timeout must be at least 1 second") }
        if let problem = AppRecord.problem(inName: appName) {
            throw ValidationError("app name \"\(appName)\" \(problem); choose one with --name")
        }
        if let healthCheck, HealthCheck(healthCheck) == nil {
            throw ValidationError("--health-check \(healthCheck): expected port, process or http:/path")
        }
        for (option, value) in [("instances", instances), ("memory-mb", memoryMb), ("disk-mb", diskMb)] {
            if let value, value < (option == "instances" ? 0 : 1) {
                throw ValidationError("--\(option) must be at least \(option == "instances" ? 0 : 1)")
            }
        }
        try KeyValuePairs.check(environment, option: "env")
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let name = appName
        let package = try await packageFile()
        defer { if package.temporary { try? FileManager.default.removeItem(at: package.url.deletingLastPathComponent()) } }

        let connection = try await BusOptions.connect(nats)
        defer { connection.close() }
        let store: AppStore
        do {
            store = try await AppStore.open(connection)
        } catch {
            throw CommandFailure("cannot open the apps' desired state: \(error)")
        }
        let existing = try await store.get(name)

        let blobs = try ReleaseBlobs(flag: blobstore).client
        let attempt = Workspace.newAttemptID()
        let packageURL: String
        let packageKey = BlobstoreClient.packageKey(appID: name, attemptID: attempt)
        do {
            packageURL = try await blobs.put(package.url, key: packageKey,
                                             sha256: try FileDigest.sha256(of: package.url).sha256, timeout: .seconds(timeout))
        } catch {
            if case .s3 = blobs.location {
                throw CommandFailure("cannot store the app package in \(blobs.location.description): \(error)")
            }
            let hint = if environment["PIPETTE_BLOBSTORE_SECRET"].map({ $0.isEmpty }) ?? true {
                "PIPETTE_BLOBSTORE_SECRET is not set: set it to the blobstore's secret (the Procfile's is pipette-dev-secret)"
            } else {
                "is `pipette blobstore` running, and PIPETTE_BLOBSTORE_SECRET set to its secret?"
            }
            throw CommandFailure("cannot store the app package in the blobstore: \(error) (\(hint))")
        }

        var request = StagingRequest(appID: name, downloadURI: packageURL)
        request.taskID = "push-\(name)-\(attempt)"
        request.stack = stack ?? existing?.stack
        request.buildpacks = buildpacks.isEmpty ? nil : buildpacks
        // As `cf push -b`: named buildpacks are used without detection.
        request.skipDetect = buildpacks.isEmpty ? nil : true
        request.startCommand = startCommand
        let env = (existing?.environment ?? [:]).merging(KeyValuePairs.dictionary(self.environment)) { $1 }
        request.environment = env.isEmpty ? nil : env
        let memory = memoryMb ?? existing?.memoryMB ?? 256, disk = diskMb ?? existing?.diskMB ?? 1024
        request.properties = .init(resources: .init(memory: memory, disk: disk, fds: 16384))
        Output.status("==> staging \(name) (task \(request.taskID!))")
        let reply = try await StagingClient.stage(request, on: connection, queue: queue, timeout: .seconds(timeout),
                                                  onLine: Output.line)
        if let error = reply.error { throw CommandFailure("staging \(name) failed: \(error)") }
        guard let droplet = reply.droplet, let key = droplet.blobURL.flatMap(blobs.key(in:)) else {
            throw CommandFailure("the stager answered without a droplet in the blobstore; nothing was recorded")
        }

        let release = AppRelease(
            number: 0, dropletKey: key, dropletSHA256: droplet.sha256, dropletSize: droplet.size,
            stack: reply.stack ?? request.stack ?? "", startCommand: reply.startCommand ?? "",
            detectedBuildpack: reply.detectedBuildpack ?? "", taskID: reply.taskID,
            createdAt: Date().timeIntervalSince1970,
            createdBy: "\(environment["USER"] ?? "root")@\(ProcessInfo.processInfo.hostName)",
            environment: env, packageKey: packageKey)
        var recorded: AppRelease?
        var pruned: [AppRelease] = []
        let record = try await store.update(name) { record in
            var app = record ?? AppRecord(name: name, guid: UUID().uuidString.lowercased(), stack: release.stack)
            app.stack = release.stack
            app.instances = instances ?? app.instances
            app.memoryMB = memory
            app.diskMB = disk
            app.healthCheck = healthCheck.flatMap(HealthCheck.init) ?? app.healthCheck
            app.environment = env
            app.keepReleases = keepReleases ?? app.keepReleases
            let replaced = app.currentRelease
            recorded = app.append(release)
            pruned = app.prune(alsoKeeping: Set([replaced].compactMap { $0 }))
            record = app
        }
        await ReleaseBlobs(client: blobs).remove(pruned, of: name, why: "older than the last \(record?.keepReleases ?? AppRecord.defaultKeepReleases) kept")
        guard let record, let recorded else { throw CommandFailure("the release of \(name) was not recorded") }
        Output.table([
            ("app", "\(record.name) (guid \(record.guid))"),
            ("release", "\(recorded.number) (of \(record.releases.count))"),
            ("stack", recorded.stack),
            ("buildpack", recorded.detectedBuildpack),
            ("start command", recorded.startCommand),
            ("droplet", "\(recorded.dropletSize) bytes, sha256 \(recorded.dropletSHA256)"),
            ("instances", "\(record.instances) desired, \(record.memoryMB) MB memory, \(record.diskMB) MB disk, "
                + "health check \(record.healthCheck)"),
        ])
        guard !noWait, record.desiredInstances > 0 else { return }
        Output.status("==> starting \(record.desiredInstances) instance\(record.desiredInstances == 1 ? "" : "s") of \(name)")
        let running = try await InstanceWait(connection: connection, app: name, release: recorded.number,
                                             count: record.desiredInstances, timeout: .seconds(startTimeout)).run()
        Output.columns(AppCommand.instanceRows(running))
        for instance in running {
            if let url = instance.url { Output.line("\(name)/\(instance.index): \(url)") }
        }
        if let router = await PlatformState.router(on: connection) {
            Output.line("route: \(PlatformState.routeURL(app: name, router: router))")
        }
    }

    /// The package to upload: a folder zipped into a temporary folder, or a .zip as it is.
    private func packageFile() async throws -> (url: URL, temporary: Bool) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CommandFailure("app \(path) does not exist")
        }
        guard isDirectory.boolValue else { return (url, false) }
        let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
        guard files?.contains(where: { (($0 as? URL).flatMap { try? $0.resourceValues(forKeys: [.isRegularFileKey]) })?.isRegularFile == true }) == true else {
            throw CommandFailure("app folder \(path) has no files; nothing to push")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-push-\(Workspace.newAttemptID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let zip = folder.appendingPathComponent("app.zip")
        _ = try TreePacker.pack(url, to: zip, format: .zip)
        return (zip, true)
    }
}
