import ArgumentParser
import Logging
import ServiceLifecycle
import Transfer

/// Runs long-lived services until SIGTERM or Ctrl-C, then shuts them down gracefully (in reverse
/// order). One that ends or fails ends the others, as foreman would stop the whole Procfile.
enum ServiceRun {
    /// Refuses to start with an unusable `$PIPETTE_CA_FILE`: every HTTPS transfer would fail later.
    static func untilSignalled(_ services: [any Service], logger: Logger = Logger(label: "pipette.services")) async throws {
        if let problem = HTTPTransfer.extraCAProblem() { throw ValidationError(problem) }
        try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }
}

/// A command that runs one long-lived service (`pipette stager`, `cell`, `blobstore`, …). Run on
/// its own it is a process of its own; `pipette together` builds several in one process.
protocol ServiceCommand: AsyncParsableCommand {
    /// Reads the flags and files, sets up logging (`LogSetup.bootstrap`: only the first call in a
    /// process counts), and builds the service, ready to run.
    func makeService() async throws -> any Service
}

extension ServiceCommand {
    func run() async throws {
        try await ServiceRun.untilSignalled([makeService()])
    }
}
