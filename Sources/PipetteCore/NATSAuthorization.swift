/// A nats-server `authorization` block with one user per Pipette component, each limited to its
/// ``BusPermissions``. The server's operator includes it in nats-server.conf (`include …`).
public struct NATSAuthorization: Sendable {
    /// One NATS user: a name, its password and the role whose permissions it gets.
    public struct User: Sendable, Equatable {
        public var name: String
        public var password: String
        public var role: BusRole

        public init(name: String, password: String, role: BusRole) {
            self.name = name
            self.password = password
            self.role = role
        }
    }

    public var users: [User]
    /// The subjects stagers take requests on (the stager's `queues`).
    public var stagingQueues: [String]

    public init(users: [User], stagingQueues: [String] = [Subjects.defaultStagingQueue]) {
        self.users = users
        self.stagingQueues = stagingQueues
    }

    /// The config text (every string quoted: `$JS…` subjects would otherwise read as variables).
    public var config: String {
        var lines = ["# Pipette's NATS users, one per component (written by `pipette nats-auth`).", "authorization {", "  users = ["]
        for user in users {
            let permissions = BusPermissions.of(user.role, stagingQueues: stagingQueues)
            lines.append("    {")
            lines.append("      user: \(Self.quoted(user.name)), password: \(Self.quoted(user.password))")
            lines.append("      permissions: {")
            var publish = "        publish: { allow: \(Self.list(permissions.publish))"
            if !permissions.publishDenied.isEmpty { publish += ", deny: \(Self.list(permissions.publishDenied))" }
            lines.append(publish + " }")
            lines.append("        subscribe: { allow: \(Self.list(permissions.subscribe)) }")
            if permissions.allowResponses { lines.append("        allow_responses: true") }
            lines.append("      }")
            lines.append("    }")
        }
        lines += ["  ]", "}", ""]
        return lines.joined(separator: "\n")
    }

    static func list(_ subjects: [String]) -> String { "[" + subjects.map(quoted).joined(separator: ", ") + "]" }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
