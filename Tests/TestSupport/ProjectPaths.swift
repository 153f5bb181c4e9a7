import Foundation

/// Where the checkout's own files are, found from this source file's location.
public enum ProjectPaths {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// A built lifecycle program, e.g. `lifecycle("builder", arch: "x86_64")`.
    public static func lifecycle(_ program: String, arch: String = "x86_64") -> URL {
        root.appendingPathComponent("lifecycle/build/\(arch)/\(program)")
    }

    public static var buildpacks: URL { root.appendingPathComponent("buildpacks") }
    public static var apps: URL { root.appendingPathComponent("apps") }
}
