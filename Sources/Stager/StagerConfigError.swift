/// A stager configuration the stager cannot start with.
public struct StagerConfigError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
