import ArgumentParser

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
    var cc = RemoteStaging.defaultCC

    @Option(help: "The stager queue to send to.")
    var queue = RemoteStaging.defaultQueue

    @Option(help: "Seconds to wait for the reply.")
    var timeout = RemoteStaging.defaultTimeout

    /// The staging these arguments ask for.
    var staging: RemoteStaging {
        RemoteStaging(appID: appID, stack: stack, buildpacks: buildpacks, skipDetect: skipDetect, nats: nats, cc: cc,
                      queue: queue, timeout: timeout)
    }

    func run() async throws { try await staging.run() }
}
