import ArgumentParser
import Cell
import Foundation

struct CellUninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Stop and remove the cell service `pipette cell install` made.",
        discussion: """
            Stops and disables pipette-cell.service when systemd runs this machine (the
            cell evacuates on SIGTERM first), then removes the unit, /etc/pipette/cell.yml and
            /etc/pipette/cell.env. --purge also removes the stacks cell.yml names and the
            default workspace folder. Running it again when nothing is installed is fine.
            """)

    @Option(help: ArgumentHelp("The folder `pipette cell install --root` installed under.", valueName: "dir"))
    var root = "/"

    @Flag(help: "Also remove the stacks the cell offered (from the service's stack cache) and /var/lib/pipette/work.")
    var purge = false

    func run() async throws {
        guard getuid() == 0 else { throw CommandFailure(CellInstallation.notRoot("uninstall")) }
        let installation = CellInstallation(root: URL(fileURLWithPath: root).standardizedFileURL)
        if installation.systemdRuns {
            let stopped = await installation.systemctl(["disable", "--now", CellInstallation.unitName])
            Output.status(stopped.status == 0 ? "stopped and disabled \(CellInstallation.unitName)"
                : "systemctl disable --now \(CellInstallation.unitName): \(stopped.output)")
        } else if installation.root.path == "/" {
            Output.status("systemd is not running here (no /run/systemd/system): no service to stop; "
                + "a cell started by hand stops with SIGTERM")
        }
        let stacks = purge ? purgeableStacks(installation) : []
        var removed: [String] = []
        for path in [CellInstallation.unitPath, CellInstallation.configPath, CellInstallation.envPath]
            + (purge ? [CellInstallation.workspacePath] : []) where installation.remove(path) {
            removed.append(installation.file(path).path)
        }
        for stack in stacks where (try? FileManager.default.removeItem(at: stack)) != nil {
            removed.append(stack.path)
        }
        installation.removeIfEmpty("/etc/pipette")
        installation.removeIfEmpty("/var/lib/pipette")
        if installation.systemdRuns { _ = await installation.systemctl(["daemon-reload"]) }
        Output.status(removed.isEmpty ? "no cell was installed under \(installation.root.path); nothing to remove"
            : "removed " + removed.joined(separator: ", "))
    }

    /// The stack folders --purge removes: those cell.yml names, in the stack cache the unit names
    /// (the machine's own, not under --root: stacks are built there).
    func purgeableStacks(_ installation: CellInstallation) -> [URL] {
        let settings = try? CellFile.load(installation.file(CellInstallation.configPath).path)
        let unit = (try? String(contentsOf: installation.file(CellInstallation.unitPath), encoding: .utf8)) ?? ""
        guard let cache = unit.split(separator: "\"").first(where: { $0.hasPrefix("PIPETTE_CACHE=") })
            .map({ String($0.dropFirst("PIPETTE_CACHE=".count)).replacingOccurrences(of: "%%", with: "%") })
        else { return [] }
        return (settings?.stacks ?? []).filter { !$0.contains("/") && !$0.hasPrefix(".") }
            .map { URL(fileURLWithPath: cache).appendingPathComponent("stacks/\($0)") }
    }
}
