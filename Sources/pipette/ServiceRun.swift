import ArgumentParser
import Logging
import ServiceLifecycle
import Transfer

/// Runs one long-lived service until SIGTERM or Ctrl-C, then shuts it down gracefully.
enum ServiceRun {
    /// Refuses to start with an unusable `$PIPETTE_CA_FILE`: every HTTPS transfer would fail later.
    static func untilSignalled(_ service: some Service, logger: Logger) async throws {
        if let problem = HTTPTransfer.extraCAProblem() { throw ValidationError(problem) }
        try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }
}
