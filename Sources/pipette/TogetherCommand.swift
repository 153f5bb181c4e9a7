import ArgumentParser
import ServiceLifecycle

/// Several services in one process: the control plane of a small platform (as k3s runs the parts
/// of Kubernetes' control plane in one process). Each service is given exactly as its own command
/// would be, so every flag, default, check and config file works the same.
struct TogetherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "together",
        abstract: "Run several services (blobstore, fake-cc, auctioneer, stager, router, cell) in one process.",
        discussion: """
            Each service follows a `--`, written as its own command would be. They
            share one process: the Swift runtime, libraries and code are loaded once
            instead of once per service (a pipette process holds about 29 MB, most
            of it code). They stop together: on SIGTERM or Ctrl-C each shuts down
            gracefully, the last given first; if one fails, the others are stopped
            and the command exits with its error.

            --log-level here is every service's level, unless a service's own
            --log-level (or its config file's level) names another.

            Example (the Procfile's control plane):
              pipette together \\
                -- blobstore --dir ~/.cache/pipette/blobstore --port 8081 \\
                -- fake-cc --port 9292 --apps apps \\
                -- auctioneer --blobstore-url http://127.0.0.1:8081 \\
                -- stager --config config/stager.yml \\
                -- router --port 8080 --domain localhost
            """)

    @Option(help: "Log level of the services that name none (the seed's debug2 is trace).")
    var logLevel = LogLevel.info

    @Argument(parsing: .postTerminator,
              help: ArgumentHelp("The services, each after a `--`: -- NAME [FLAGS…] -- NAME [FLAGS…] …", valueName: "service"))
    var words: [String] = []

    /// The services' command lines, split at each `--`.
    var commandLines: [[String]] {
        words.split(separator: "--", omittingEmptySubsequences: true).map(Array.init)
    }

    func validate() throws {
        if commandLines.isEmpty {
            throw ValidationError("name the services to run, each after `--`, e.g. pipette together -- blobstore --dir /tmp/blobs -- fake-cc --apps apps")
        }
        for line in commandLines { _ = try Self.parse(line) }
    }

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        var services: [any Service] = []
        for line in commandLines {
            services.append(try await Self.service(line))
        }
        try await ServiceRun.untilSignalled(services)
    }

    /// Parses one service's command line as `pipette` would and builds its service.
    static func service(_ line: [String]) async throws -> any Service {
        try await parse(line).makeService()
    }

    /// One service's command line parsed and checked as `pipette` would.
    static func parse(_ line: [String]) throws -> any ServiceCommand {
        let shown = line.joined(separator: " ")
        let command: ParsableCommand
        do {
            command = try Pipette.parseAsRoot(line)
        } catch {
            let message = Pipette.message(for: error)
            if message.isEmpty || Pipette.exitCode(for: error) == .success { throw error }  // --help inside a service
            throw ValidationError("`\(shown)`: \(message)")
        }
        guard let service = command as? any ServiceCommand else {
            throw ValidationError("`\(line[0])` is not a service; together runs blobstore, fake-cc, auctioneer, stager, router and cell")
        }
        return service
    }
}
