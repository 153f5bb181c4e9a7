import Crypto
import Foundation

/// NATS nkeys: a user's seed (`SU…`, base32 with a CRC-16) and the public key (`U…`) derived from
/// it (Ed25519), which libnats needs next to the seed file to authenticate.
enum NKey {
    static let seedPrefix: UInt8 = 18 << 3  // 'S'
    static let userPrefix: UInt8 = 20 << 3  // 'U'

    struct Invalid: Error {
        let reason: String
    }

    /// The seed in `text` (the first line starting with `SU`; seed files may carry comments).
    static func seed(in text: String) -> String? {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("SU") }
    }

    /// The user public key (`U…`) of a user seed (`SU…`).
    static func publicKey(fromSeed seed: String) throws(Invalid) -> String {
        guard let raw = base32Decode(seed), raw.count == 36 else { throw Invalid(reason: "not base32 of the right length") }
        let body = Array(raw[..<34])
        guard crc16(body) == UInt16(raw[34]) | UInt16(raw[35]) << 8 else { throw Invalid(reason: "its checksum does not match") }
        let kind = (raw[0] & 7) << 5 | (raw[1] & 248) >> 3
        guard raw[0] & 248 == seedPrefix, kind == userPrefix else { throw Invalid(reason: "it is not a user seed (SU…)") }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw[2..<34]) else {
            throw Invalid(reason: "its key bytes are not an Ed25519 seed")
        }
        let data = [userPrefix] + Array(key.publicKey.rawRepresentation)
        let crc = crc16(data)
        return base32Encode(data + [UInt8(crc & 0xFF), UInt8(crc >> 8)])
    }

    /// CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys use it.
    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// RFC 4648 base32 without padding.
    static func base32Encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }

    static func base32Decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer = 0, bits = 0
        for character in text.utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5 | value) & 0xFFFF
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}
