/// Why an app's record cannot do what was asked, as a sentence.
public struct AppRecordError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
