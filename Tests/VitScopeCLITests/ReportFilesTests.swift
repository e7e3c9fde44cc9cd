import Architectures
import Foundation
import Reports
import Testing

@testable import VitScopeCLI

/// The committed reports/ folder is exactly what `vitscope report` writes from the committed specs/.
@Suite("reports/")
struct ReportFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let reports = repository.appendingPathComponent("reports")
    static let fix = "reports/ is stale; run: \(ReportBook.command)"

    /// What `vitscope report` writes from the committed specs into a fresh temporary folder: the
    /// command's exit code and output, and every file it wrote by path. Run once for every test here.
    static let generated: (code: ExitCode, out: String, err: String, files: [String: String]) = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-reports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Running every model takes a release build; the execution sections are compared by
        // `vitscope report --check` in CI's release stage instead.
        let result = vitscope(
            "report", "--out", folder.path, "--specs", repository.appendingPathComponent("specs").path,
            "--no-execution")
        var files: [String: String] = [:]
        for path in (try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? [] {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path),
                let text = String(data: data, encoding: .utf8)
            {
                files[path] = text
            }
        }
        return (result.code, result.out, result.err, files)
    }()

    static func page(_ path: String) throws -> String {
        try #require(generated.files[path], "no generated \(path): \(generated.err)")
    }

    @Test func commandWritesEveryFile() {
        #expect(Self.generated.code == .success, "\(Self.generated.err)")
        #expect(Self.generated.err == "")
        #expect(Self.generated.out.contains(" report files under "))
        #expect(Self.generated.files.count == 1 + 5 + 13 + SpecsCommand.specs.count)
        #expect(
            Self.generated.files[ReportWriter.manifestName]
                == ([ReportWriter.manifestHeader("report")] + Self.generated.files.keys.filter { $0 != ReportWriter.manifestName }.sorted())
                .joined(separator: "\n") + "\n")
    }

    @Test func committedReportsAreFresh() {
        var stale: [String] = []
        for (path, text) in Self.generated.files.sorted(by: { $0.key < $1.key }) {
            let committed = FileManager.default.contents(atPath: Self.reports.appendingPathComponent(path).path)
                .flatMap { String(data: $0, encoding: .utf8) }
            if committed.map(ReportBook.withoutExecutionResults) != ReportBook.withoutExecutionResults(text) { stale.append(path) }
        }
        #expect(stale.isEmpty, "\(Self.fix) (differs or missing: \(stale.joined(separator: ", ")))")
    }

    @Test func noStrayReportFiles() throws {
        let committed = try FileManager.default.subpathsOfDirectory(atPath: Self.reports.path).filter { $0 != "models" }
        #expect(Set(committed).subtracting(Self.generated.files.keys).sorted() == [], "\(Self.fix) (it removes stale files)")
    }

    @Test func everyPresetHasAPageAndTheFolderHasItsPages() throws {
        let paths = Self.generated.files.keys.sorted()
        let pages = ["README.md", "resolution.md", "spatial-dimensions.md", "training.md", "zoo.md"]
        #expect(paths.filter { !$0.hasPrefix("models/") && $0.hasSuffix(".md") } == pages)
        #expect(paths.filter { $0.hasPrefix("models/") }.sorted() == SpecsCommand.specs.map { "models/\($0.name).md" }.sorted())
        #expect(
            paths.filter { $0.hasSuffix(".svg") } == [
                "resolution-attention.svg", "resolution-macs.svg", "resolution-other.svg", "resolution-params.svg",
                "resolution-windows.svg", "spatial-attention.svg", "spatial-grid.svg", "spatial-macs.svg", "spatial-pooling.svg",
                "spatial-width.svg", "spatial-windows.svg", "training-resolution.svg", "training-stages.svg",
            ])
        let index = try Self.page("README.md")
        for spec in SpecsCommand.specs { #expect(index.contains("[\(spec.name)](models/\(spec.name).md)")) }
        let spatial = try Self.page("spatial-dimensions.md")
        for chart in paths.filter({ $0.hasPrefix("spatial-") && $0.hasSuffix(".svg") }) { #expect(spatial.contains("](\(chart))")) }
        let resolution = try Self.page("resolution.md")
        for chart in paths.filter({ $0.hasPrefix("resolution-") && $0.hasSuffix(".svg") }) {
            #expect(resolution.contains("](\(chart))"))
        }
        let training = try Self.page("training.md")
        for chart in paths.filter({ $0.hasPrefix("training-") && $0.hasSuffix(".svg") }) { #expect(training.contains("](\(chart))")) }
        #expect(index.contains("[training.md](training.md)"))
    }

    /// Nothing names the machine it was generated on, nor a date.
    @Test func pagesAreFreeOfMachineDetails() {
        for (path, text) in Self.generated.files {
            let machinePaths = [
                Self.repository.path, FileManager.default.temporaryDirectory.path,
                FileManager.default.homeDirectoryForCurrentUser.path,
            ]
            for machinePath in machinePaths where machinePath.count > 1 {
                #expect(!text.contains(machinePath), "\(path) names \(machinePath)")
            }
            #expect(text.firstMatch(of: /20[0-9][0-9]-[01][0-9]-[0-3][0-9]/) == nil, "\(path) contains a date")
        }
    }
}
