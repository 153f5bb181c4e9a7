import Auctioneer
import Logging
import TestSupport

/// A real auctioneer service for a test, quiet but for warnings (or `logLevel`); returns once it is ready.
enum TestAuctioneer {
    static func start(_ config: AuctioneerConfig, logLevel: Logger.Level = .warning) async -> ServiceHarness {
        var logger = Logger(label: "test.auctioneer")
        logger.logLevel = logLevel
        let ready = Reported<Bool>()
        let harness = ServiceHarness([AuctioneerService(config: config, logger: logger, onReady: { ready.set(true) })])
        _ = await ready.value
        return harness
    }
}
