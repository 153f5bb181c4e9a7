/// An instance could not be started or kept running; the message is the crash reason reported
/// (`InstanceReport.lastCrashReason`) and logged.
struct InstanceFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
