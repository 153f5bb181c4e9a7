import ArgumentParser
import PipetteCore

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a stopped app's instances again and wait until they run.",
        discussion: """
            Changes the app's desired state in the pipette_apps bucket, then waits until the
            instances follow (--no-wait returns at once), printing their changes and output.

            Example:
              pipette start sinatra
            """)

    @OptionGroup var change: AppChange

    func run() async throws {
        try await change.apply { $0.state = .started }
    }
}
