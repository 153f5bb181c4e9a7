import ArgumentParser
import Foundation

/// Where `pipette build` writes its droplet (`-o`) and how it gets there. A folder given as the
/// output receives `<app>-<stack>.tgz`; a file already at the path is replaced, and nothing else
/// ever is (the droplet used to be moved in after removing whatever was at the path: `-o FOLDER`
/// deleted the folder and everything in it).
struct DropletDestination {
    let url: URL

    /// The path `output` names (nil: the current directory), `defaultName` inside a folder. Checked
    /// before anything is staged: a folder that does not exist is a usage error.
    init(output: String?, defaultName: String) throws {
        let given = output ?? "."
        guard !given.isEmpty else { throw ValidationError("--output is empty; name a file or a folder") }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: given, isDirectory: &isFolder)
        if exists && isFolder.boolValue {
            url = URL(fileURLWithPath: given).standardizedFileURL.appendingPathComponent(defaultName)
        } else if given.hasSuffix("/") {
            throw ValidationError("--output \(given): there is no such folder; create it first, or name the droplet's file")
        } else {
            url = URL(fileURLWithPath: given).standardizedFileURL
            let folder = url.deletingLastPathComponent()
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--output \(given): the folder \(folder.path) does not exist; create it first")
            }
        }
    }

    /// Moves the staged `droplet` here with rename(2), which replaces a file at once and refuses
    /// a folder; onto another file system, through a copy beside the destination renamed over it,
    /// so a reader never sees half a droplet.
    func place(_ droplet: URL) throws {
        if rename(droplet.path, url.path) == 0 { return }
        var failure = errno
        if failure == EXDEV {
            let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
            unlink(partial.path)
            do {
                try FileManager.default.copyItem(at: droplet, to: partial)
            } catch {
                unlink(partial.path)
                throw self.failure(error.localizedDescription)
            }
            if rename(partial.path, url.path) == 0 { return }
            failure = errno
            unlink(partial.path)
        }
        throw self.failure(String(cString: strerror(failure)))
    }

    private func failure(_ reason: String) -> CommandFailure {
        let reason = reason.hasSuffix(".") ? String(reason.dropLast()) : reason
        return CommandFailure("cannot write the droplet to \(url.path): \(reason); free space there, or give another --output")
    }
}
