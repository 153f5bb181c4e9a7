import Foundation

/// The router's files in its state folder: HAProxy's config and host map (rewritten before each
/// reload), its admin and master sockets, its pid file.
struct RouterFiles: Sendable {
    let directory: URL

    var configFile: URL { directory.appendingPathComponent("haproxy.cfg") }
    var mapFile: URL { directory.appendingPathComponent("hosts.map") }
    var adminSocket: URL { directory.appendingPathComponent("admin.sock") }
    var masterSocket: URL { directory.appendingPathComponent("master.sock") }
    var pidFile: URL { directory.appendingPathComponent("haproxy.pid") }

    func prepare() throws(RouterError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .stateDirectory(path: directory.path, reason: error.localizedDescription)
        }
    }

    /// Writes the map, then the config (each atomically).
    func write(config: String, map: String) throws(RouterError) {
        do {
            try Data(map.utf8).write(to: mapFile, options: .atomic)
            try Data(config.utf8).write(to: configFile, options: .atomic)
        } catch {
            throw .stateDirectory(path: directory.path, reason: error.localizedDescription)
        }
    }
}
