import Foundation

/// Why the router cannot run or change HAProxy; each says what to do.
public enum RouterError: Error, Sendable, CustomStringConvertible {
    /// The HAProxy program is missing.
    case haproxyMissing(path: String)
    /// HAProxy ended while the router needed it.
    case haproxyExited(status: Int32, output: [String])
    /// HAProxy did not open its sockets in time.
    case haproxyNotReady(seconds: Int, output: [String])
    /// A CLI socket could not be used.
    case socket(path: String, reason: String)
    /// A runtime command was refused.
    case command(String, answer: String)
    /// The state folder could not be prepared.
    case stateDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .haproxyMissing(let path):
            "HAProxy is not at \(path); install it with `apt-get install haproxy` (scripts/install-packages.sh does) or pass --haproxy PATH"
        case .haproxyExited(let status, let output):
            "haproxy exited with status \(status)" + Self.tail(output)
                + (output.contains { $0.contains("cannot bind") } ? " (is another router or program on that port? pick another with --port)" : "")
        case .haproxyNotReady(let seconds, let output):
            "haproxy did not answer on its admin socket within \(seconds) s" + Self.tail(output)
        case .socket(let path, let reason):
            "cannot talk to haproxy at \(path): \(reason)"
        case .command(let command, let answer):
            "haproxy refused `\(command)`: \(answer.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .stateDirectory(let path, let reason):
            "cannot prepare the router's state folder \(path): \(reason); pick another with --state-dir"
        }
    }

    private static func tail(_ output: [String]) -> String {
        let last = output.suffix(5).joined(separator: " | ")
        return last.isEmpty ? "" : ": \(last)"
    }
}
