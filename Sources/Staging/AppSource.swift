import Archive
import Foundation
import PipetteCore

/// An app given on the command line: a directory (copied) or a zip/tar (safely unpacked).
public enum AppSource {
    /// How errors name what is unpacked: by role, never by workspace path (replies must not
    /// carry host paths).
    public static let workspaceNaming = Unpacker.Naming(
        archive: "the app package", destination: "the app directory", disk: "the workspace disk")

    /// Puts the app's files into `destination` (a new directory), owned by the container user.
    /// A package the rules refuse is an `invalidPackage`; a failing local disk (full, read-only)
    /// is thrown as it is.
    public static func materialize(_ path: URL, into destination: URL,
                                   limits: UnpackLimits = .appPackage,
                                   naming: Unpacker.Naming = AppSource.workspaceNaming) throws -> Void {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw StagingError.appNotFound(path: path.path)
        }
        if isDirectory.boolValue {
            try FileManager.default.copyItem(at: path, to: destination)
            Ownership.giveTree(destination)
            return
        }
        try refusing { () throws(ArchiveError) in
            _ = try Unpacker.unpack(path, into: destination, limits: limits, owner: Ownership.vcap, naming: naming)
        }
    }

    /// A package the rules refuse becomes an `invalidPackage`; a failing local disk stays the
    /// `ArchiveError.disk` it is, since no other package would fare better.
    private static func refusing(_ body: () throws(ArchiveError) -> Void) throws {
        do {
            try body()
        } catch {
            if case .disk = error { throw error }
            throw StagingError.invalidPackage(reason: error.description)
        }
    }
}
