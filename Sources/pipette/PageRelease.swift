import ArgumentParser
import Container
import Foundation
import Logging
import PipetteCore
import ServiceLifecycle

/// Runs beside a process's services: once they are up, and then every `interval`, gives back the
/// pages of the executable and libraries that start-up or past work touched and nothing uses now
/// (``ResidentPages``). An idle cell holds about 15 MB instead of 33.
struct PageRelease: Service, CustomStringConvertible {
    /// From the process's start to the first release: the services have connected and subscribed.
    var first: Duration = .seconds(10)
    /// Between releases: what a burst of work touched is given back about this long after.
    var interval: Duration = .seconds(60)
    let logger: Logger
    var description: String { "PageRelease" }

    /// The release for this process: every `$PIPETTE_PAGE_RELEASE_SECONDS` seconds (60 when
    /// unset), none with 0. Anything else is a usage error.
    static func configured(environment: [String: String] = ProcessInfo.processInfo.environment,
                           logger: Logger) throws -> PageRelease? {
        guard let text = environment["PIPETTE_PAGE_RELEASE_SECONDS"], !text.isEmpty else { return PageRelease(logger: logger) }
        guard let seconds = Int(text), seconds >= 0 else {
            throw ValidationError("PIPETTE_PAGE_RELEASE_SECONDS=\(text) is not a number of seconds; give a whole number "
                                  + "(60 when unset; 0 keeps every page mapped)")
        }
        guard seconds > 0 else { return nil }
        return PageRelease(first: .seconds(min(10, seconds)), interval: .seconds(seconds), logger: logger)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: first)
            while true {
                let started = ContinuousClock.now
                let released = ResidentPages.release()
                logger.debug("released unused pages of mapped files", metadata: [
                    "kB": "\(released)", "ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                ])
                try await Task.sleep(for: interval)
            }
        }
    }
}
