import Foundation

/// Addresses that mean "this host": handed to another host (a cell's advertised address, the
/// blobstore's URL in signed links) they point it at itself. Used to warn when a platform spread
/// over hosts (its NATS elsewhere) is given one.
public enum Loopback {
    /// True for 127.0.0.0/8, ::1, `localhost` and names under `.localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The host of a URL (`http://h:1/x`, `nats://user:pw@h:4222`), or nil.
    public static func host(ofURL url: String) -> String? {
        URLComponents(string: url.trimmingCharacters(in: .whitespaces))?.host.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when any of the comma-separated NATS URLs is on another host: the platform spans hosts.
    public static func spansHosts(natsURLs: String) -> Bool {
        natsURLs.split(separator: ",").contains { host(ofURL: String($0)).map { !isLoopback($0) } ?? false }
    }

    /// A warning when `url` (a blobstore's, signed into links for cells) is a loopback address
    /// while NATS is on another host; nil when it is fine.
    public static func blobstoreWarning(url: String, natsURLs: String) -> String? {
        guard let host = host(ofURL: url), isLoopback(host), spansHosts(natsURLs: natsURLs) else { return nil }
        return "warning: the blobstore URL \(url) is a loopback address but NATS is on another host; cells elsewhere "
            + "would be sent to themselves for packages and droplets: give the blobstore's address other hosts reach, "
            + "e.g. http://198.18.0.11:8081"
    }

    /// A warning when a cell advertises a loopback address while NATS is on another host.
    public static func advertiseWarning(cell: String, advertise: String, natsURLs: String) -> String? {
        guard isLoopback(advertise), spansHosts(natsURLs: natsURLs) else { return nil }
        return "warning: cell \(cell) advertises \(advertise) but NATS is on another host; its app instances cannot "
            + "be reached from other hosts: give --advertise this host's address, e.g. 198.18.0.13"
    }
}
