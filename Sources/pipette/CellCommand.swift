import ArgumentParser

/// `pipette cell`: runs a cell (the default: `pipette cell --id …` is `pipette cell run --id …`),
/// or installs and uninstalls one as a systemd service.
struct CellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell",
        abstract: "Run a cell (the default subcommand), or install it as a systemd service.",
        discussion: """
            Examples:
              pipette cell --id amd64-1 --zone z1 --stacks tiny-amd64,bookworm-amd64
              pipette cell --config /etc/pipette/cell.yml --log-format journal
              export PIPETTE_NATS_URL=nats://cell:s3cret@198.18.0.11:4222
              pipette cell install --id pi-3 --stacks bookworm-arm64 \\
                --advertise 198.18.0.13
              pipette cell uninstall --purge
            """,
        subcommands: [CellRunCommand.self, CellInstallCommand.self, CellUninstallCommand.self],
        defaultSubcommand: CellRunCommand.self)
}
