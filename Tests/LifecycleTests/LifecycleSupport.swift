import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Shared helpers for the lifecycle tests: locating the built C programs,
/// running them with separate stdout/stderr, and fixture buildpacks.
enum Lifecycle {
    static let fixtures = ProjectPaths.root.appendingPathComponent("Tests/LifecycleTests/Fixtures")
    static let fixtureBuildpacks = fixtures.appendingPathComponent("buildpacks")

    /// Path of a built program; records a test failure telling how to build it when missing.
    static func binary(_ name: String, arch: String = "x86_64") throws -> String {
        let url = ProjectPaths.lifecycle(name, arch: arch)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            Issue.record("\(url.path) is missing: run `make -C lifecycle` first")
            throw LifecycleTestError.missingBinary(url.path)
        }
        return url.path
    }

    /// The host-only helper that exposes the C hashes and YAML reader.
    static func tool() throws -> String {
        let path = ProjectPaths.root.appendingPathComponent("lifecycle/build/test/lctool").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("\(path) is missing: run `make -C lifecycle` first")
            throw LifecycleTestError.missingBinary(path)
        }
        return path
    }
}

enum LifecycleTestError: Error {
    case missingBinary(String)
    case timeout(String)
}

struct RunResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion; stdout and stderr are kept apart (via files, so
/// no pipe can fill up). `environment` is the complete environment.
func run(_ executable: String, _ arguments: [String], cwd: URL? = nil,
         environment: [String: String]? = nil, stdin: String? = nil) throws -> RunResult {
    let scratch = try TemporaryDirectory("lc-run")
    defer { scratch.remove() }
    let outURL = scratch.file("stdout"), errURL = scratch.file("stderr")
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = cwd }
    if let environment { process.environment = environment }
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let inURL = scratch.file("stdin")
        try Data(stdin.utf8).write(to: inURL)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return RunResult(status: process.terminationStatus,
                     stdout: try String(contentsOf: outURL, encoding: .utf8),
                     stderr: try String(contentsOf: errURL, encoding: .utf8))
}

/// The test process's environment plus/minus some variables.
func environment(_ changes: [String: String?] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for key in ["VCAP_SERVICES", "VCAP_APPLICATION", "VCAP_PLATFORM_OPTIONS", "DATABASE_URL", "PORT",
                "INSTANCE_GUID", "INSTANCE_INDEX", "CF_STACK", "LIFECYCLE_TEST_LOG", "STREAM_GATE"] {
        env.removeValue(forKey: key)
    }
    for (key, value) in changes { env[key] = value }
    return env
}

extension TemporaryDirectory {
    func read(_ relative: String) throws -> String {
        try String(contentsOf: file(relative), encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: file(relative).path)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(at: file(relative), withIntermediateDirectories: true)
    }
}

/// Lists or extracts a gzip tarball with the host's tar.
func tarList(_ archive: URL) throws -> [String] {
    let r = try run("/usr/bin/env", ["tar", "-tzf", archive.path])
    #expect(r.status == 0, "tar -tzf \(archive.path): \(r.stderr)")
    return r.stdout.split(separator: "\n").map(String.init)
}

func tarRead(_ archive: URL, _ member: String) throws -> String {
    let r = try run("/usr/bin/env", ["tar", "-xzOf", archive.path, member])
    #expect(r.status == 0, "tar -xzOf \(archive.path) \(member): \(r.stderr)")
    return r.stdout
}

/// Parses a JSON object (result.json, staging_info.yml, VCAP_APPLICATION).
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let object = value as? [String: Any] else {
        Issue.record("not a JSON object: \(text)")
        return [:]
    }
    return object
}

/// Collects a child's output as it arrives, so a test can wait for a line
/// while the child is still running.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var ended = false
    private let handle: FileHandle

    init(_ pipe: Pipe) {
        handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                lock.lock()
                data.append(chunk)
                if chunk.isEmpty { ended = true }
                lock.unlock()
                if chunk.isEmpty { break }
            }
        }
    }

    /// Waits (up to `seconds`) until the child's end of the pipe is closed and everything it wrote
    /// has been read: a child's exit can be seen before its last output is (gexec's `Exit()` waits
    /// for both; a CI run once read an exited healthcheck's stderr as empty).
    @discardableResult
    func waitForEnd(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lock.withLock({ ended }) { return true }
            usleep(5_000)
        }
        return lock.withLock { ended }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls until `needle` shows up or `seconds` pass.
    func wait(for needle: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            usleep(20_000)
        }
        return text.contains(needle)
    }
}
