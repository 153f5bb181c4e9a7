import Foundation
import TestSupport
import Testing

/// Helpers for the ports of Cloud Foundry's own suites
/// (github.com/cloudfoundry/buildpackapplifecycle, github.com/cloudfoundry/healthcheck).
enum CF {
    static let fixtures = Lifecycle.fixtures.appendingPathComponent("cf")

    /// Architectures the CF suites run against: both by default (aarch64 through
    /// qemu-user binfmt); `LIFECYCLE_ARCHES=x86_64` narrows it (used for timings).
    static let arches: [String] = {
        let value = ProcessInfo.processInfo.environment["LIFECYCLE_ARCHES"] ?? ""
        let chosen = value.split(separator: ",").map(String.init).filter { !$0.isEmpty }
        return chosen.isEmpty ? ["x86_64", "aarch64"] : chosen
    }()

    private static let hashLock = NSLock()
    nonisolated(unsafe) private static var hashes: [String: String] = [:]

    /// XXH64 of a buildpack key, as CF's test helper buildpackHash names directories
    /// (computed by lctool once per key; HashTests checks it against reference vectors).
    static func xxh64(_ key: String) throws -> String {
        hashLock.lock()
        let known = hashes[key]
        hashLock.unlock()
        if let known { return known }
        let r = try run(try Lifecycle.tool(), ["xxh64", key])
        #expect(r.status == 0)
        let hash = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        hashLock.lock()
        hashes[key] = hash
        hashLock.unlock()
        return hash
    }
}

/// A JSON value compared the way Gomega's MatchJSON compares: both sides parsed,
/// objects equal when they have the same keys with equal values, arrays in order.
indirect enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return "\(n)"
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\"\($0)\":\(o[$0]!)" }.joined(separator: ",") + "}"
        }
    }
}

/// Gomega's `Expect(actual).To(MatchJSON(expected))`.
func expectMatchJSON(_ actual: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let a = try JSONValue.parse(actual), e = try JSONValue.parse(expected)
        #expect(a == e, "MatchJSON:\n  actual   \(a)\n  expected \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("MatchJSON: cannot parse \(actual) / \(expected): \(error)", sourceLocation: sourceLocation)
    }
}

/// One run of the builder set up like builder_test.go's BeforeEach/JustBeforeEach:
/// a temp dir holding the app, buildpacks (named by xxh64 of their key), cache
/// and outputs; TMPDIR and the working directory are that temp dir.
final class CFBuilder {
    let tmp: TemporaryDirectory
    let arch: String
    let buildDir, buildpacksDir, buildArtifactsCacheDir: URL
    let outputDroplet, outputMetadata, outputBuildArtifactsCache: URL
    var buildpackOrder = ""
    var skipDetect = false
    var env: [String: String]

    init(arch: String) throws {
        self.arch = arch
        tmp = try TemporaryDirectory("building-tmp")
        buildDir = tmp.file("building-app")
        buildpacksDir = tmp.file("building-buildpacks")
        buildArtifactsCacheDir = tmp.file("building-cache")
        for d in [buildDir, buildpacksDir, buildArtifactsCacheDir, tmp.file("building-cache-output")] {
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        }
        outputDroplet = tmp.file("building-droplet")
        outputMetadata = tmp.file("building-result")
        outputBuildArtifactsCache = tmp.file("building-cache-output/cache.tgz")
        try Data().write(to: outputDroplet)
        try Data().write(to: outputMetadata)
        env = environment(["TEST_CREDENTIAL_FILTER_WHITELIST": "DATABASE_URL,VCAP_SERVICES", "TMPDIR": tmp.path])
    }

    func remove() { tmp.remove() }

    private func cp(_ src: URL, _ dst: URL) throws {
        let r = try LifecycleTests.run("/bin/cp", ["-a", src.path, dst.path])
        #expect(r.status == 0, "cp: \(r.stderr)")
    }

    /// cpBuildpack: the fixture under buildpacksDir/<xxh64 of its name>.
    func cpBuildpack(_ name: String) throws {
        try cp(CF.fixtures.appendingPathComponent("buildpacks/\(name)"),
               buildpacksDir.appendingPathComponent(try CF.xxh64(name)))
    }

    /// A fixture buildpack copied to an arbitrary place under buildpacksDir.
    func cpBuildpack(_ name: String, to relative: String) throws {
        let target = buildpacksDir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try cp(CF.fixtures.appendingPathComponent("buildpacks/\(name)"), target)
    }

    /// cp(filepath.Join(appFixtures, app, file), buildDir)
    func cpApp(_ app: String, _ file: String) throws {
        try cp(CF.fixtures.appendingPathComponent("apps/\(app)/\(file)"), buildDir)
    }

    func setEnv(_ key: String, _ value: String) { env[key] = value }

    /// Runs the builder; with LIFECYCLE_TIMINGS=FILE each run's wall time (seconds) is appended
    /// to FILE, so the builder's share of the suite can be told from the harness's (BENCHMARKS.md).
    func run() throws -> RunResult {
        let start = Date()
        defer {
            if let path = ProcessInfo.processInfo.environment["LIFECYCLE_TIMINGS"],
               let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(String(format: "%.6f\n", Date().timeIntervalSince(start)).utf8))
                try? handle.close()
            }
        }
        return try LifecycleTests.run(try Lifecycle.binary("builder", arch: arch), [
            "-buildDir", buildDir.path, "-buildpacksDir", buildpacksDir.path,
            "-outputDroplet", outputDroplet.path, "-outputBuildArtifactsCache", outputBuildArtifactsCache.path,
            "-buildArtifactsCacheDir", buildArtifactsCacheDir.path, "-buildpackOrder", buildpackOrder,
            "-outputMetadata", outputMetadata.path, "-skipDetect=\(skipDetect)", "-credhubRetryDelay=0s",
        ], cwd: tmp.url, environment: env)
    }

    /// Runs and expects exit 0 (CF's `Eventually(builder()).Should(gexec.Exit(0))`).
    @discardableResult
    func runSuccessfully(sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let r = try run()
        #expect(r.status == 0, "builder exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    func resultJSON() throws -> String { try String(contentsOf: outputMetadata, encoding: .utf8) }

    /// `tar -tzf` lines with trailing CR/LF removed (removeTrailingSpace).
    func dropletFiles() throws -> [String] { try tarList(outputDroplet) }
    func cacheFiles() throws -> [String] { try tarList(outputBuildArtifactsCache) }

    /// `tar -xzOf archive member`, trailing " \r\n" trimmed as CF's tests do.
    func member(_ name: String, of archive: URL? = nil) throws -> String {
        var text = try tarRead(archive ?? outputDroplet, name)
        while let last = text.unicodeScalars.last, [" ", "\r", "\n"].contains(last) { text.unicodeScalars.removeLast() }
        return text
    }
}
