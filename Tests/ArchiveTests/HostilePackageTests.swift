import Archive
import Foundation
import Testing
import TestSupport

/// Packages that lie about their contents or chain links out of the app: refused, entry named,
/// nothing left behind.
@Suite("Hostile packages: damage and link chains")
struct HostilePackageTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory("hostile") }

    /// A zip written by Python's zipfile, then patched by `patch` (Python, `data` is a bytearray
    /// of the zip, `entry(name)` gives its central directory record's offset).
    private func pythonZip(_ patch: String, deflate: Bool = false) throws -> URL {
        let out = dir.file("app.zip")
        let script = """
        import io, struct, sys, zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.\(deflate ? "ZIP_DEFLATED" : "ZIP_STORED")) as z:
            z.writestr('index.html', '<h1>hi</h1>')
            z.writestr('app/data.txt', 'A' * 1000)
        data = bytearray(buf.getvalue())
        def entry(name):
            pos = 0
            while True:
                pos = data.index(b'PK\\x01\\x02', pos)
                length = struct.unpack('<H', data[pos + 28:pos + 30])[0]
                if bytes(data[pos + 46:pos + 46 + length]) == name.encode():
                    return pos
                pos += 4
        \(patch)
        open(sys.argv[1], 'wb').write(data)
        """
        let result = try shell("/usr/bin/python3", ["-c", script, out.path])
        guard result.status == 0 else { throw PythonFailed(output: result.output) }
        return out
    }

    private func expectRefused(_ archive: URL, _ check: (ArchiveError) -> Bool) {
        let out = dir.file("out")
        #expect(performing: { _ = try Unpacker.unpack(archive, into: out) }, throws: { error in
            guard let error = error as? ArchiveError else { return false }
            return check(error)
        })
        #expect(!FileManager.default.fileExists(atPath: out.path), "a refused package leaves nothing behind")
    }

    @Test func anEntryWithAWrongCRCIsRefusedNamingIt() throws {
        // One byte of the stored data changed; both headers keep the old CRC.
        let zip = try pythonZip("i = data.index(b'A' * 1000); data[i + 10] = ord('B')")
        expectRefused(zip) { error in
            guard case .damagedEntry(let entry, let reason) = error else { return false }
            return entry == "app/data.txt" && reason.contains("CRC")
        }
        #expect(ArchiveError.damagedEntry(entry: "app/data.txt", reason: "ZIP bad CRC").description
            == "entry app/data.txt is damaged: ZIP bad CRC")
        dir.remove()
    }

    @Test(arguments: [(24, "uncompressed"), (20, "compressed")])
    func aCentralDirectoryThatLiesAboutASizeIsRefused(field: Int, which: String) throws {
        let zip = try pythonZip("p = entry('app/data.txt'); struct.pack_into('<I', data, p + \(field), 500)", deflate: true)
        expectRefused(zip) { error in
            guard case .damagedEntry(let entry, let reason) = error else { return false }
            return entry == "app/data.txt" && reason.contains(which)
        }
        dir.remove()
    }

    @Test func namesInUTF8UnpackWhateverTheLocale() throws {
        let zip = try pythonZip("""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w') as z:
            z.writestr('ünïcødé/ファイル.txt', 'x')
        data = bytearray(buf.getvalue())
        """)
        let out = dir.file("out")
        _ = try Unpacker.unpack(zip, into: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("ünïcødé/ファイル.txt").path))
        dir.remove()
    }

    /// `x/y -> ..` stays in the app; `z -> x/y/..` then names the app's parent.
    @Test func aLinkThroughAnEarlierLinkOutOfTheAppIsRefused() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addDirectory("x/")
            try w.addSymlink("x/y", target: "..")
            try w.addSymlink("z", target: "x/y/..")
        }
        expectRefused(zip) { $0 == .linkEscapes(entry: "z", target: "x/y/..") }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path))
        dir.remove()
    }

    /// The same chain in the other order: the link placed last makes the first one escape.
    @Test func aLaterLinkThatMakesAnEarlierOneEscapeIsRefused() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addSymlink("z", target: "a/b/../..")
            try w.addDirectory("a/")
            try w.addSymlink("a/b", target: "..")
        }
        expectRefused(zip) { $0 == .linkEscapes(entry: "z", target: "a/b/../..") }
        dir.remove()
    }

    @Test func honestLinkChainsInAnyOrderUnpack() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addSymlink("lib/libfoo.so", target: "libfoo.so.1")
            try w.addSymlink("lib/libfoo.so.1", target: "libfoo.so.1.2")
            try w.addFile("lib/libfoo.so.1.2", contents: Data("elf".utf8))
            try w.addSymlink("bin/foo", target: "../lib/libfoo.so")
            try w.addSymlink("current", target: "lib/../bin")
        }
        let out = dir.file("out")
        _ = try Unpacker.unpack(zip, into: out)
        #expect(try String(contentsOf: out.appendingPathComponent("bin/foo"), encoding: .utf8) == "elf")
        dir.remove()
    }

    @Test func aLinkLoopIsRefused() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addSymlink("a", target: "b")
            try w.addSymlink("b", target: "a/..")
        }
        expectRefused(zip) { error in
            if case .linkLoop = error { return true }
            return false
        }
        dir.remove()
    }

    @Test func aHardLinkToASymlinkIsRefused() throws {
        let tgz = try ArchiveFixtures.zip(in: dir, "app.tgz", format: .tarGzip) { w in
            try w.addDirectory("d/")
            try w.addSymlink("d/up", target: "..")
            try w.addHardlink("h", target: "d/up")
        }
        expectRefused(tgz) { $0 == .hardlinkToSymlink(entry: "h", target: "d/up") }
        dir.remove()
    }

    @Test func aFileInPlaceOfAnEarlierLinkIsRefused() throws {
        let tgz = try ArchiveFixtures.zip(in: dir, "app.tgz", format: .tarGzip) { w in
            try w.addSymlink("here", target: ".")
            try w.addFile("here", contents: Data("x".utf8))
        }
        expectRefused(tgz) { $0 == .replacesLink(entry: "here") }
        dir.remove()
    }
}

struct PythonFailed: Error, CustomStringConvertible {
    let output: String
    var description: String { "python3 could not build the zip: \(output)" }
}
