import Foundation

/// Runs a program, handing each line of its combined stdout and stderr to `onLine` as it is
/// printed. Cancelling the calling task runs `onCancel` with the process id (by default
/// SIGTERM to it); from then on the call returns as soon as the process exits, even if
/// something it started still holds its output open. `input`, when given, is the file read as
/// standard input (a CNI plugin's network configuration).
public enum Subprocess {
    public static func run(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil,
        input: URL? = nil,
        onLine: @escaping @Sendable (String) -> Void,
        onCancel: (@Sendable (Int32) -> Void)? = nil
    ) async throws(ContainerError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try which(executable))
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Output is read by a thread of our own with plain read(2) until EOF, then the pipe is
        // closed: Foundation's readabilityHandler leaked a descriptor per process under load.
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw .launchFailed(executable: executable, reason: String(cString: strerror(errno)))
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let reader = fds[0]
        let writer = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        process.standardOutput = writer
        process.standardError = writer
        if let input {
            guard let handle = FileHandle(forReadingAtPath: input.path) else {
                throw .launchFailed(executable: executable, reason: "cannot read its input \(input.path)")
            }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }

        let completion = Completion()
        let lines = LineSplitter(onLine)
        process.terminationHandler = { completion.exited($0.terminationReason == .uncaughtSignal
            ? 128 + $0.terminationStatus : $0.terminationStatus) }

        do {
            try process.run()
        } catch {
            try? writer.close()
            close(reader)
            throw .launchFailed(executable: executable, reason: error.localizedDescription)
        }
        try? writer.close()
        let readerThread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = read(reader, &buffer, buffer.count)
                if count > 0 {
                    lines.feed(Data(buffer[0..<count]))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(reader)
            lines.flush()
            completion.outputClosed()
            Self.reapIfMissed(process.processIdentifier, completion: completion)
        }
        readerThread.name = "pipette.subprocess.output"
        readerThread.start()
        return await withTaskCancellationHandler {
            await completion.wait()
        } onCancel: {
            completion.cancelled()
            let pid = process.processIdentifier
            if let onCancel { onCancel(pid) } else if process.isRunning { process.terminate() }
        }
    }

    /// Foundation's `Process` on Linux sometimes misses a child's exit when many run at once
    /// (swift-corelibs-foundation#4795): the child stays a zombie and `terminationHandler` never
    /// runs. Once the output has closed, this watches for that and reaps the zombie itself.
    private static func reapIfMissed(_ pid: Int32, completion: Completion) {
        while !completion.hasExited {
            usleep(100_000)
            guard !completion.hasExited, isZombie(pid) else { continue }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7f
                completion.exited(signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
        }
    }

    /// Whether `pid` has exited but was not reaped (state `Z` in /proc/<pid>/stat).
    public static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: end)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// The full path of `program`, searched in PATH and the sbin folders root's tools live in.
    public static func which(_ program: String) throws(ContainerError) -> String {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + program) {
            return folder + "/" + program
        }
        throw .programMissing(program: program)
    }
}

/// Resumes one waiter once the process has exited and its output pipe has closed.
private final class Completion: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32?
    private var closed = false
    private var waiter: CheckedContinuation<Int32, Never>?

    /// Only the first exit status counts (Foundation's, or the reaper's).
    func exited(_ code: Int32) { update { if $0.status == nil { $0.status = code } } }

    var hasExited: Bool {
        lock.lock()
        defer { lock.unlock() }
        return status != nil
    }
    func outputClosed() { update { $0.closed = true } }
    /// After cancellation the exit alone is enough: a killed program's children may keep the
    /// output pipe open until the caller cleans them up.
    func cancelled() { update { $0.closed = true } }

    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            update { $0.waiter = continuation }
        }
    }

    private func update(_ change: (Completion) -> Void) {
        lock.lock()
        change(self)
        var ready: (CheckedContinuation<Int32, Never>, Int32)?
        if let status, closed, let waiter {
            ready = (waiter, status)
            self.waiter = nil
        }
        lock.unlock()
        if let (continuation, status) = ready { continuation.resume(returning: status) }
    }
}

/// Splits a byte stream into lines (without the newline); a trailing partial line is kept until
/// more bytes or `flush()`.
final class LineSplitter: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = Data()
    private let onLine: @Sendable (String) -> Void

    init(_ onLine: @escaping @Sendable (String) -> Void) { self.onLine = onLine }

    func feed(_ data: Data) {
        lock.lock()
        pending.append(data)
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        lock.unlock()
        lines.forEach(onLine)
    }

    func flush() {
        lock.lock()
        let rest = pending
        pending = Data()
        lock.unlock()
        if !rest.isEmpty { onLine(String(decoding: rest, as: UTF8.self)) }
    }
}
