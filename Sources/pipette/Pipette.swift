import ArgumentParser
import Foundation
import NATS

@main
struct Pipette: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipette",
        abstract: "Stage apps into droplets with buildpacks and run them on cells, on x86_64 or ARM stacks.",
        discussion: """
            Quick start (as root, after scripts/setup.sh):
              pipette stack list
              pipette build apps/sinatra --stack bookworm-arm64 -o sinatra.tgz
              pipette run-droplet sinatra.tgz --stack bookworm-arm64 --port 8080

            The platform (`foreman start` runs it from the Procfile):
              export PIPETTE_BLOBSTORE_SECRET=pipette-dev-secret
              pipette push apps/sinatra --stack bookworm-arm64   # stage, run, print the URLs
              pipette app sinatra; pipette scale sinatra 3; pipette logs sinatra --follow
              curl -H 'Host: sinatra.localhost' http://127.0.0.1:8080/

            Files: stacks are cached in $PIPETTE_CACHE (default ~/.cache/pipette); buildpacks,
            stack recipes and lifecycle programs come from the checkout ($PIPETTE_HOME).
            """,
        subcommands: [BuildCommand.self, RunDropletCommand.self, StackCommand.self, StagerCommand.self, StageCommand.self,
                      AuctioneerCommand.self, CellCommand.self, RouterCommand.self, CellsCommand.self, PushCommand.self, AppsCommand.self,
                      AppCommand.self, ScaleCommand.self, StopCommand.self, StartCommand.self, RestartCommand.self, DeleteCommand.self,
                      ReleasesCommand.self, RollbackCommand.self, ShellCommand.self, LogsCommand.self, BlobstoreCommand.self, FakeCCCommand.self,
                      NATSAuthCommand.self, TogetherCommand.self])

    /// The commands run once per staging read their usual lines without ArgumentParser's
    /// reflection (`QuickCommandLine`); everything else, help and errors included, is ArgumentParser's.
    static func main() async {
        // A reader that goes away (`pipette build … | head`) makes writes fail with EPIPE instead
        // of killing the command mid-way: it finishes and cleans up (`Output` drops what it
        // cannot write). A handler, not SIG_IGN, which runc and the buildpacks would inherit.
        signal(SIGPIPE) { _ in }
        let arguments = Array(CommandLine.arguments.dropFirst())
        let quick: (any QuickCommand)? = LocalBuild.read(arguments) ?? RemoteStaging.read(arguments)
        guard let quick else {
            await main(nil)
            return
        }
        await runAndExit(quick)
    }

    /// Runs a quick command and ends the process on the thread it finished on: resuming `main`
    /// (the main actor) would have libdispatch start a thread for it first (a clone and an 8 MB
    /// stack mapping, about 0.5 ms after the last line is printed).
    @concurrent private static func runAndExit(_ quick: any QuickCommand) async -> Never {
        do {
            try await quick.run()
        } catch {
            exit(withError: error)
        }
        // Done, its output written (write(2), and stdio flushed here): what the exit handlers
        // would still do (OpenSSL freeing its tables, about 0.5 ms) the kernel does anyway.
        fflush(nil)
        _exit(0)
    }
}
