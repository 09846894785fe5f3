import Crypto
import Foundation
import Vapor

/// Case photos on disk under the upload directory, checked by their content (not their name).
struct PhotoStore {
    let root: String

    static let maxBytes = 8 * 1024 * 1024
    static let maxPerAction = 6

    struct Stored: Sendable {
        let relativePath: String
        let contentType: String
        let bytes: Int
        let sha256: String
    }

    /// JPEG, PNG and HEIC (iPhones) by their magic bytes.
    static func sniff(_ data: Data) -> (type: String, ext: String)? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return ("image/jpeg", "jpg") }
        if b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return ("image/png", "png") }
        if b.count >= 12, String(decoding: b[4..<8], as: UTF8.self) == "ftyp",
           ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].contains(String(decoding: b[8..<12], as: UTF8.self)) {
            return ("image/heic", "heic")
        }
        return nil
    }

    /// A cut-off upload or a renamed fragment: a PNG starts with its header chunk and ends with IEND,
    /// a JPEG ends with its end-of-image marker (phones may pad a few bytes after it).
    static func isComplete(_ data: Data, type: String) -> Bool {
        let b = [UInt8](data)
        switch type {
        case "image/png":
            return b.count >= 45 && b[12..<16] == [0x49, 0x48, 0x44, 0x52] && b.suffix(12).starts(with: [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44])
        case "image/jpeg":
            let tail = b.suffix(64)
            return b.count >= 4 && zip(tail, tail.dropFirst()).contains { $0 == 0xFF && $1 == 0xD9 }
        default:
            return b.count >= 32
        }
    }

    /// Validates every file first, then writes them; nothing is written if one is refused. With a
    /// cipher the files are written sealed (AES-GCM, ".enc"): photos of identity documents, and of
    /// people and homes (case, visit and building photos), like the ID numbers in the database.
    func store(_ files: [File], now: Date, sealedWith cipher: PersonalDataCipher? = nil) throws -> [Stored] {
        let files = files.filter { $0.data.readableBytes > 0 }
        guard files.count <= Self.maxPerAction else { throw Abort(.unprocessableEntity, reason: "每次最多上传 \(Self.maxPerAction) 张照片") }
        let checked = try files.map { file -> (Data, String, String) in
            guard file.data.readableBytes <= Self.maxBytes else { throw Abort(.payloadTooLarge, reason: "照片“\(file.filename)”超过 8 MB") }
            let data = Data(buffer: file.data)
            guard let kind = Self.sniff(data) else { throw Abort(.unsupportedMediaType, reason: "“\(file.filename)”不是 JPEG、PNG 或 HEIC 照片") }
            guard Self.isComplete(data, type: kind.type) else {
                throw Abort(.unprocessableEntity, reason: "照片“\(file.filename)”已损坏或不完整，请重新拍摄或选择")
            }
            return (data, kind.type, kind.ext)
        }
        let day = LocalDateFolder.name(now)
        let folder = root + day
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try checked.map { data, type, ext in
            let name = UUID().uuidString.lowercased() + "." + ext + (cipher == nil ? "" : ".enc")
            let url = URL(fileURLWithPath: folder + "/" + name)
            try (cipher.map { try $0.sealData(data) } ?? data).write(to: url, options: .atomic)
            return Stored(relativePath: day + "/" + name, contentType: type, bytes: data.count,
                          sha256: SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// Thumbnails (320×240) and, for HEIC, a JPEG that browsers can show, made with libvips'
    /// `vipsthumbnail` when it is installed (Debian's libvips-tools; the set-up scripts install it).
    /// Without it the original is served in their place.
    /// Sealed photos are opened into a temporary folder for vipsthumbnail, and the copies sealed in turn.
    static func makeDerivatives(_ stored: [Stored], root: String, cipher: PersonalDataCipher? = nil) {
        guard let tool = Thumbnailer.tool else { return }
        for photo in stored {
            let original = root + photo.relativePath
            var source = original
            var scratch: String?
            if original.hasSuffix(".enc") {
                guard let cipher, let sealed = FileManager.default.contents(atPath: original), let plain = try? cipher.openData(sealed) else { continue }
                let folder = NSTemporaryDirectory() + "civicgrid-thumb-" + UUID().uuidString
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                source = folder + "/" + ((original as NSString).lastPathComponent as NSString).deletingPathExtension
                guard FileManager.default.createFile(atPath: source, contents: plain, attributes: [.posixPermissions: 0o600]) else { continue }
                scratch = folder
            }
            defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
            var kinds = [("thumb", ["--size", "320x240"], "[Q=80,strip]")]
            if photo.contentType == "image/heic" { kinds.append(("view", ["--size", "1600x1600>"], "[Q=85,strip]")) }
            for (kind, size, options) in kinds {
                let target = derivativePath(original, kind)
                let output = scratch.map { $0 + "/\(kind).jpg" } ?? target
                guard Thumbnailer.run(tool, [source] + size + ["-o", output + options]) else { continue }
                if scratch != nil, let cipher, let data = FileManager.default.contents(atPath: output), let sealed = try? cipher.sealData(data) {
                    try? sealed.write(to: URL(fileURLWithPath: target), options: .atomic)
                }
            }
        }
    }

    /// `x.jpg` → `x.thumb.jpg`; a sealed `x.jpg.enc` → `x.thumb.jpg.enc`.
    static func derivativePath(_ original: String, _ kind: String) -> String {
        if original.hasSuffix(".enc") {
            return ((String(original.dropLast(4))) as NSString).deletingPathExtension + ".\(kind).jpg.enc"
        }
        return (original as NSString).deletingPathExtension + ".\(kind).jpg"
    }

    /// Streams a stored photo: `?size=thumb` for lists, HEIC through its JPEG copy, the original
    /// when no copy exists. The caller has checked that the user may see it.
    func response(for relative: String, contentType: String, req: Request) async throws -> Response {
        guard let original = absolutePath(relative) else { throw Abort(.notFound) }
        let wanted = req.query[String.self, at: "size"] == "thumb" ? "thumb" : (contentType == "image/heic" ? "view" : nil)
        let derivative = wanted.map { Self.derivativePath(original, $0) }
        let useDerivative = derivative.map { FileManager.default.fileExists(atPath: $0) } ?? false
        if original.hasSuffix(".enc") {
            // Opened in memory for someone allowed to see it; kept out of shared caches.
            guard let sealed = FileManager.default.contents(atPath: useDerivative ? derivative! : original) else { throw Abort(.notFound) }
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: useDerivative ? "image/jpeg" : contentType)
            headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
            return Response(status: .ok, headers: headers, body: .init(data: try req.state.cipher.openData(sealed)))
        }
        let response = try await req.fileio.asyncStreamFile(at: useDerivative ? derivative! : original)
        response.headers.replaceOrAdd(name: .contentType, value: useDerivative ? "image/jpeg" : contentType)
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=86400")
        return response
    }

    func absolutePath(_ relative: String) -> String? {
        // Stored paths are ours (yyyy/MM/uuid.ext, sealed ones .ext.enc); refuse anything else.
        guard relative.range(of: #"^\d{4}/\d{2}/[0-9a-f-]{36}\.(jpg|png|heic)(\.enc)?$"#, options: .regularExpression) != nil else { return nil }
        return root + relative
    }

    /// A sealed photo, opened for someone allowed to see it (the caller logs the access). Never cached.
    func sealedResponse(for relative: String, contentType: String, cipher: PersonalDataCipher) throws -> Response {
        guard relative.hasSuffix(".enc"), let path = absolutePath(relative),
              let sealed = FileManager.default.contents(atPath: path) else { throw Abort(.notFound) }
        let data = try cipher.openData(sealed)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: contentType)
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}

enum Thumbnailer {
    static let tool: String? = ["/usr/bin/vipsthumbnail", "/usr/local/bin/vipsthumbnail"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

enum LocalDateFolder {
    static func name(_ date: Date) -> String {
        let day = GridCoreLocalDate(date)
        return String(format: "%04d/%02d", day.year, day.month)
    }
}

import GridCore
typealias GridCoreLocalDate = LocalDate
