/// Lower-case hexadecimal text of bytes (digests, keyed indexes), written directly: formatting each
/// byte with `String(format: "%02x")` was 3 % of the CPU under case intake. Hand-written on purpose:
/// eight lines, and no listed package offers it without a dependency larger than the code.
public enum Hex {
    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { d in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = d[Int(byte >> 4)]
                    out[2 * i + 1] = d[Int(byte & 0x0F)]
                }
            }
            return bytes.count * 2
        }
    }
}
