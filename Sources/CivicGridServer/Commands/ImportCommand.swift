import Fluent
import Foundation
import GridCore
import Vapor

/// `civicgrid import`: the same validation and all-or-nothing commit as the import page, from a
/// file on disk — for the first load of a district's registry and for the benchmark.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "kind", help: "people | buildings | houses | organizations | components")
        var kind: String?
        @Option(name: "area", help: "Code of the area the rows belong to (every grid code must be inside it)")
        var area: String?
        @Option(name: "file", help: "CSV (UTF-8) or XLSX file")
        var file: String?
        @Flag(name: "dry-run", help: "Validate only; write nothing")
        var dryRun: Bool
    }

    var help: String { "Imports a registry list (validated first; every row or none is written)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let kindText = signature.kind, let kind = ImportKind(rawValue: kindText) else {
            throw Abort(.badRequest, reason: "--kind must be one of: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let code = signature.area, let area = try await Area.query(on: app.db).filter(\.$code == code).first() else {
            throw Abort(.badRequest, reason: "--area: no area with that code")
        }
        guard let path = signature.file, FileManager.default.isReadableFile(atPath: path) else { throw Abort(.badRequest, reason: "--file: cannot read the file") }
        let started = Date()
        let importer = RegistryImporter(db: app.db, app: app)
        // The file is read from disk a piece at a time, once to check it and once to write it.
        let checked = try await importer.validate(try ImportSource(path: path), kind: kind, under: area)
        let validated = Date()
        guard checked.isValid else {
            for issue in checked.issues.prefix(50) { context.console.error(issue.description) }
            context.console.error("\(checked.issues.count) problem(s); nothing written.")
            throw Abort(.unprocessableEntity, reason: "invalid file")
        }
        func seconds(_ a: Date, _ b: Date) -> String { String(format: "%.2f", b.timeIntervalSince(a)) }
        guard !signature.dryRun else {
            context.console.info("valid: \(checked.rows) rows (read and checked in \(seconds(started, validated)) s); nothing written")
            return
        }
        let n = try await importer.commit(checked, under: area, actorID: nil, actorName: "命令行导入")
        let done = Date()
        context.console.info("imported \(n) rows in \(seconds(started, done)) s (check \(seconds(started, validated)) s, write \(seconds(validated, done)) s)")
    }
}
