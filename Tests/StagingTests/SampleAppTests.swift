import Foundation
import PipetteCore
import Staging
import Testing
import TestSupport

/// Every sample app staged on an x86_64 and an ARM stack, run with the launcher, and asked over
/// HTTP which language and machine it runs on.
@Suite("Sample apps end to end", .serialized)
struct SampleAppTests {
    struct Case: Sendable, CustomStringConvertible {
        let app: String
        let stack: String
        let buildpack: String
        let language: String
        /// Where the arch shows: the page itself, or a file the app writes at start.
        var path = "/"
        var description: String { "\(app) on \(stack)" }
    }

    static let cases = [
        Case(app: "static", stack: "tiny-amd64", buildpack: "staticfile", language: "static", path: "/arch.txt"),
        Case(app: "static", stack: "tiny-arm64", buildpack: "staticfile", language: "static", path: "/arch.txt"),
        Case(app: "shell", stack: "tiny-amd64", buildpack: "binary", language: "shell"),
        Case(app: "shell", stack: "tiny-arm64", buildpack: "binary", language: "shell"),
        Case(app: "python", stack: "bookworm-amd64", buildpack: "python", language: "Python"),
        Case(app: "python", stack: "bookworm-arm64", buildpack: "python", language: "Python"),
        Case(app: "sinatra", stack: "bookworm-amd64", buildpack: "ruby", language: "Ruby"),
        Case(app: "sinatra", stack: "bookworm-arm64", buildpack: "ruby", language: "Ruby"),
    ]

    @Test(arguments: cases)
    func stagesRunsAndAnswers(_ sample: Case) async throws {
        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(sample.stack)
        let work = try TemporaryDirectory("e2e-\(sample.app)")
        defer { work.remove() }
        try AppSource.materialize(ProjectPaths.apps.appendingPathComponent(sample.app), into: work.file("app"))
        var options = StagingOptions()
        if sample.buildpack == "binary" {
            // The binary buildpack never detects on its own (as Cloud Foundry's): name it.
            options.buildpacks = ["binary"]
            options.skipDetect = true
        }

        let outcome = try await StagingTask(home: home).stage(
            workspace: work.url, stack: stack, rootfs: rootfs, options: options, onLine: { _ in })
        #expect(outcome.detectedBuildpack.lowercased().contains(sample.buildpack))
        #expect(!outcome.startCommand.isEmpty)
        let listing = try await shell("/bin/tar", ["tzf", outcome.droplet.path]).output
        for entry in ["app/", "staging_info.yml"] {
            #expect(listing.contains(entry), "droplet has \(entry)")
        }

        let port = freePort()
        let droplet = work.file("droplet.tgz")
        try FileManager.default.moveItem(at: outcome.droplet, to: droplet)
        let run = Task {
            try await DropletRunner(home: home).run(droplet: droplet, stack: stack, rootfs: rootfs, port: port,
                                                    workspace: work.file("run"), onLine: { _ in })
        }
        defer { run.cancel() }
        let body = try await httpGet("http://127.0.0.1:\(port)\(sample.path)")
        #expect(body?.contains(stack.arch.machine) == true, "\(sample) answered \(body ?? "nothing")")
        if sample.path == "/" { #expect(body?.contains(sample.language) == true) }
        run.cancel()
        _ = try? await run.value
    }
}
