/// Problems finding or using a stack, each saying what to run next.
public enum StackError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknown(name: String, known: [String])
    case notBuilt(name: String)
    case buildFailed(name: String, status: Int32, lastLines: [String])

    public var description: String {
        switch self {
        case .unknown(let name, let known):
            "unknown stack \(name); known stacks: \(known.joined(separator: ", ")) (build one with `pipette stack build NAME`)"
        case .notBuilt(let name):
            "stack \(name) is not built yet; run `pipette stack build \(name)` (or scripts/setup.sh for all of them)"
        case .buildFailed(let name, let status, let lastLines):
            "building stack \(name) failed (exit status \(status))" + Self.tail(lastLines)
        }
    }

    static func tail(_ lines: [String]) -> String {
        lines.isEmpty ? "" : "; last output:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
