import Foundation
import PipetteCore

/// What this host can execute: its own arch natively, others only through qemu binfmt.
public enum HostCheck {
    public static var hostArch: Arch? {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return Arch(machine: machine)
    }

    /// Throws unless programs of `arch` can run here (natively or via an enabled, flag-F binfmt).
    public static func canRun(_ arch: Arch) throws(ContainerError) {
        if arch == hostArch { return }
        let entry = "/proc/sys/fs/binfmt_misc/qemu-\(arch.machine)"
        guard let text = try? String(contentsOfFile: entry, encoding: .utf8),
              text.hasPrefix("enabled"),
              text.split(separator: "\n").contains(where: { $0.hasPrefix("flags:") && $0.contains("F") })
        else { throw .binfmtMissing(machine: arch.machine) }
    }
}
