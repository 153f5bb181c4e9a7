import ArgumentParser
import Container
import Foundation

/// Starting a short program and collecting its output: `Subprocess` (posix_spawn, a reader and a
/// waiter thread) against Foundation's `Process` with a pipe, which it replaced. Interleaved.
struct SpawnBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn", abstract: "Start a program and read its output: Subprocess vs Foundation's Process.")

    @Option(help: "Starts of each kind.") var count = 300
    @Option(help: "The program to start, with no arguments.") var program = "/bin/true"

    func run() async throws {
        var timing = Timing()
        for round in 0..<(count + 5) {
            let candidate = try await Timing.seconds {
                _ = try await Subprocess.run(program, [], onLine: { _ in })
            }
            let baseline = try Timing.seconds {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: program)
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                _ = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
            }
            guard round >= 5 else { continue }
            timing.candidate.append(candidate)
            timing.baseline.append(baseline)
        }
        print(String(format: "start %@ and read its output: Subprocess median %.3f ms, Foundation Process median %.3f ms, ratio %.2fx (%d rounds)",
                     program, Timing.median(timing.candidate) * 1000, Timing.median(timing.baseline) * 1000,
                     Timing.median(timing.candidate) / Timing.median(timing.baseline), timing.candidate.count))
    }
}
