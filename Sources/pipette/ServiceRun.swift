import ArgumentParser
import Logging
import ServiceLifecycle
import Transfer

/// Runs long-lived services until SIGTERM or Ctrl-C, then shuts them down gracefully (in reverse
/// order). One that ends or fails ends the others, as foreman would stop the whole Procfile.
/// Beside them, ``PageRelease`` gives back the pages start-up touched once
/// (`$PIPETTE_PAGE_RELEASE_SECONDS`).
enum ServiceRun {
    /// Refuses to start with an unusable `$PIPETTE_CA_FILE`: every HTTPS transfer would fail later.
    static func untilSignalled(_ services: [any Service], logger: Logger = Logger(label: "pipette.services")) async throws {
        if let problem = HTTPTransfer.extraCAProblem() { throw ValidationError(problem) }
        let release = try PageRelease.configured(logger: logger)
        try await ServiceGroup(services: services + (release.map { [$0] } ?? []), gracefulShutdownSignals: [.sigterm, .sigint],
                               logger: logger).run()
    }
}
