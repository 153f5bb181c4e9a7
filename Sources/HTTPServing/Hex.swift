extension Sequence<UInt8> {
    /// Lowercase hex, two digits a byte (how sha256 sums are written everywhere in Pipette).
    public var lowercaseHex: String {
        map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
