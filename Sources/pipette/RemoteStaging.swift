import Foundation
import NATS
import PipetteCore
import Stager

/// What `pipette stage` does, as plain values: the seed's staging request sent to a stager, its
/// log printed live, its reply as a table. Read from the command line by ArgumentParser
/// (`StageCommand`) or, for the usual lines, by `QuickCommandLine`.
struct RemoteStaging {
    static let defaultCC = "http://127.0.0.1:9292"
    static let defaultQueue = Subjects.defaultStagingQueue
    static let defaultTimeout = 900

    /// The app id (a folder or .zip under the fake cloud controller's apps directory).
    var appID: String
    /// The stack; nil: the stager's default.
    var stack: String?
    /// Buildpacks to use, in order; empty: the stager detects.
    var buildpacks: [String] = []
    /// Run the buildpacks without detection.
    var skipDetect = false
    /// `--nats`; nil: `$PIPETTE_NATS_URL`, else the local default.
    var nats: String?
    /// The fake cloud controller's base URL.
    var cc = RemoteStaging.defaultCC
    /// The stager queue to send to.
    var queue = RemoteStaging.defaultQueue
    /// Seconds to wait for the reply.
    var timeout = RemoteStaging.defaultTimeout

    func run() async throws {
        let url = try BusOptions.checkedURL(nats)
        let taskID = UUID().uuidString.lowercased()
        var request = StagingRequest(appID: appID, downloadURI: "\(cc)/download_unstaged_app/\(appID)",
                                     uploadURI: "\(cc)/upload_droplet/\(appID)/\(taskID.prefix(8))")
        request.taskID = taskID
        request.stack = stack
        request.buildpacks = buildpacks.isEmpty ? nil : buildpacks
        request.skipDetect = skipDetect ? true : nil
        request.properties = .init(services: [], frameworkInfo: nil, runtimeInfo: nil,
                                   resources: .init(memory: 256, disk: 256, fds: 1024))

        // Over a plain socket first (no libnats to load: about 10 ms sooner); whatever that cannot
        // do (TLS, nkeys, no stager yet, a lost connection) goes on over libnats, the same task.
        let started = ContinuousClock.now
        if BusOptions.options().allowsPlainSocket(for: url), case .reply(let reply) = try await StagingClient.stagePlainly(request, url: url, queue: queue,
                                                                                timeout: .seconds(timeout), onLine: Output.line) {
            return try show(reply)
        }
        NATSConnection.preload()
        let connection = try await BusOptions.connect(nats)
        do {
            let reply = try await StagingClient.stage(request, on: connection, queue: queue,
                                                      timeout: .seconds(timeout) - (ContinuousClock.now - started), onLine: Output.line)
            try show(reply)
        } catch NATSError.timedOut(let subject, _) {
            // What is left of the timeout ran out: say the timeout the user gave.
            throw NATSError.timedOut(subject: subject, seconds: Double(timeout))
        }
    }

    /// The reply as a table, or its error as the command's failure.
    private func show(_ reply: StagingReply) throws {
        if let error = reply.error { throw CommandFailure( error) }
        Output.table([
            ("task", reply.taskID),
            ("stack", reply.stack ?? "-"),
            ("cell", reply.cellID ?? "-"),
            ("buildpack", reply.detectedBuildpack ?? "-"),
            ("start command", reply.startCommand ?? "-"),
            ("droplet", reply.droplet.map { "\($0.size) bytes, sha256 \($0.sha256)" } ?? "-"),
            ("blob", reply.droplet?.blobURL ?? "-"),
        ])
    }
}

extension RemoteStaging: QuickCommand {
    static let name = "stage"
    static let commandLine = QuickCommandLine(options: [
        .init(name: "--stack", kind: .value), .init(name: "--buildpack", kind: .list), .init(name: "--skip-detect", kind: .flag),
        .init(name: "--nats", kind: .value), .init(name: "--cc", kind: .value), .init(name: "--queue", kind: .value),
        .init(name: "--timeout", kind: .value),
    ])

    init?(_ words: QuickCommandLine.Words) {
        guard words.positionals.count == 1,
              let timeout = words.value("--timeout").map({ Int($0) }) ?? Self.defaultTimeout else { return nil }
        self.init(appID: words.positionals[0], stack: words.value("--stack"), buildpacks: words.list("--buildpack"),
                  skipDetect: words.flag("--skip-detect"), nats: words.value("--nats"), cc: words.value("--cc") ?? Self.defaultCC,
                  queue: words.value("--queue") ?? Self.defaultQueue, timeout: timeout)
    }
}
