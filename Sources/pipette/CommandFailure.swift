/// A command that ran but failed for a reason the user can act on; printed as is, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
