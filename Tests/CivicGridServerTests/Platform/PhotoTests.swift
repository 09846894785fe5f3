import Fluent
import Foundation
import GridCore
import XCTVapor
@testable import CivicGridServer

final class PhotoTests: XCTestCase {
    /// A real 2×2 PNG.
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD, 0xD4, 0x9A, 0x73, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41,
        0x54, 0x78, 0x9C, 0x63, 0x38, 0xE1, 0xA0, 0xC5, 0x00, 0x42, 0x0C, 0x0C, 0x0C, 0x20, 0x12, 0x00, 0x45, 0xB6, 0x07, 0xD9,
        0x53, 0x27, 0x1C, 0x3B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    func testPhotosAreCheckedByContentStoredAndServedOnlyInScope() async throws {
        try await withApp { app in
            let city = try await TestCity.build(app)
            let browser = app.browser()
            _ = try await browser.login("wg-a")
            let category = try await app.category("SZ05")
            let fields = ["_csrf": "test-csrf-token", "category": category.uuidString, "title": "屋檐破损掉瓦", "description": "", "grid": String(city.gridA.id!), "mode": "up"]

            // A text file named .jpg is refused, and nothing is written.
            var (type, body) = multipart(fields, files: [("photos[]", "fake.jpg", Array("not an image".utf8))])
            var response = try await app.testable().sendRequest(.POST, "/cases/new", headers: ["Cookie": browser.cookieHeader, "Content-Type": type], body: body)
            XCTAssertEqual(response.status, .unprocessableEntity)
            XCTAssertTrue(response.body.string.contains("不是 JPEG、PNG 或 HEIC 照片"))
            var count = try await Case.query(on: app.db).count()
            XCTAssertEqual(count, 0)

            // A real PNG goes through, is stored, and is on the first timeline entry.
            (type, body) = multipart(fields, files: [("photos[]", "roof.png", Self.png)])
            response = try await app.testable().sendRequest(.POST, "/cases/new", headers: ["Cookie": browser.cookieHeader, "Content-Type": type], body: body)
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            count = try await Case.query(on: app.db).count()
            XCTAssertEqual(count, 1)
            let photo = try await CasePhoto.query(on: app.db).first()!
            XCTAssertEqual(photo.contentType, "image/png")
            XCTAssertEqual(photo.bytes, Self.png.count)
            let entry = try await TimelineEntry.query(on: app.db).first()!
            XCTAssertEqual(entry.attachments, photo.id!.uuidString)
            let stored = app.state.uploadDirectory + photo.storedPath
            XCTAssertTrue(FileManager.default.fileExists(atPath: stored))
            // Finding 12: photos of people and homes are sealed at rest like the ID numbers.
            XCTAssertTrue(photo.storedPath.hasSuffix(".png.enc"))
            let onDisk = try XCTUnwrap(FileManager.default.contents(atPath: stored))
            XCTAssertNotEqual(Array(onDisk.prefix(8)), Array(Self.png.prefix(8)), "not a readable PNG on disk")
            XCTAssertEqual(Array(try app.state.cipher.openData(onDisk)), Self.png)
            if Thumbnailer.tool != nil {
                XCTAssertTrue(FileManager.default.fileExists(atPath: PhotoStore.derivativePath(stored, "thumb")), "libvips made a thumbnail")
            }

            let served = try await browser.get("/photos/\(photo.id!)")
            XCTAssertEqual(served.status, .ok)
            XCTAssertEqual(served.headers.contentType?.description, "image/png")
            XCTAssertEqual(Array(served.body.readableBytesView), Self.png)
            let thumb = try await browser.get("/photos/\(photo.id!)?size=thumb")
            XCTAssertEqual(thumb.status, .ok)
            XCTAssertEqual(thumb.headers.contentType?.description, Thumbnailer.tool != nil ? "image/jpeg" : "image/png")

            let outsider = app.browser()
            _ = try await outsider.login("wg-b")
            let refused = try await outsider.get("/photos/\(photo.id!)")
            XCTAssertEqual(refused.status, .notFound)
        }
    }

    func testSniffingRecognisesPhoneFormats() {
        XCTAssertEqual(PhotoStore.sniff(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]))?.type, "image/jpeg")
        XCTAssertEqual(PhotoStore.sniff(Data(Self.png))?.type, "image/png")
        XCTAssertEqual(PhotoStore.sniff(Data([0, 0, 0, 0x18] + Array("ftypheic".utf8) + [0, 0]))?.type, "image/heic")
        XCTAssertNil(PhotoStore.sniff(Data("GIF89a".utf8)))
        XCTAssertNil(PhotoStore.sniff(Data()))
        XCTAssertNil(PhotoStore(root: "/tmp/").absolutePath("../../etc/passwd"), "stored paths are ours only")
    }
}
