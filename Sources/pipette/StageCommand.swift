import ArgumentParser
import Foundation
import NATS
import PipetteCore
import Stager

struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Ask a stager over NATS to stage an app from the fake cloud controller; print its log live.",
        discussion: """
            Sends the seed's staging request (what bin/request_stager_to_stage_app did): the app is
            downloaded from <cc>/download_unstaged_app/<APP_ID> and the droplet posted to
            <cc>/upload_droplet/<APP_ID>/<upload id>.

            Example (with `foreman start` running):
              pipette stage sinatra --stack bookworm-arm64
            """)

    @Argument(help: "The app id (a folder or .zip under the fake cloud controller's apps directory).")
    var appID: String

    @Option(help: "Stack to stage on (default: the stager's default stack).")
    var stack: String?

    @Option(name: .customLong("buildpack"), help: "Buildpack to use (repeatable, in order).")
    var buildpacks: [String] = []

    @Flag(help: "Skip detection: all but the last buildpack supply, the last finalizes.")
    var skipDetect = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    @Option(help: "Fake cloud controller base URL.")
    var cc = "http://127.0.0.1:9292"

    @Option(help: "The stager queue to send to.")
    var queue = "staging"

    @Option(help: "Seconds to wait for the reply.")
    var timeout = 900

    func run() async throws {
        let connection = try await BusOptions.connect(nats)
        let taskID = UUID().uuidString.lowercased()
        var request = StagingRequest(appID: appID, downloadURI: "\(cc)/download_unstaged_app/\(appID)",
                                     uploadURI: "\(cc)/upload_droplet/\(appID)/\(taskID.prefix(8))")
        request.taskID = taskID
        request.stack = stack
        request.buildpacks = buildpacks.isEmpty ? nil : buildpacks
        request.skipDetect = skipDetect ? true : nil
        request.logSubject = "staging.\(taskID).logs"
        request.properties = .init(services: [], frameworkInfo: nil, runtimeInfo: nil,
                                   resources: .init(memory: 256, disk: 256, fds: 1024))

        let reply = try await StagingClient.stage(request, on: connection, queue: queue, timeout: .seconds(timeout),
                                                  onLine: Output.line)
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
