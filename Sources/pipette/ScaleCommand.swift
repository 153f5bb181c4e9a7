import ArgumentParser
import PipetteCore

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Run N instances of an app: the converger starts or stops instances to match.",
        discussion: """
            Changes the app's desired state in the pipette_apps bucket, then waits until the
            instances follow (--no-wait returns at once), printing their changes and output.

            Example:
              pipette scale sinatra 3
              pipette scale sinatra 0 --no-wait
            """)

    @OptionGroup var change: AppChange

    @Argument(help: "How many instances to run (0 stops them all but keeps the app started).")
    var instances: Int

    func validate() throws {
        if instances < 0 || instances > 1000 { throw ValidationError("instances must be 0 to 1000") }
    }

    func run() async throws {
        try await change.apply { $0.instances = instances }
    }
}
