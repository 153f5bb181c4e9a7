import Foundation

/// A TCP port that accepts connections (the kernel completes the handshake) but never answers:
/// a download URI that hangs.
public final class SilentServer: Sendable {
    public let port: Int
    private let fd: Int32

    public init() {
        (fd, port) = boundSocket(listening: 16)
    }

    deinit { close(fd) }
}
