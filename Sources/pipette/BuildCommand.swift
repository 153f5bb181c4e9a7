import ArgumentParser

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Stage an app into a droplet locally, with the builder in a runc container of the stack.",
        discussion: """
            Buildpack output is shown as it happens. The droplet is a gzip tar with app/, deps/,
            profile.d/, tmp/, logs/ and staging_info.yml, as Cloud Foundry's.

            Examples:
              pipette build apps/static --stack tiny-amd64
              pipette build app.zip --stack bookworm-arm64 --buildpack ruby -o app.tgz
              pipette build apps/shell --stack tiny-arm64 --buildpack binary
            """)

    @Argument(help: "The app: a directory, or a .zip/.tar.gz package.")
    var app: String

    @Option(help: "The stack to stage on (see `pipette stack list`).")
    var stack: String

    @Option(name: .customLong("buildpack"), help: "A buildpack to use (repeatable, in order). Default: detect among ruby, python, staticfile, binary.")
    var buildpacks: [String] = []

    @Flag(help: "Run the given buildpacks without detection: all but the last supply, the last finalizes.")
    var skipDetect = false

    @Option(name: [.short, .customLong("output")],
            help: "Where to write the droplet: a file (replaced if there), or a folder to write <app>-<stack>.tgz in. Default: the current directory.")
    var output: String?

    @Option(help: "Use this start command instead of the buildpack's or Procfile's.")
    var startCommand: String?

    @Option(help: "Give up (and kill the container) after this many seconds.")
    var timeout = LocalBuild.defaultTimeout

    @OptionGroup var env: EnvironmentOption

    /// The build these arguments ask for.
    var build: LocalBuild {
        LocalBuild(app: app, stack: stack, buildpacks: buildpacks, skipDetect: skipDetect, output: output,
                   startCommand: startCommand, timeout: timeout, environment: env.pairs)
    }

    func validate() throws { try build.validate() }

    func run() async throws { try await build.run() }
}
