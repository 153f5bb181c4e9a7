import Foundation
import NATS
import Testing
import TestSupport

/// Authentication with a NATS user nkey: the seed file stays on this host, the server checks the
/// signature with the public key it was configured with (made here by the `nkeys` Python
/// package, an independent implementation).
@Suite("NATS nkeys")
struct NKeyTests {
    @Test func aUserNKeySeedFileAuthenticates() async throws {
        let key = try await UserNKey.make()
        let work = try TemporaryDirectory("nkey")
        defer { work.remove() }
        try work.write("nats.conf", "authorization { users: [ { nkey: \(key.publicKey) } ] }\n")
        try work.write("user.nk", "# a user seed\n\(key.seed)\n", mode: 0o600)
        let server = try NATSServer(arguments: ["-c", work.file("nats.conf").path])
        defer { server.stop() }

        var options = NATSOptions()
        options.nkeySeedFile = work.file("user.nk").path
        let connection = try await NATSConnection.connect(server.url, options: options)
        try await connection.flush()
        connection.close()

        let other = try await UserNKey.make()
        try work.write("other.nk", other.seed + "\n")
        options.nkeySeedFile = work.file("other.nk").path
        await #expect(throws: NATSError.self, "a key the server does not know is refused") {
            _ = try await NATSConnection.connect(server.url, options: options)
        }
        try work.write("bad.nk", "SUNOTASEED\n")
        options.nkeySeedFile = work.file("bad.nk").path
        await #expect {
            _ = try await NATSConnection.connect(server.url, options: options)
        } throws: { error in
            "\(error)".contains("cannot use the NATS nkey seed file") && "\(error)".contains("its seed is invalid")
        }
    }
}
