import Archive

/// Why relaying a body from one server to another failed, by side.
public enum RelayError: Error, Sendable, Equatable {
    /// Reading from the source failed.
    case source(TransferError)
    /// The source's bytes were not the expected ones (the destination got no whole body).
    case mismatch(got: ArchiveDigest)
    /// Sending to the destination failed.
    case destination(TransferError)
}
