import Foundation
import PipetteCore
import Synchronization

/// One staging task's log and current phase. Every line is stamped, kept for the reply's
/// `task_log`, and handed to `publish` at once (live log lines on NATS).
final class TaskProgress: Sendable {
    enum Phase: String, Sendable {
        case setup, download, unpack, compile, upload
    }

    private struct State {
        var log = TaskLog()
        var phase = Phase.setup
    }

    private let state = Mutex(State())
    private let publish: @Sendable (String) -> Void

    init(publish: @escaping @Sendable (String) -> Void) { self.publish = publish }

    /// Logs a line (`Downloading application`, a buildpack's output, …), secrets redacted.
    func log(_ message: String) {
        let line = state.withLock { $0.log.append(Redaction.redact(message)) }
        publish(line)
    }

    /// Logs the seed's step line and remembers which phase a timeout would interrupt.
    func begin(_ phase: Phase, _ message: String) {
        enter(phase)
        log(message)
    }

    /// Remembers the phase without a line (a cell logs the seed's lines for the steps it runs).
    func enter(_ phase: Phase) {
        state.withLock { $0.phase = phase }
    }

    var phase: Phase { state.withLock { $0.phase } }
    var text: String { state.withLock { $0.log.text } }
}
