import Foundation
import Synchronization

/// A tiny HTTP file server on 127.0.0.1 for tests (a blobstore stand-in): `GET /<name>` answers
/// the file served under that name, anything else 404; it counts requests per path.
public final class FileServer: Sendable {
    public let port: Int
    private let fd: Int32
    private let state = Mutex<(files: [String: URL], requests: [String: Int])>(([:], [:]))

    public init() {
        (fd, port) = boundSocket(listening: 64, reuseAddress: true)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "test.fileserver"
        thread.start()
    }

    /// Serves `file` at `/<name>`; returns its URL.
    @discardableResult
    public func serve(_ file: URL, as name: String) -> String {
        state.withLock { $0.files["/" + name] = file }
        return "http://127.0.0.1:\(port)/\(name)"
    }

    /// GET requests for `/<name>` so far.
    public func requests(_ name: String) -> Int { state.withLock { $0.requests["/" + name, default: 0] } }

    public func stop() { shutdown(fd, Int32(SHUT_RDWR)) }

    deinit { close(fd) }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in answer(client) }
            thread.start()
        }
    }

    private func answer(_ client: Int32) {
        defer { close(client) }
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            request += buffer[0..<n]
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        let path = parts.count > 1 ? String(parts[1].split(separator: "?").first ?? "") : ""
        let file = state.withLock { s -> URL? in
            s.requests[path, default: 0] += 1
            return s.files[path]
        }
        guard let file, let body = FileManager.default.contents(atPath: file.path) else {
            send(client, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            return
        }
        send(client, Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8))
        send(client, Array(body))
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}
