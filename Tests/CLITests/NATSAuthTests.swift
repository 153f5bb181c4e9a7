import Foundation
import NATS
import PipetteCore
import Testing
import TestSupport

/// `pipette nats-auth`: the users it writes work in a real nats-server, and each component's user
/// is refused what that component must not do.
@Suite("NATS users per component")
struct NATSAuthTests {
    let work: TemporaryDirectory
    let passwords: [BusRole: String]
    let config: URL

    init() throws {
        work = try TemporaryDirectory("nats-auth")
        config = work.file("auth.conf")
        let result = try shell(CLITests.pipette, ["nats-auth", "--passwords", work.file("passwords").path, "--out", config.path])
        #expect(result.status == 0, "\(result.output)")
        var known: [BusRole: String] = [:]
        for line in try String(contentsOf: work.file("passwords"), encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=").map(String.init)
            if let role = BusRole(rawValue: parts[0]) { known[role] = parts[1] }
        }
        passwords = known
    }

    private func connect(_ role: BusRole, _ server: NATSServer) async throws -> NATSConnection {
        try await NATSConnection.connect("nats://\(role.rawValue):\(passwords[role] ?? "")@127.0.0.1:\(server.port)",
                                         options: NATSOptions().inboxes(role.inboxPrefix))
    }

    @Test func filesArePrivateValidAndKeptAcrossRuns() throws {
        defer { work.remove() }
        #expect(Set(passwords.keys) == Set(BusRole.allCases))
        for file in ["passwords", "auth.conf"] {
            let mode = try FileManager.default.attributesOfItem(atPath: work.file(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is \(String(mode ?? 0, radix: 8))")
        }
        #expect(try shell("/usr/sbin/nats-server", ["-c", config.path, "-t"]).status == 0, "nats-server takes the config")
        let before = try String(contentsOf: work.file("passwords"), encoding: .utf8)
        #expect(try shell(CLITests.pipette, ["nats-auth", "--passwords", work.file("passwords").path]).output.contains("authorization {"))
        #expect(try String(contentsOf: work.file("passwords"), encoding: .utf8) == before, "passwords are kept")

        try work.write("bad", "cell=x\nwizard=y\n")
        let bad = try shell(CLITests.pipette, ["nats-auth", "--passwords", work.file("bad").path])
        #expect(bad.status == 1)
        #expect(bad.output.contains("line 2 is not role=password with a role of stager, cell, auctioneer, router, admin"), "\(bad.output)")
    }

    @Test func eachComponentIsRefusedWhatItMustNotDo() async throws {
        defer { work.remove() }
        let server = try NATSServer(arguments: ["-c", config.path])
        let cell = try await connect(.cell, server)
        let stager = try await connect(.stager, server)
        let router = try await connect(.router, server)
        let admin = try await connect(.admin, server)
        defer { [cell, stager, router, admin].forEach { $0.close() } }

        // Allowed: nothing in the server's log.
        try cell.publish(Subjects.heartbeat, "{}")
        let heartbeats = try admin.subscribe(Subjects.heartbeat)
        try await admin.flush()
        try cell.publish(Subjects.heartbeat, "{}")
        try await cell.flush()
        var received = false
        for await _ in heartbeats { received = true; break }
        #expect(received, "an admin hears a cell's heartbeat")
        #expect(server.violations.isEmpty, "\(server.violations)")

        // Refused, each said by the server.
        let takesStaging = try cell.subscribe("staging", queue: "stagers")
        defer { takesStaging.unsubscribe() }
        let snoops = try cell.subscribe(BusRole.stager.inboxPrefix + ".>")
        defer { snoops.unsubscribe() }
        try cell.publish("$KV.\(JetStreamNames.appsBucket).web", "{}")
        try stager.publish(Subjects.perform(cell: "c1"), "{}")
        try router.publish(RouterSubjects.register, "{}")
        for connection in [cell, stager, router] { try? await connection.flush() }
        let expected = [
            #"Subscription Violation - User "cell", Subject "staging""#,
            #"Subscription Violation - User "cell", Subject "_INBOX.stager.>""#,
            #"Publish Violation - User "cell", Subject "$KV.pipette_apps.web""#,
            #"Publish Violation - User "stager", Subject "pipette.cell.c1.perform""#,
            #"Publish Violation - User "router", Subject "router.register""#,
        ]
        let all = await eventually(within: .seconds(10)) {
            expected.allSatisfy { line in server.violations.contains { $0.contains(line) } }
        }
        #expect(all, "\(server.violations)")

        // A wrong password is refused at connect.
        await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect("nats://cell:wrong@127.0.0.1:\(server.port)")
        }
    }
}
