import Foundation
import XCTest
@testable import GridCore

final class FieldTests: XCTestCase {
    // MARK: Tracking codes

    func testTrackingCodesRoundTripAndCatchTypos() {
        var rng = SplitMix64(seed: 7)
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let code = TrackingCode.generate(using: &rng)
            XCTAssertEqual(code.value.count, 10)
            XCTAssertEqual(TrackingCode(code.value), code)
            XCTAssertEqual(TrackingCode(code.grouped.lowercased()), code, "typed in lower case with dashes")
            XCTAssertEqual(TrackingCode(" " + code.grouped.replacingOccurrences(of: "-", with: " ") + " "), code)
            seen.insert(code.value)
            // Every single wrong character is caught.
            var chars = Array(code.value)
            let i = Int.random(in: 0..<10, using: &rng)
            let original = chars[i]
            chars[i] = TrackingCode.alphabet.first { $0 != original }!
            XCTAssertNil(TrackingCode(String(chars)), "changed \(i) of \(code)")
            // Every swap of two different neighbours is caught.
            chars = Array(code.value)
            let j = Int.random(in: 0..<9, using: &rng)
            if chars[j] != chars[j + 1] {
                chars.swapAt(j, j + 1)
                XCTAssertNil(TrackingCode(String(chars)), "swapped \(j) of \(code)")
            }
        }
        XCTAssertEqual(seen.count, 2_000)
    }

    func testTrackingCodesRefuseLookAlikesAndWrongLengths() {
        XCTAssertNil(TrackingCode(""))
        XCTAssertNil(TrackingCode("ABC"))
        XCTAssertNil(TrackingCode("O0O0O0O0O0"), "O, 0 are not in the alphabet")
        XCTAssertNil(TrackingCode("ZZ-20260101-001"), "a case number is not a tracking code")
        let code = TrackingCode.generate()
        XCTAssertNil(TrackingCode(code.value + "2"))
        XCTAssertEqual(code.grouped.count, 12)
    }

    // MARK: Rate limits

    func testRateLimitAllowsUpToTheLimitThenSaysWhenToComeBack() {
        let limit = RateLimit(limit: 3, window: 60)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var kept: [Date] = []
        for s in [0, 10, 20] {
            let (decision, keep) = limit.decide(recent: kept, now: t0.addingTimeInterval(Double(s)))
            XCTAssertEqual(decision, .allowed)
            kept = keep
        }
        let (refused, keep) = limit.decide(recent: kept, now: t0.addingTimeInterval(30))
        XCTAssertEqual(refused, .refused(retryAfter: 30), "the oldest leaves the window at 60 s")
        XCTAssertEqual(keep.count, 3, "a refused request is not counted")
        XCTAssertEqual(refused.message, "操作太频繁，请 30 秒后再试")
        XCTAssertEqual(limit.decide(recent: keep, now: t0.addingTimeInterval(60)).0, .allowed)
        XCTAssertEqual(RateLimit.Decision.refused(retryAfter: 61).message, "操作太频繁，请 2 分钟后再试")
        // Times from the future (clock skew) do not count.
        XCTAssertEqual(limit.decide(recent: Array(repeating: t0.addingTimeInterval(500), count: 5), now: t0).0, .allowed)
    }

    // MARK: Challenge

    func testChallengeAcceptsTheRightAnswerOnlyInTime() throws {
        let challenge = HumanChallenge(secret: Data("test-secret-0123456789-0123456789".utf8))
        var rng = SplitMix64(seed: 3)
        let t0 = Date(timeIntervalSince1970: 2_000_000)
        let issued = challenge.issue(now: t0, using: &rng)
        let numbers = issued.question.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertEqual(numbers.count, 2)
        let answer = numbers[0] + numbers[1]
        XCTAssertNil(challenge.verify(token: issued.token, answer: "\(answer)", now: t0.addingTimeInterval(10)))
        let fullWidth = String("\(answer)".unicodeScalars.map { Character(Unicode.Scalar($0.value - 0x30 + 0xFF10)!) })
        XCTAssertNil(challenge.verify(token: issued.token, answer: fullWidth, now: t0.addingTimeInterval(10)), "full-width digits from a Chinese keyboard")
        XCTAssertEqual(challenge.verify(token: issued.token, answer: "\(answer + 1)", now: t0.addingTimeInterval(10)), .wrongAnswer)
        XCTAssertEqual(challenge.verify(token: issued.token, answer: "abc", now: t0.addingTimeInterval(10)), .wrongAnswer)
        XCTAssertEqual(challenge.verify(token: issued.token, answer: "\(answer)", now: t0.addingTimeInterval(0.5)), .tooFast)
        XCTAssertEqual(challenge.verify(token: issued.token, answer: "\(answer)", now: t0.addingTimeInterval(31 * 60)), .expired)
        XCTAssertEqual(challenge.verify(token: nil, answer: "3", now: t0), .missing)
        XCTAssertEqual(challenge.verify(token: issued.token, answer: " ", now: t0), .missing)
        // An edited time or salt, or a token from another server's secret, is refused.
        let parts = issued.token.split(separator: ".").map(String.init)
        XCTAssertEqual(challenge.verify(token: "\(Int(parts[0])! + 100).\(parts[1]).\(parts[2])", answer: "\(answer)", now: t0.addingTimeInterval(200)), .tampered)
        XCTAssertEqual(challenge.verify(token: "garbage", answer: "\(answer)", now: t0), .tampered)
        let other = HumanChallenge(secret: Data("another-secret-0123456789-012345".utf8))
        XCTAssertEqual(other.verify(token: issued.token, answer: "\(answer)", now: t0.addingTimeInterval(10)), .tampered)
    }

    // MARK: Resident view

    func testResidentProgressHidesInternalStepsAndNames() {
        XCTAssertEqual(PublicProgress.step(.reported), .received)
        XCTAssertEqual(PublicProgress.step(.dispatched), .handling)
        XCTAssertEqual(PublicProgress.step(.rejected), .done)
        for status in CaseStatus.allCases { XCTAssertFalse(PublicProgress.sentence(status).isEmpty) }
        XCTAssertNil(PublicProgress.line(action: .urge, to: .inProgress, comment: "张三催办", unit: nil))
        XCTAssertNil(PublicProgress.line(action: .fileInquiry, to: .inProgress, comment: "质询", unit: nil))
        XCTAssertNil(PublicProgress.line(action: .returnCase, to: .accepted, comment: "非我局职责", unit: "城管局"))
        XCTAssertEqual(PublicProgress.line(action: .reply, to: .replied, comment: "已疏通", unit: "城管局"), "处理结果：已疏通")
        XCTAssertEqual(PublicProgress.line(action: .acknowledge, to: .inProgress, comment: "", unit: "城管局"), "城管局已签收")
        XCTAssertEqual(PublicProgress.line(action: .verify, to: .closed, comment: "", unit: nil), "处理结果已核实，事件办结")
        XCTAssertEqual(PublicProgress.line(action: .verify, to: .inProgress, comment: "", unit: nil), "核实未通过，继续办理")
        XCTAssertNil(PublicProgress.line(action: .approveEscalation, to: .awaitingApproval, comment: "", unit: nil))
    }

    // MARK: QR codes

    func testQRCodesHaveTheRightShape() throws {
        let short = try QRCode("http://localhost:8080/b/ABCD2345")
        XCTAssertEqual((short.size - 17) % 4, 0, "a QR version's size is 17 + 4·version")
        XCTAssertEqual(short.modules.count, short.size * short.size)
        // The three finder patterns: dark 7×7 rings at three corners.
        for (r, c) in [(0, 0), (0, short.size - 7), (short.size - 7, 0)] {
            XCTAssertTrue(short.isDark(row: r, column: c))
            XCTAssertFalse(short.isDark(row: r + 1, column: c + 1))
            XCTAssertTrue(short.isDark(row: r + 3, column: c + 3))
        }
        let long = try QRCode(String(repeating: "网格", count: 100))
        XCTAssertGreaterThan(long.size, short.size)
        XCTAssertThrowsError(try QRCode(""))
        XCTAssertThrowsError(try QRCode(String(repeating: "x", count: 5_000)))
        let svg = short.svg(pixels: 160, title: "楼栋 <1>")
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("<title>楼栋 &lt;1&gt;</title>"))
    }

    /// Decodes generated symbols with zbar (Debian's zbar-tools, installed by CI and the test script).
    func testQRCodesDecodeToTheirText() throws {
        let zbarimg = ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let zbarimg else {
            if ProcessInfo.processInfo.environment["CI"] != nil { return XCTFail("zbarimg is missing: install zbar-tools") }
            throw XCTSkip("zbarimg not installed")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for text in ["http://localhost:8080/b/ABCD2345", "https://grid.example.cn/b/Z9Y8X7W6V5", "网格通 · 石峰区清水塘街道 3 栋"] {
            let file = dir.appendingPathComponent("\(abs(text.hashValue)).pbm")
            try QRCode(text).pbm(scale: 4).write(to: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: zbarimg)
            process.arguments = ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()
            let decoded = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .newlines)
            XCTAssertEqual(process.terminationStatus, 0)
            XCTAssertEqual(decoded, text)
        }
    }
}
