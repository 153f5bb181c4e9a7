/// A task step failed; the message is the completion's error.
struct TaskFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
