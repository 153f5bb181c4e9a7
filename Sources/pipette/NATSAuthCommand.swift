import ArgumentParser
import Foundation
import PipetteCore

struct NATSAuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nats-auth",
        abstract: "Write nats-server users for Pipette's components, each allowed only its own subjects.",
        discussion: """
            Keeps one password per role (stager, cell, auctioneer, router, admin) in the \
            --passwords file (made with random passwords, mode 0600, the first time; kept \
            after) and writes a nats-server `authorization` block with one user per role to \
            --out (or prints it). Include it in each node's nats-server.conf. Then each \
            component connects as its role, the password in PIPETTE_NATS_URL (never in \
            arguments, which `ps` shows):

              PIPETTE_NATS_URL=nats://cell:PASSWORD@nats-1:4222,nats://cell:PASSWORD@nats-2:4222 pipette cell …

            A cell may then publish heartbeats, task logs and routes but cannot take or answer \
            staging requests or touch apps' desired state; a stager cannot drive cells; the \
            router only reads routes. Operators and the CLI use `admin`.

            Example:
              pipette nats-auth --passwords /etc/pipette/nats-passwords --out /etc/nats/pipette-auth.conf
              echo 'include pipette-auth.conf' >> /etc/nats/nats-server.conf
            """)

    @Option(help: ArgumentHelp("The file of role=password lines (made when missing).", valueName: "file"))
    var passwords: String

    @Option(help: ArgumentHelp("Where to write the authorization block (mode 0600); printed when not given.", valueName: "file"))
    var out: String?

    @Option(name: .customLong("staging-queue"), help: ArgumentHelp("A subject stagers take requests on (repeatable; default: staging).", valueName: "subject"))
    var stagingQueues: [String] = []

    func run() throws {
        let file = URL(fileURLWithPath: passwords)
        var known = try Self.read(file)
        let missing = BusRole.allCases.filter { known[$0] == nil }
        for role in missing { known[role] = Self.newPassword() }
        if !missing.isEmpty {
            let text = BusRole.allCases.map { "\($0.rawValue)=\(known[$0]!)" }.joined(separator: "\n") + "\n"
            try Self.writePrivate(text, to: file)
        }
        let users = BusRole.allCases.map { NATSAuthorization.User(name: $0.rawValue, password: known[$0]!, role: $0) }
        let config = NATSAuthorization(users: users, stagingQueues: stagingQueues.isEmpty ? [Subjects.defaultStagingQueue] : stagingQueues).config
        guard let out else { return print(config, terminator: "") }
        try Self.writePrivate(config, to: URL(fileURLWithPath: out))
        print("wrote \(users.count) NATS users to \(out); passwords are in \(passwords)")
    }

    /// The role=password lines of `file`; empty when it does not exist.
    static func read(_ file: URL) throws -> [BusRole: String] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [:] }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw CommandFailure("cannot read \(file.path); it should hold role=password lines (or remove it to make new ones)")
        }
        var known: [BusRole: String] = [:]
        for (number, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = BusRole(rawValue: parts[0]), !parts[1].isEmpty else {
                throw CommandFailure("\(file.path) line \(number + 1) is not role=password with a role of "
                                     + BusRole.allCases.map(\.rawValue).joined(separator: ", "))
            }
            known[role] = parts[1]
        }
        return known
    }

    /// 32 random hex digits: characters that need no escaping in a URL or a config file.
    static func newPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Writes `text` so only its owner can read it (created 0600, never world-readable on the way).
    static func writePrivate(_ text: String, to file: URL) throws {
        let created = FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard created, let handle = try? FileHandle(forWritingTo: file) else {
            throw CommandFailure("cannot write \(file.path); check that its folder exists and is writable")
        }
        defer { try? handle.close() }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
    }
}
