import ArgumentParser
import Cell
import Container
import Foundation
import NATS
import PipetteCore
import Staging

struct CellInstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install this host's cell as a systemd service (pipette-cell.service).",
        discussion: """
            Writes /etc/pipette/cell.yml (the cell's flags, each key explained),
            /etc/pipette/cell.env (mode 0600: PIPETTE_NATS_URL, credentials included) and
            /etc/systemd/system/pipette-cell.service (Type=simple, Restart=on-failure,
            qemu binfmt enabled before start for stacks of another arch, LimitNOFILE,
            TasksMax and MemoryMax sized from --max-containers, SIGTERM with a stop timeout
            longer than the evacuation, journal log format), builds the named stacks
            (unless --no-build-stacks), then enables and starts the service when systemd
            runs this machine. Running it again updates the files; `pipette cell uninstall`
            removes them.

            --stacks, --advertise and a NATS URL are required; --workspace-dir is
            /var/lib/pipette/work unless given. Give NATS credentials in
            PIPETTE_NATS_URL, not --nats: arguments show in `ps`.

            Example (a Raspberry Pi joining a controller at 198.18.0.11):
              export PIPETTE_NATS_URL=nats://cell:s3cret@198.18.0.11:4222
              sudo -E pipette cell install --id pi-3 --zone rack2 \\
                --stacks bookworm-arm64 --advertise 198.18.0.13
            """)

    @OptionGroup var cell: CellOptions

    @Option(help: ArgumentHelp("NATS server URL(s) the cell joins (default: $PIPETTE_NATS_URL; one of them is required). Credentials belong in PIPETTE_NATS_URL.",
                               valueName: "url"))
    var nats: String?

    @Option(help: ArgumentHelp("A NATS user nkey seed file the cell authenticates with.", valueName: "file"))
    var natsNkey: String?

    @Option(help: "The service's log level (default: info).")
    var logLevel: LogLevel?

    @Option(help: ArgumentHelp("Install under this folder instead of / (for images and tests; nothing is started then).",
                               valueName: "dir"))
    var root = "/"

    @Option(help: ArgumentHelp("The pipette executable the service runs (default: this one).", valueName: "path"))
    var binary: String?

    @Option(help: ArgumentHelp("Where the service keeps built stacks (default: $PIPETTE_CACHE, else ~/.cache/pipette).",
                               valueName: "dir"))
    var cache: String?

    @Flag(help: "Do not build the named stacks (build them later with `pipette stack build`).")
    var noBuildStacks = false

    @Flag(help: "Write the files only; do not enable or start the service.")
    var noStart = false

    /// The NATS URL(s): --nats, else $PIPETTE_NATS_URL.
    var natsURL: String? {
        nats ?? ProcessInfo.processInfo.environment["PIPETTE_NATS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The cell.yml to write: the flags given, with what an installed cell needs filled in.
    func settings() throws -> CellFile {
        var file = try cell.applied(to: CellFile())
        file.id = file.id ?? ProcessInfo.processInfo.hostName
        file.workspaceDir = file.workspaceDir ?? CellInstallation.workspacePath
        file.logFormat = "journal"
        file.logLevel = logLevel?.name ?? file.logLevel
        file.natsNkey = natsNkey
        return file
    }

    /// The stacks named, each known to the catalog.
    func stacks() throws -> [Stack] {
        let names = cell.stacks.map(CellOptions.names) ?? []
        let known = StackCatalog.standard.names.joined(separator: ", ")
        guard !names.isEmpty else {
            throw ValidationError("--stacks is required: the stacks this cell offers, comma-separated (known stacks: \(known))")
        }
        return try names.map { name in
            guard let stack = try? StackCatalog.standard.stack(named: name) else {
                throw ValidationError("unknown stack \(name); known stacks: \(known)")
            }
            return stack
        }
    }

    func validate() throws {
        guard let natsURL else {
            throw ValidationError("--nats is required (or PIPETTE_NATS_URL, which keeps credentials out of `ps`): the NATS server the cell joins, e.g. nats://198.18.0.11:4222")
        }
        if let problem = NATSURL.problem(natsURL) { throw ValidationError("--nats \(problem)") }
        if cell.advertise == nil {
            throw ValidationError("--advertise is required: the address other hosts reach this cell at, e.g. 198.18.0.13")
        }
        _ = try stacks()
        _ = try settings()
    }

    func run() async throws {
        guard getuid() == 0 else { throw CommandFailure(CellInstallation.notRoot("install")) }
        guard let natsURL else { throw ValidationError("--nats is required") }
        let settings = try settings()
        let stacks = try stacks()
        let located = PipetteHome.locate()
        let home = PipetteHome(root: located.root, cache: cache.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? located.cache)
        let binary = URL(fileURLWithPath: self.binary ?? CommandLine.arguments[0]).resolvingSymlinksInPath().path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CommandFailure("--binary \(binary) is not an executable file; give the path of the pipette program")
        }
        if nats != nil, NATSURL.redacted(natsURL) != natsURL {
            Output.status("warning: --nats carried credentials, which anyone could see in `ps` while this ran; next time give them in PIPETTE_NATS_URL")
        }
        let foreign = Array(Set(stacks.map(\.arch)).filter { $0 != HostCheck.hostArch }).sorted { $0.rawValue < $1.rawValue }
        let installation = CellInstallation(root: URL(fileURLWithPath: root).standardizedFileURL)
        let unit = CellUnit(binary: binary, home: home.root.path, cache: home.cache.path, settings: settings, foreignArches: foreign)
        try installation.write(settings.yaml, to: CellInstallation.configPath, mode: 0o644)
        try installation.write(CellUnit.environmentFile(natsURL: natsURL), to: CellInstallation.envPath, mode: 0o600)
        try installation.write(unit.text, to: CellInstallation.unitPath, mode: 0o644)
        if let workspace = settings.workspaceDir {
            try FileManager.default.createDirectory(at: installation.file(workspace), withIntermediateDirectories: true)
        }
        for path in [CellInstallation.configPath, CellInstallation.envPath, CellInstallation.unitPath] {
            Output.status("wrote \(installation.file(path).path)")
        }
        if !noBuildStacks {
            let builder = StackBuilder(home: home, store: StackStore(directory: home.stacks))
            for stack in stacks {
                Output.status("==> Stack \(stack.name) (\(stack.arch)) in \(home.stacks.path)")
                _ = try await Interrupts.cancelling { try await builder.build(stack.name, onLine: Output.line) }
            }
        }
        try await start(installation, unit: unit)
    }

    /// Enables and (re)starts the service when systemd runs here; otherwise says how to run it.
    func start(_ installation: CellInstallation, unit: CellUnit) async throws {
        let command = "\(unit.binary) cell --config \(CellInstallation.configPath)"
        guard installation.systemdRuns, !noStart else {
            Output.status(installation.root.path != "/" ? "installed under \(installation.root.path); nothing started"
                : noStart ? "not started (--no-start): systemctl enable --now \(CellInstallation.unitName)"
                : "systemd is not running here (no /run/systemd/system), so nothing was started; "
                    + "on a systemd host: systemctl enable --now \(CellInstallation.unitName); or run it by hand: \(command)")
            return
        }
        for arguments in [["daemon-reload"], ["enable", CellInstallation.unitName], ["restart", CellInstallation.unitName]] {
            let result = await installation.systemctl(arguments)
            guard result.status == 0 else {
                throw CommandFailure("systemctl \(arguments.joined(separator: " ")) failed: \(result.output); see journalctl -u \(CellInstallation.unitName)")
            }
        }
        Output.status("\(CellInstallation.unitName) enabled and started; logs: journalctl -u \(CellInstallation.unitName) -f")
    }
}
