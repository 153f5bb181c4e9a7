import Apps
import Auctioneer
import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// An app started where no auctioneer converges (started without `--blobstore-url`): the CLI says
/// so and how to fix it, instead of waiting out its timeout.
@Suite("No converger")
struct NoConvergerTests {
    @Test func startingAnAppWithNoConvergerSaysWhatToRun() async throws {
        let nats = try NATSServer()
        let auctioneerReady = Reported<Bool>()
        let services = ServiceHarness([
            AuctioneerService(config: AuctioneerConfig(natsURI: nats.url), logger: Platform.quiet("test.auctioneer"),
                              onReady: { auctioneerReady.set(true) }),
        ])
        _ = await auctioneerReady.value
        let store = try await AppStore.open(try await NATSConnection.connect(nats.url))
        try await store.update("web") { record in
            var app = AppRecord(name: "web", guid: "g", stack: "tiny-amd64")
            _ = app.append(AppRelease(number: 0, dropletKey: "droplets/web/1.tgz", dropletSHA256: "x", dropletSize: 1,
                                      stack: "tiny-amd64", startCommand: "run", detectedBuildpack: "staticfile",
                                      taskID: "t", createdAt: 0, createdBy: "me@host"))
            app.state = .stopped
            record = app
        }
        let result = try await shell(PushTests.pipette, ["start", "web", "--timeout", "60", "--nats", nats.url],
                                     cwd: ProjectPaths.root)
        #expect(result.status == 1 && result.output.contains("no converger answers")
                && result.output.contains("--blobstore-url"), "\(result.output)")
        await services.stop()
    }
}
