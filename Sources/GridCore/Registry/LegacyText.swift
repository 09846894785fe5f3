#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Text from Chinese Excel: "CSV" saved by Excel on a Chinese Windows is GBK (GB 18030 is its
/// superset), not UTF-8. Decoded with the C library's iconv, so a clerk's file is read as it is.
public enum LegacyText {
    /// The bytes as GB 18030, or nil when they are not valid GB 18030.
    public static func decodeGB18030(_ bytes: [UInt8]) -> String? {
        convert(bytes, from: "GB18030", to: "UTF-8").flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// UTF-8 text re-encoded as GB 18030 (what Excel writes), for tests and exports to old systems.
    public static func encodeGB18030(_ text: String) -> [UInt8]? {
        convert(Array(text.utf8), from: "UTF-8", to: "GB18030")
    }

    static func convert(_ bytes: [UInt8], from: String, to: String) -> [UInt8]? {
        let cd = iconv_open(to, from)
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        if bytes.isEmpty { return [] }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
        let converted: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var outLeft = outBuf.count
                guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1, inLeft == 0 else { return nil }
                return outBuf.count - outLeft
            }
        }
        guard let converted else { return nil }
        return output.prefix(converted).map { UInt8(bitPattern: $0) }
    }
}
