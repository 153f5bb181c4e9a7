/// A blobstore option Pipette cannot use, in a sentence saying what to give instead.
public struct BlobstoreLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
