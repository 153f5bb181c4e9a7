import Foundation

/// Runs a program to completion and returns its exit status and combined output.
/// For test set-up only; product code runs processes through `Container.Subprocess`.
public struct ShellResult: Sendable {
    public let status: Int32
    public let output: String
}

@discardableResult
public func shell(_ executable: String, _ arguments: [String], cwd: URL? = nil,
                  environment: [String: String]? = nil) throws -> ShellResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = cwd }
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ShellResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// The same from async code: the program runs and is waited for on its own thread, so a test
/// that shells out never blocks Swift's cooperative pool (which the services under test need).
@discardableResult
public func shell(_ executable: String, _ arguments: [String], cwd: URL? = nil,
                  environment: [String: String]? = nil) async throws -> ShellResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try shell(executable, arguments, cwd: cwd, environment: environment) as ShellResult })
        }.start()
    }
}
