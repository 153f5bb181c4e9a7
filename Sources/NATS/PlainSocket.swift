#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection whose every wait has a deadline (`poll`), for ``PlainNATSRequest``. Owns its
/// descriptor; nothing here retries or reconnects.
final class PlainSocket {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// What a wait for bytes ended with.
    enum Received { case bytes, closed, deadline }

    /// Connects to `host:port` (a name or an address; IPv6 in brackets too) by any of its
    /// addresses within `patience` each; nil when none answers.
    static func connect(host: String, port: Int, patience: Duration) -> PlainSocket? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(name, String(port), &hints, &found) == 0 else { return nil }
        defer { freeaddrinfo(found) }
        var candidate = found
        while let address = candidate?.pointee {
            candidate = address.ai_next
            let descriptor = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                                    | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { continue }
            let socket = PlainSocket(descriptor: descriptor)
            if Glibc.connect(descriptor, address.ai_addr, address.ai_addrlen) != 0 {
                guard errno == EINPROGRESS, socket.wait(for: Int16(POLLOUT), until: .now + patience) else { continue }
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length) == 0, failure == 0 else { continue }
            }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return socket
        }
        return nil
    }

    /// Writes all of `bytes` before `deadline`; false when the connection broke or the time ran out.
    func write(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR {
                continue
            } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                guard wait(for: Int16(POLLOUT), until: deadline) else { return false }
            } else {
                return false
            }
        }
        return true
    }

    /// Hands the bytes that arrive before `deadline` to `reader`.
    func receive(into reader: inout NATSWireReader, until deadline: ContinuousClock.Instant) -> Received {
        guard wait(for: Int16(POLLIN), until: deadline) else { return .deadline }
        return withUnsafeTemporaryAllocation(byteCount: 64 << 10, alignment: 1) { buffer in
            while true {
                let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
                if count > 0 {
                    reader.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    return .bytes
                }
                if count < 0, errno == EINTR { continue }
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .bytes }
                return .closed
            }
        }
    }

    /// Whether `events` came before `deadline` (an error or hang-up counts: the next call says it).
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            guard left > .zero else { return false }
            let milliseconds = min(Int64(Int32.max), left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(milliseconds))
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return false }
        }
    }
}
