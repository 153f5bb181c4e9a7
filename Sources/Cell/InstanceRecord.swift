import Foundation

/// What an instance holds on the host, written to its folder as each piece is taken, so a cell
/// restarted after being killed can remove everything an earlier run left.
struct InstanceRecord: Codable, Sendable, Equatable {
    var instanceGUID: String
    /// The runc container id, also the CNI container id.
    var container: String
    /// The `ip netns` name.
    var networkNamespace: String
    var cgroupPath: String
    var hostPort: Int?

    static let fileName = "instance.json"

    func save(in folder: URL) throws(InstanceFailure) {
        do {
            try JSONEncoder().encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
        } catch {
            throw InstanceFailure("cannot write the instance record in \(folder.path): \(error.localizedDescription)")
        }
    }

    static func load(from folder: URL) -> InstanceRecord? {
        (try? Data(contentsOf: folder.appendingPathComponent(fileName))).flatMap { try? JSONDecoder().decode(Self.self, from: $0) }
    }
}
