/// Why staging failed, as sentences a person can act on (MISSION.md, NATS protocol).
public enum StagingError: Error, Equatable, Sendable, CustomStringConvertible {
    case appNotFound(path: String)
    case invalidPackage(reason: String)
    case noBuildpackDetected(tried: [String])
    case supplyFailed(status: Int32, lastLines: [String])
    case compileFailed(status: Int32, lastLines: [String])
    case releaseFailed(status: Int32, lastLines: [String])
    case builderFailed(status: Int32, lastLines: [String])
    case timedOut(seconds: Int, phase: String)
    case missingOutput(what: String)

    /// The builder's exit codes, as Cloud Foundry's buildpack lifecycle defines them.
    public static func fromBuilder(status: Int32, tried: [String], lastLines: [String]) -> StagingError {
        switch status {
        case 222: .noBuildpackDetected(tried: tried)
        case 223: .compileFailed(status: status, lastLines: lastLines)
        case 224: .releaseFailed(status: status, lastLines: lastLines)
        case 225: .supplyFailed(status: status, lastLines: lastLines)
        default: .builderFailed(status: status, lastLines: lastLines)
        }
    }

    public var description: String {
        switch self {
        case .appNotFound(let path):
            "app \(path) does not exist; give an app directory or a .zip file"
        case .invalidPackage(let reason):
            "Invalid app package: \(reason)"
        case .noBuildpackDetected(let tried):
            "No buildpack detected this app (tried: \(tried.joined(separator: ", "))); "
                + "name one with --buildpack or add a Procfile and use the binary buildpack"
        case .supplyFailed(let status, let lines):
            "A buildpack's supply step failed (builder exit status \(status))" + StackError.tail(lines)
        case .compileFailed(let status, let lines):
            "Buildpack compile failed (builder exit status \(status))" + StackError.tail(lines)
        case .releaseFailed(let status, let lines):
            "Buildpack release failed (builder exit status \(status))" + StackError.tail(lines)
        case .builderFailed(let status, let lines):
            "The builder failed (exit status \(status)\(status == 128 + 9 ? ": killed (SIGKILL), by the staging's memory limit or from outside" : ""))"
                + StackError.tail(lines)
        case .timedOut(let seconds, let phase):
            "Staging timed out after \(seconds) seconds (during: \(phase))"
        case .missingOutput(let what):
            "The builder finished but wrote no \(what)"
        }
    }
}
