import Foundation
import Testing
import TestSupport

/// `pipette together`: the control plane's services in one process (issue 14, row 3), each given
/// as its own command would be; bad input refused with a sentence and exit 64.
@Suite("Services together in one process", .serialized)
struct TogetherTests {
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    @Test func theControlPlaneInOneProcessStagesTheSeedsRequestOnACellAndStopsCleanly() async throws {
        let work = try TemporaryDirectory("together")
        defer { work.remove() }
        let nats = try NATSServer()
        defer { nats.stop() }
        let (blobPort, ccPort) = (freePort(), freePort())
        let environment = ["PIPETTE_NATS_URL": nats.url, "PIPETTE_BLOBSTORE_SECRET": "together-secret"]
        let plane = try ServiceProcess([
            "together",
            "--", "blobstore", "--dir", work.file("blobs").path, "--port", String(blobPort),
            "--", "fake-cc", "--port", String(ccPort), "--apps", ProjectPaths.apps.path, "--droplets", work.file("droplets").path,
            "--", "auctioneer", "--blobstore-url", "http://127.0.0.1:\(blobPort)",
            "--", "stager", "--blobstore", "http://127.0.0.1:\(blobPort)",
        ], environment: environment)
        let cell = try ServiceProcess(["cell", "--id", "together-1", "--stacks", "tiny-amd64"], environment: environment)
        defer { [plane, cell].forEach { $0.stop() } }
        #expect(await plane.waitFor("stager ready"), "\(plane.log)")
        #expect(plane.log.contains("blobstore listening on") && plane.log.contains("fake-cc listening on")
                && plane.log.contains("auctioneer ready"), "\(plane.log)")
        #expect(await cell.waitFor("ready"), "\(cell.log)")
        let client = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let joined = await eventually(within: .seconds(30)) {
            (try? await shell(Self.pipette, ["cells"], environment: client).output.contains("together-1")) == true
        }
        #expect(joined)

        let staged = try await shell(Self.pipette, ["stage", "static", "--cc", "http://127.0.0.1:\(ccPort)"], environment: client)
        #expect(staged.status == 0, "\(staged.output)\n\(plane.log)")
        #expect(staged.output.contains("cell:          together-1"), "\(staged.output)")
        #expect(staged.output.contains("blob:          http://127.0.0.1:\(blobPort)/blobs/droplets/static/"), "\(staged.output)")
        #expect(!((try? FileManager.default.subpathsOfDirectory(atPath: work.file("droplets").path)) ?? []).isEmpty,
                "the droplet reached the fake cloud controller")

        plane.signal(SIGTERM)
        let status = await plane.exitStatus(within: .seconds(15))
        #expect(status == 0, "every service shut down on SIGTERM: \(status.map(String.init) ?? "still running")\n\(plane.log)")
        cell.signal(SIGTERM)
        _ = await cell.exitStatus(within: .seconds(10))
    }

    @Test func aServiceThatFailsStopsTheOthersAndTheCommandSaysWhy() async throws {
        let work = try TemporaryDirectory("together-fail")
        defer { work.remove() }
        let taken = SilentServer()  // listens on its port until it is released
        let plane = try ServiceProcess([
            "together",
            "--", "fake-cc", "--port", String(freePort()), "--apps", ProjectPaths.apps.path, "--droplets", work.file("d").path,
            "--", "blobstore", "--dir", work.file("blobs").path, "--port", String(taken.port),
        ])
        defer { plane.stop() }
        let status = await plane.exitStatus(within: .seconds(20))
        withExtendedLifetime(taken) {}
        #expect(status != nil && status != 0, "exits when its blobstore cannot listen: \(plane.log)")
        #expect(plane.log.contains("blobstore cannot listen on 127.0.0.1:\(taken.port): another program already does; "
                + "stop it, or give blobstore another --port"), "\(plane.log)")
    }

    @Test func aServiceGivenItsOwnLogLevelKeepsItAndTheOthersTakeTogethers() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let environment = ["PIPETTE_NATS_URL": nats.url, "PIPETTE_BLOBSTORE_SECRET": "together-secret"]
        let plane = try ServiceProcess([
            "together", "--log-level", "warning",
            "--", "auctioneer",
            "--", "stager", "--blobstore", "http://127.0.0.1:\(freePort())", "--log-level", "info",
        ], environment: environment)
        defer { plane.stop() }
        #expect(await plane.waitFor("info pipette.stager: "), "the stager logs at its own info level: \(plane.log)")
        let client = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let answered = await eventually(within: .seconds(30)) {
            (try? await shell(Self.pipette, ["cells"], environment: client).status) == 0
        }
        #expect(answered, "the auctioneer runs")
        #expect(!plane.log.contains("info pipette.auctioneer"), "the auctioneer logs at together's warning level: \(plane.log)")
    }

    /// The local stager's container runner logs at the stager's level too, not at together's.
    @Test func aLocalStagersContainersLogAtTheStagersLevel() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let cc = freePort()
        let plane = try ServiceProcess([
            "together", "--log-level", "warning",
            "--", "fake-cc", "--port", "\(cc)", "--apps", ProjectPaths.apps.path,
            "--", "stager", "--local", "--log-level", "debug",
        ], environment: ["PIPETTE_NATS_URL": nats.url])
        defer { plane.stop() }
        #expect(await plane.waitFor("stager ready"), "\(plane.log)")
        let staged = try await shell(Self.pipette, ["stage", "static", "--nats", nats.url, "--cc", "http://127.0.0.1:\(cc)"])
        #expect(staged.status == 0, "\(staged.output)")
        #expect(plane.log.contains("debug pipette.container: "), "the builder's container logged at debug: \(plane.log)")
        #expect(!plane.log.contains("info pipette.fake-cc"), "the fake CC logs at together's warning level: \(plane.log)")
    }

    @Test func anHTTPServiceOnAnAddressThisMachineDoesNotHaveSaysSo() async throws {
        let result = try await shell(Self.pipette, ["fake-cc", "--apps", ProjectPaths.apps.path, "--host", "198.18.255.254",
                                                    "--port", String(freePort())])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("fake-cc cannot listen on 198.18.255.254:"), "\(result.output)")
        #expect(result.output.contains("198.18.255.254 is not an address of this machine"), "\(result.output)")
    }

    @Test("bad command lines are refused with a sentence and exit 64", arguments: [
        ([], "name the services to run"),
        (["--", "cells"], "`cells` is not a service"),
        (["--", "blobstore", "--port", "nope"], "`blobstore --port nope`: The value 'nope' is invalid"),
        (["--", "blobstore"], "`blobstore`: Missing expected argument '--dir"),
        (["--", "fake-cc", "--apps", "/nonexistent"], "--apps /nonexistent is not a folder"),
        (["--", "no-such-service"], "no-such-service"),
    ] as [([String], String)])
    func badInput(arguments: [String], sentence: String) async throws {
        let result = try await shell(Self.pipette, ["together"] + arguments)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains(sentence), "\(result.output)")
        #expect(!result.output.contains("Fatal error"), "\(result.output)")
    }
}
