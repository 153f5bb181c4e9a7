/// A stager configuration the stager cannot start with.
public struct StagerConfigError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public static let cellsNeedABlobstore = StagerConfigError(
        message: "staging on cells needs a blobstore (cells fetch packages from it and store droplets in it): "
            + "pass --blobstore URL or set blobstore_url, or stage on this host with --local")
}
