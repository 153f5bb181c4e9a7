import Logging
import ServiceLifecycle

/// Runs one long-lived service until SIGTERM or Ctrl-C, then shuts it down gracefully.
enum ServiceRun {
    static func untilSignalled(_ service: some Service, logger: Logger) async throws {
        try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }
}
