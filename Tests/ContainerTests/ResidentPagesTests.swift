import Foundation
import Testing
import TestSupport
@testable import Container

/// Unused pages of mapped files are given back; a page the process wrote (its data, relocated
/// read-only data) never is.
@Suite("Resident pages")
struct ResidentPagesTests {
    static let smaps = """
        55d0a0000000-55d0a0400000 r-xp 00001000 fe:01 131 /usr/local/bin/pipette
        Size:               4096 kB
        Rss:                 812 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me
        55d0a0400000-55d0a0500000 r--p 00401000 fe:01 131 /usr/local/bin/pipette
        Rss:                 300 kB
        Anonymous:           120 kB
        VmFlags: rd mr mw me ac
        55d0a0500000-55d0a0600000 rw-p 00501000 fe:01 131 /usr/local/bin/pipette
        Rss:                 200 kB
        Anonymous:             0 kB
        VmFlags: rd wr mr mw me ac
        7f0000000000-7f0000100000 r--s 00000000 00:1a 77 /dev/shm/ring
        Rss:                  64 kB
        Anonymous:             0 kB
        7f0000100000-7f0000200000 r--p 00000000 00:05 4 /dev/zero
        Rss:                  64 kB
        Anonymous:             0 kB
        7f0000200000-7f0000300000 r-xp 00000000 fe:01 99 /usr/lib/locked.so
        Rss:                  64 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me lo
        7f0000300000-7f0000400000 r--p 00000000 fe:01 98 /tmp/a b (deleted)
        Rss:                  16 kB
        Anonymous:             0 kB
        7f0000400000-7f0000500000 r--p 00000000 fe:01 97 /usr/lib/cold.so
        Rss:                   0 kB
        Anonymous:             0 kB
        7f0000500000-7f0000600000 rw-p 00000000 00:00 0
        Rss:                 900 kB
        Anonymous:           900 kB
        7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        """

    @Test func onlyReadOnlyPrivateFileMappingsWithNoPrivatePageAreReleasable() {
        let regions = ResidentPages.releasable(smaps: Self.smaps)
        #expect(regions == [
            .init(start: 0x55d0_a000_0000, end: 0x55d0_a040_0000, path: "/usr/local/bin/pipette", residentKB: 812),
            .init(start: 0x7f00_0030_0000, end: 0x7f00_0040_0000, path: "/tmp/a b (deleted)", residentKB: 16),
        ])
    }

    /// A read-only mapping of a file is unmapped and reads back the same; a written private page,
    /// and a written page made read-only afterwards (what relocation does), stay as written.
    @Test func releasingUnmapsFilePagesAndKeepsWrittenOnes() throws {
        let work = try TemporaryDirectory("pages")
        defer { work.remove() }
        let size = 64 << 12
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let file = work.file("mapped.bin")
        try Data(bytes).write(to: file)
        let fd = open(file.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        func map(_ protection: Int32) throws -> UnsafeMutableRawPointer {
            let pointer = mmap(nil, size, protection, MAP_PRIVATE, fd, 0)
            try #require(pointer != MAP_FAILED)
            return pointer!
        }
        let readOnly = try map(PROT_READ)
        let written = try map(PROT_READ | PROT_WRITE)
        let relocated = try map(PROT_READ | PROT_WRITE)
        defer { [readOnly, written, relocated].forEach { _ = munmap($0, size) } }
        let sum = (0..<size).reduce(0) { $0 &+ Int(readOnly.load(fromByteOffset: $1, as: UInt8.self)) }
        written.storeBytes(of: 0xAB, toByteOffset: 100, as: UInt8.self)
        relocated.storeBytes(of: 0xCD, toByteOffset: 200, as: UInt8.self)
        #expect(mprotect(relocated, size, PROT_READ) == 0)

        func resident(_ pointer: UnsafeMutableRawPointer) -> Int? {
            ResidentPages.releasable(smaps: ResidentPages.ownSmaps()).first { $0.start == UInt(bitPattern: pointer) }?.residentKB
        }
        #expect(resident(readOnly) == size >> 10)
        #expect(resident(written) == nil)
        #expect(resident(relocated) == nil)

        #expect(ResidentPages.release() >= size >> 10)
        #expect(resident(readOnly) == nil)  // nothing resident left in it
        #expect((0..<size).reduce(0) { $0 &+ Int(readOnly.load(fromByteOffset: $1, as: UInt8.self)) } == sum)
        #expect(written.load(fromByteOffset: 100, as: UInt8.self) == 0xAB)
        #expect(relocated.load(fromByteOffset: 200, as: UInt8.self) == 0xCD)
        #expect(written.load(fromByteOffset: 101, as: UInt8.self) == bytes[101])
    }
}
