import Foundation

/// Named network namespaces (`ip netns`), one per app instance, that containers join and CNI wires.
public enum NetworkNamespace {
    /// Where `ip netns add NAME` pins the namespace; what runc and CNI are given.
    public static func path(_ name: String) -> String { "/var/run/netns/\(name)" }

    /// Makes the namespace `name` with its loopback up.
    public static func add(_ name: String) async throws(ContainerError) {
        let ip = try Subprocess.which("ip")
        for arguments in [["netns", "add", name], ["-n", name, "link", "set", "lo", "up"]] {
            let output = Lines()
            let status = try await Subprocess.run(ip, arguments, onLine: output.append)
            guard status == 0 else {
                _ = await delete(name)
                throw .networkNamespace(name: name, reason: output.last ?? "ip exited with status \(status)")
            }
        }
    }

    /// Removes the namespace `name`; true when it is gone (or was never there).
    @discardableResult
    public static func delete(_ name: String) async -> Bool {
        guard FileManager.default.fileExists(atPath: path(name)) else { return true }
        guard let ip = try? Subprocess.which("ip") else { return false }
        return (try? await Subprocess.run(ip, ["netns", "delete", name], onLine: { _ in })) == 0
    }
}
