import Foundation

/// A fresh NATS user nkey pair made by the `nkeys` Python package (an implementation independent
/// of Pipette's): the seed (`SU…`) and its public key (`U…`).
public struct UserNKey: Sendable {
    public let seed: String
    public let publicKey: String

    public static func make() async throws -> UserNKey {
        let made = try await shell("/usr/bin/env", ["python3", "-c", """
            import os, nkeys
            seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
            print(seed.decode()); print(nkeys.from_seed(seed).public_key.decode())
            """])
        let lines = made.output.split(separator: "\n").map(String.init)
        guard made.status == 0, lines.count == 2 else {
            throw NATSServer.Failure(message: "python3 nkeys could not make a key (scripts/install-packages.sh installs it): \(made.output)")
        }
        return UserNKey(seed: lines[0], publicKey: lines[1])
    }
}
