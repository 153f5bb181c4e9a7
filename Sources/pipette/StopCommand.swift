import ArgumentParser
import PipetteCore

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop an app's instances; its desired state and releases stay (`pipette start` runs them again).",
        discussion: """
            Changes the app's desired state in the pipette_apps bucket, then waits until the
            instances follow (--no-wait returns at once), printing their changes and output.

            Example:
              pipette stop sinatra
            """)

    @OptionGroup var change: AppChange

    func run() async throws {
        try await change.apply { $0.state = .stopped }
    }
}
