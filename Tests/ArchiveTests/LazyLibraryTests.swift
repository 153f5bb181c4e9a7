import CLazyLibrary
import Foundation
import Testing

/// libnats and libarchive are opened on first use (CLazyLibrary): what a caller meets when the
/// library is there, when it is not, and when it lacks a function.
@Suite("C libraries opened on first use")
struct LazyLibraryTests {
    /// Opens a library made of `files` resolving `symbols`; returns the error and what resolved.
    private func open(_ files: [String], symbols: [String]) -> (error: String?, functions: [UnsafeMutableRawPointer?]) {
        let fileNames = files.map { strdup($0) }
        let symbolNames = symbols.map { strdup($0) }
        defer { (fileNames + symbolNames).forEach { free($0) } }
        var filesArray: [UnsafePointer<CChar>?] = fileNames.map { UnsafePointer($0) } + [nil]
        var symbolsArray: [UnsafePointer<CChar>?] = symbolNames.map { UnsafePointer($0) }
        var functions = [UnsafeMutableRawPointer?](repeating: nil, count: symbols.count)
        var library = pipette_lazy_library()  // all zero: glibc's PTHREAD_MUTEX_INITIALIZER, not tried
        return filesArray.withUnsafeMutableBufferPointer { files in
            symbolsArray.withUnsafeMutableBufferPointer { symbols in
                functions.withUnsafeMutableBufferPointer { resolved in
                    library.files = UnsafePointer(files.baseAddress)
                    library.package = UnsafePointer(strdup("libpipette-example"))
                    library.symbols = UnsafePointer(symbols.baseAddress)
                    library.functions = resolved.baseAddress
                    library.count = symbols.count
                    let first = pipette_lazy_library_open(&library).map { String(cString: $0) }
                    let again = pipette_lazy_library_open(&library).map { String(cString: $0) }
                    #expect(first == again, "a second open answers as the first")
                    return (first, Array(resolved))
                }
            }
        }
    }

    @Test func aLibraryThatIsThereResolvesEveryFunction() throws {
        let opened = open(["libpipette-absent.so.1", "libz.so.1"], symbols: ["zlibVersion", "crc32"])
        #expect(opened.error == nil)
        let version = try #require(opened.functions[0])
        let zlibVersion = unsafeBitCast(version, to: (@convention(c) () -> UnsafePointer<CChar>).self)
        #expect(String(cString: zlibVersion()).first?.isNumber == true, "the resolved pointer is zlib's function")
        #expect(opened.functions[1] != nil)
    }

    @Test func aMissingLibrarySaysWhichAndHowToInstallIt() {
        let opened = open(["libpipette-absent.so.1"], symbols: ["anything"])
        let error = opened.error ?? ""
        #expect(error.hasPrefix("cannot load libpipette-absent.so.1 ("), "\(error)")
        #expect(error.hasSuffix("install it with `apt-get install libpipette-example`"), "\(error)")
    }

    @Test func aLibraryWithoutAFunctionPipetteCallsIsRefused() {
        let opened = open(["libz.so.1"], symbols: ["zlibVersion", "pipette_no_such_function"])
        #expect(opened.error == "libz.so.1 has no function pipette_no_such_function: Pipette needs the version of libpipette-example it was built with")
    }
}
