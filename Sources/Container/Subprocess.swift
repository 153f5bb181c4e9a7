import CSpawn
import Foundation

/// Runs a program, handing each line of its combined stdout and stderr to `onLine` as it is
/// printed. Cancelling the calling task runs `onCancel` with the process id (by default
/// SIGTERM to it); from then on the call returns as soon as the process exits, even if
/// something it started still holds its output open. `input`, when given, is the file read as
/// standard input (a CNI plugin's network configuration).
///
/// The child is started with posix_spawn(3) in a process group of its own (so a terminal's Ctrl-C
/// reaches Pipette, which stops it in order), with every signal's default action and an empty
/// signal mask (not the SIGINT and SIGTERM a `pipette build` ignores while it cleans up), and
/// with no descriptor but its three standard ones. Foundation's `Process` made about 650 system
/// calls per start, cost the first start of a process several of the Swift runtime's
/// conformance scans, and sometimes missed a child's exit under load
/// (swift-corelibs-foundation#4795); here a thread of the call's own waits for the exit.
public enum Subprocess {
    public static func run(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil,
        input: URL? = nil,
        onLine: @escaping @Sendable (String) -> Void,
        onCancel: (@Sendable (Int32) -> Void)? = nil
    ) async throws(ContainerError) -> Int32 {
        let path = try which(executable)
        let child = try spawn(path, arguments, environment: environment, input: input, executable: executable)
        let (reader, completion) = (child.output, Completion())
        let lines = LineSplitter(onLine)
        // Output is read with plain read(2) until EOF, then the pipe is closed.
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
        }
        readerThread.name = "pipette.subprocess.output"
        readerThread.start()
        let waiterThread = Thread { completion.exited(waitForExit(child.id)) }
        waiterThread.name = "pipette.subprocess.wait"
        waiterThread.start()
        return await withTaskCancellationHandler {
            await completion.wait()
        } onCancel: {
            completion.cancelled()
            if let onCancel { onCancel(child.id) } else if !completion.hasExited { kill(child.id, SIGTERM) }
        }
    }

    /// Starts `path` with its stdout and stderr on a new pipe; returns its pid and the pipe's
    /// reading end.
    private static func spawn(_ path: String, _ arguments: [String], environment: [String: String]?, input: URL?,
                              executable: String) throws(ContainerError) -> (id: pid_t, output: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipette_pipe_cloexec(&fds) == 0 else {
            throw .launchFailed(executable: executable, reason: String(cString: strerror(errno)))
        }
        let stdin = open(input?.path ?? "/dev/null", O_RDONLY | O_CLOEXEC)
        guard stdin >= 0 else {
            let reason = String(cString: strerror(errno))
            close(fds[0])
            close(fds[1])
            throw .launchFailed(executable: executable, reason: input.map { "cannot read its input \($0.path): \(reason)" } ?? reason)
        }
        defer {
            close(stdin)
            close(fds[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        pipette_spawn_close_from(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = if let envp {
            posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        } else {
            posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        guard result == 0 else {
            close(fds[0])
            throw .launchFailed(executable: executable, reason: String(cString: strerror(result)))
        }
        return (pid, fds[0])
    }

    /// Waits for `pid` to end: its exit status, or 128 plus the signal that ended it.
    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return 128 + SIGKILL }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
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
