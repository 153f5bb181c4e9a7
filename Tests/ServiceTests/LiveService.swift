import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Runs a real service on a free loopback port for one test and stops it gracefully after.
enum LiveService {
    static let quiet = Logger(label: "service-tests") { _ in SwiftLogNoOpLogHandler() }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Builds the service with `make` (given the `onListening` to pass on), runs it in a
    /// ServiceGroup, calls `body` with the bound port, then triggers graceful shutdown and waits.
    static func withService<S: Service, T: Sendable>(
        _ make: (@escaping @Sendable (Int) async -> Void) -> S,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(services: [make { port in listening.yield(port) }], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { listening.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()
                throw Failure(description: "the service stopped before it listened")
            }
            let result: Result<T, any Error>
            do { result = .success(try await body(port)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

/// A whole HTTP exchange, for checking statuses, headers and plain-text reasons.
struct Exchange: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: ByteBuffer

    var text: String { String(buffer: body) }
    func header(_ name: String) -> String? { headers.first(name: name) }

    static func send(_ method: HTTPMethod, _ url: String, body: HTTPClientRequest.Body? = nil,
                     headers: [(String, String)] = []) async throws -> Exchange {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.body = body
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Exchange(status: Int(response.status.code), headers: response.headers, body: bytes)
    }
}

/// Random bytes from the kernel (fast even in debug builds).
func randomData(_ count: Int) throws -> Data {
    guard let source = FileHandle(forReadingAtPath: "/dev/urandom") else {
        throw LiveService.Failure(description: "cannot read /dev/urandom")
    }
    defer { try? source.close() }
    return try source.read(upToCount: count) ?? Data()
}

/// Every regular file below `folder`, as paths relative to it.
func filesBelow(_ folder: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
    var files: [String] = []
    while let path = walker.nextObject() as? String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isFolder),
           !isFolder.boolValue { files.append(path) }
    }
    return files.sorted()
}
