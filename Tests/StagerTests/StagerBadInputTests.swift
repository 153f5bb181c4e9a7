import Archive
import Foundation
import PipetteCore
import Testing
import TestSupport

/// Bad input never crashes the stager: each request gets an error reply a person can act on,
/// and the stager still stages the next good request.
@Suite("Stager bad input", .serialized)
struct StagerBadInputTests {
    @Test func everyBadRequestIsAnsweredAndTheStagerKeepsWorking() async throws {
        let slow = SilentServer()
        let platform = try await Platform { config in
            config.maxStagingDuration = 20
            config.maxDownloadMB = 1
            config.uploadAttempts = 2
        }
        // Fixtures the fake CC serves: a hostile zip, an app over the download limit, an app
        // no buildpack detects, and a binary app without a start command.
        let apps = platform.work.file("apps")
        let evil = try ArchiveWriter(path: apps.appendingPathComponent("evil.zip"), format: .zip)
        try evil.addFile("../x", contents: Data("evil".utf8))
        _ = try evil.finish()
        try platform.work.write("apps/huge/index.html", String(repeating: "<p>incompressible?</p>", count: 10))
        try Data(incompressibleBytes(2 << 20)).write(to: platform.work.file("apps/huge/blob.bin"))
        try platform.work.write("apps/plain/README", "nothing to detect\n")
        try platform.work.write("apps/nocommand/run.sh", "#!/bin/sh\n", mode: 0o755)

        func request(_ app: String, _ change: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
            var request = platform.seedRequest(app)
            change(&request)
            return request
        }
        let cases: [(String, Data, String)] = [
            ("malformed JSON", Data("{nope".utf8), "Malformed staging request: the request is not valid JSON"),
            ("missing download_uri", try JSONSerialization.data(withJSONObject: ["app_id": "x"]),
             "Malformed staging request: missing field download_uri"),
            ("wrong type", try JSONSerialization.data(withJSONObject: request("static") { $0["app_id"] = 5 }),
             "Malformed staging request: field app_id must be a string"),
            ("unreachable", try JSONSerialization.data(withJSONObject: request("static") {
                $0["download_uri"] = "http://127.0.0.1:\(freePort())/app.zip" }),
             "Failed downloading app: cannot reach http://127.0.0.1:"),
            ("404", try JSONSerialization.data(withJSONObject: request("no-such-app")),
             "Failed downloading app: HTTP 404 from \(platform.ccURL)/download_unstaged_app/no-such-app"),
            ("slow", try JSONSerialization.data(withJSONObject: request("static") {
                $0["download_uri"] = "http://127.0.0.1:\(slow.port)/app.zip" }),
             "Staging timed out after 20 seconds (during: download)"),
            ("too big", try JSONSerialization.data(withJSONObject: request("huge")),
             "Failed downloading app: \(platform.ccURL)/download_unstaged_app/huge sent more than the limit"),
            ("hostile zip", try JSONSerialization.data(withJSONObject: request("evil")),
             "Invalid app package: entry ../x escapes the app directory"),
            ("unknown stack", try JSONSerialization.data(withJSONObject: request("static") { $0["stack"] = "cflinuxfs4" }),
             "unknown stack cflinuxfs4; known stacks: tiny-amd64, tiny-arm64, bookworm-amd64, bookworm-arm64"),
            ("nothing detected", try JSONSerialization.data(withJSONObject: request("plain")),
             "No buildpack detected this app (tried: ruby, python, staticfile, binary)"),
            ("compile failure", try JSONSerialization.data(withJSONObject: request("nocommand") {
                $0["buildpacks"] = ["binary"]
                $0["skip_detect"] = true
            }),
             "Buildpack compile failed (builder exit status 223)"),
            ("upload fails for good", try JSONSerialization.data(withJSONObject: request("static") {
                $0["upload_uri"] = "\(platform.ccURL)/no-such-route" }),
             "Failed uploading droplet: HTTP 404 from \(platform.ccURL)/no-such-route"),
        ]
        for (name, payload, expected) in cases {
            let reply = try await platform.stage(raw: payload, timeout: .seconds(120))
            #expect(reply.error?.hasPrefix(expected) == true, "\(name): got \(reply.error ?? "no error")")
        }
        let good = try await platform.stage(platform.seedRequest("static"))
        #expect(good.error == nil, "the stager still stages after all that: \(good.error ?? "")")
        await platform.stop()
    }
}

