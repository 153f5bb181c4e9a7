/// A staging step failed with a sentence that is the reply's `error` as it stands.
struct StagingFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
