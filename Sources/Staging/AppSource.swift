import Archive
import Foundation
import PipetteCore

/// An app given on the command line: a directory (copied) or a zip/tar (safely unpacked).
public enum AppSource {
    /// Puts the app's files into `destination` (a new directory), owned by the container user.
    public static func materialize(_ path: URL, into destination: URL,
                                   limits: UnpackLimits = .appPackage) throws -> Void {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw StagingError.appNotFound(path: path.path)
        }
        if isDirectory.boolValue {
            try FileManager.default.copyItem(at: path, to: destination)
            Ownership.giveTree(destination)
            return
        }
        do {
            _ = try Unpacker.unpack(path, into: destination, limits: limits, owner: Ownership.vcap)
        } catch {
            throw StagingError.invalidPackage(reason: error.description)
        }
    }
}
