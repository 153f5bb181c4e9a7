import Archive
import Foundation
import PipetteCore
@testable import Staging
import Testing
import TestSupport

/// Bad input to local staging: each gets an error a person can act on.
@Suite("Staging failures")
struct StagingFailureTests {
    let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)

    @Test func aMissingAppSaysSo() throws {
        let work = try TemporaryDirectory("fail")
        defer { work.remove() }
        #expect(throws: StagingError.appNotFound(path: "/nonexistent/app")) {
            try AppSource.materialize(URL(fileURLWithPath: "/nonexistent/app"), into: work.file("app"))
        }
    }

    @Test func aHostileZipIsAnInvalidPackage() throws {
        let work = try TemporaryDirectory("fail")
        defer { work.remove() }
        let writer = try ArchiveWriter(path: work.file("evil.zip"), format: .zip)
        try writer.addFile("../x", contents: Data("evil".utf8))
        _ = try writer.finish()
        #expect(throws: StagingError.invalidPackage(reason: "entry ../x escapes the app directory")) {
            try AppSource.materialize(work.file("evil.zip"), into: work.file("app"))
        }
        #expect(StagingError.invalidPackage(reason: "entry ../x escapes the app directory").description
            == "Invalid app package: entry ../x escapes the app directory")
    }

    @Test func anUnknownStackListsTheKnownOnes() {
        #expect(throws: StackError.unknown(name: "windows2016", known: StackCatalog.standard.names)) {
            _ = try StackStore(directory: home.stacks).resolve("windows2016")
        }
    }

    @Test func aStackNotBuiltYetSaysHowToBuildIt() throws {
        let empty = try TemporaryDirectory("nostacks")
        defer { empty.remove() }
        #expect(throws: StackError.notBuilt(name: "tiny-arm64")) {
            _ = try StackStore(directory: empty.url).resolve("tiny-arm64")
        }
    }

    /// `metadata.json` is written last by a stack build: a torn one means not built; a whole one
    /// (as `pipette stack build` writes it, date and all) means built.
    @Test func aStackIsBuiltOnlyWithWholeMetadata() throws {
        let stacks = try TemporaryDirectory("halfstacks")
        defer { stacks.remove() }
        let store = StackStore(directory: stacks.url)
        try stacks.write("tiny-arm64/metadata.json", "{\"name\":\"tiny-arm64\",\"arch\":\"aarch")
        #expect(throws: StackError.notBuilt(name: "tiny-arm64")) { _ = try store.resolve("tiny-arm64") }
        let whole = StackMetadata(name: "tiny-arm64", arch: .arm64, sha256: "ab", size: 1, builtAt: Date())
        try StackStore.encoder.encode(whole).write(to: stacks.file("tiny-arm64/metadata.json"))
        #expect(try store.resolve("tiny-arm64").stack.name == "tiny-arm64")
        #expect(store.metadata(of: "tiny-arm64")?.sha256 == "ab")
    }

    @Test func noBuildpackDetectedListsWhatWasTried() async throws {
        let work = try TemporaryDirectory("fail")
        defer { work.remove() }
        try work.write("src/README", "nothing to detect here\n")
        try AppSource.materialize(work.file("src"), into: work.file("app"))
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        await #expect(throws: StagingError.noBuildpackDetected(tried: StagingOptions.defaultOrder)) {
            _ = try await StagingTask(home: home).stage(workspace: work.url, stack: stack, rootfs: rootfs,
                                                        options: StagingOptions(), onLine: { _ in })
        }
    }

    /// A home whose buildpacks are the test fixtures and whose lifecycle is the real one.
    private func fixtureHome(in work: TemporaryDirectory) throws -> PipetteHome {
        let root = work.file("home")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lifecycle"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("lifecycle/build"),
            withDestinationURL: ProjectPaths.root.appendingPathComponent("lifecycle/build"))
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("buildpacks"),
            withDestinationURL: ProjectPaths.root.appendingPathComponent("Tests/StagingTests/Fixtures/buildpacks"))
        try work.write("src/index.html", "hi\n")
        try AppSource.materialize(work.file("src"), into: work.file("app"))
        return PipetteHome(root: root, cache: home.cache)
    }

    @Test func aCompileFailureShowsTheBuildpacksLastLinesAndStatus() async throws {
        let work = try TemporaryDirectory("fail")
        defer { work.remove() }
        let task = StagingTask(home: try fixtureHome(in: work))
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        await #expect(performing: {
            _ = try await task.stage(workspace: work.url, stack: stack, rootfs: rootfs,
                                     options: StagingOptions(buildpacks: ["fails-compile"]), onLine: { _ in })
        }, throws: { error in
            guard case .compileFailed(let status, let lines) = error as? StagingError else { return false }
            return status == 223 && lines.contains("error: the compiler ran out of luck")
        })
    }

    @Test func aTimeoutKillsStagingAndSaysSo() async throws {
        let work = try TemporaryDirectory("fail")
        defer { work.remove() }
        let task = StagingTask(home: try fixtureHome(in: work))
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        let options = StagingOptions(buildpacks: ["sleeps"], timeout: .seconds(1))
        await #expect(throws: StagingError.timedOut(seconds: 1, phase: "staging")) {
            _ = try await task.stage(workspace: work.url, stack: stack, rootfs: rootfs, options: options, onLine: { _ in })
        }
    }
}
