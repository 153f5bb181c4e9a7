import Foundation
import PipetteCore
import Testing
import TestSupport

/// `pipette push`, `pipette apps` and `pipette app` against a real platform: the app is staged
/// through a stager and each push recorded as a numbered release in the apps' KV bucket.
@Suite("Push and releases", .serialized)
struct PushTests {
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    @Test func pushesAreStagedAndRecordedAsNumberedReleases() async throws {
        let platform = try await Platform()
        let env = ProcessInfo.processInfo.environment.merging([
            "PIPETTE_NATS_URL": platform.nats.url, "PIPETTE_BLOBSTORE_URL": platform.blobstoreURL,
            "PIPETTE_BLOBSTORE_SECRET": Platform.secret,
        ]) { $1 }
        func pipette(_ arguments: String...) async throws -> ShellResult {
            try await shell(Self.pipette, arguments, cwd: ProjectPaths.root, environment: env)
        }
        let first = try await pipette("push", "apps/static", "--instances", "2", "--health-check", "http:/", "--no-wait")
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("Done!"), "the staging log is shown live")
        #expect(first.output.contains("release:       1 (of 1)"), "\(first.output)")

        let second = try await pipette("push", "apps/static", "--env", "MODE=prod", "--memory-mb", "128", "--no-wait")
        #expect(second.status == 0, "\(second.output)")
        let json = try await pipette("app", "static", "--json")
        struct Shown: Decodable { var app: AppRecord }
        let app = try JSONDecoder().decode(Shown.self, from: Data(json.output.utf8)).app
        #expect(app.releases.map(\.number) == [1, 2] && app.currentRelease == 2)
        #expect(app.instances == 2 && app.memoryMB == 128 && app.healthCheck == .http(path: "/"), "settings carry over")
        #expect(app.environment == ["MODE": "prod"])
        #expect(app.current?.detectedBuildpack == "staticfile" && app.current?.stack == "tiny-amd64")
        let droplet = try await shell("/usr/bin/curl", ["-fsSI", BlobURLSigner(secret: Platform.secret).signedURL(
            base: platform.blobstoreURL, method: "GET", key: try #require(app.current?.dropletKey), validFor: 60)])
        #expect(droplet.output.lowercased().contains("x-checksum-sha256: \(app.current?.dropletSHA256 ?? "?")"),
                "the release names the droplet in the blobstore")

        let list = try await pipette("apps")
        #expect(list.output.contains("static") && list.output.contains("2 of 2"), "\(list.output)")
        let logs = try await pipette("logs", "static")
        #expect(logs.output.contains("[STG \(app.current?.taskID ?? "?")]"), "the push's staging log is kept: \(logs.output)")

        let badName = try await pipette("push", "apps/static", "--name", "Bad_Name")
        #expect(badName.status == 64 && badName.output.contains("choose one with --name"), "\(badName.output)")
        let missing = try await pipette("push", "/nonexistent/app")
        #expect(missing.status == 1 && missing.output.contains("app /nonexistent/app does not exist"), "\(missing.output)")
        let unknown = try await pipette("app", "nope")
        #expect(unknown.status == 1 && unknown.output.contains("no app named nope"), "\(unknown.output)")
        let failing = try await pipette("push", "apps/shell", "--name", "broken", "--buildpack", "no-such-buildpack")
        #expect(failing.status == 1 && failing.output.contains("staging broken failed"), "\(failing.output)")
        #expect(try await pipette("app", "broken").status == 1, "a failed staging records nothing")
        await platform.stop()
    }
}
