import Architectures
import Foundation
import Reports
import Testing

@testable import VitScopeCLI

@Suite("report command")
struct ReportCommandTests {
    /// A fresh folder holding the spec files of the study models only.
    static func studySpecs() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-report-\(UUID().uuidString)")
        let specs = root.appendingPathComponent("specs")
        for name in ReportBook.studyModels {
            let spec = try #require(Zoo.preset(name))
            let url = specs.appendingPathComponent(SpecsCommand.relativePath(spec))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SpecEncoder.encode(spec).write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func unwritableOutputIsAnInputError() throws {
        let root = try Self.studySpecs()
        defer { try? FileManager.default.removeItem(at: root) }
        let blocker = root.appendingPathComponent("file")
        try "not a folder".write(to: blocker, atomically: true, encoding: .utf8)
        let result = vitscope(
            "report", "--out", blocker.appendingPathComponent("reports").path, "--specs", root.appendingPathComponent("specs").path)
        #expect(result.code == .failure)
        #expect(
            result.err
                == "error: cannot write reports to \(blocker.path)/reports: \(blocker.standardizedFileURL.path): is a file, not a folder\n")
        #expect(result.out == "")
    }

    @Test func badOrMissingSpecsAreInputErrors() throws {
        let root = try Self.studySpecs()
        defer { try? FileManager.default.removeItem(at: root) }
        let specs = root.appendingPathComponent("specs")
        try "{\"name\": \"x\"}".write(to: specs.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let bad = vitscope("report", "--out", root.appendingPathComponent("out").path, "--specs", specs.path)
        #expect(bad.code == .failure)
        #expect(bad.err.hasPrefix("error: specs/bad.json: family"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
        try FileManager.default.removeItem(at: specs.appendingPathComponent("bad.json"))
        try FileManager.default.removeItem(at: specs.appendingPathComponent("pit/pit_s_224.json"))
        let missing = vitscope("report", "--out", root.appendingPathComponent("out").path, "--specs", specs.path)
        #expect(missing.code == .failure)
        #expect(
            missing.err
                == "error: pit_s_224: the spatial-dimensions and resolution pages need this model's spec; write it with 'vitscope specs' into the specs folder\n"
        )
        let none = vitscope("report", "--specs", root.appendingPathComponent("nothing").path)
        #expect(none.code == .failure)
        #expect(none.err.hasSuffix(": no such folder of spec files; write one with 'vitscope specs --out nothing' or pass --specs DIR\n"))
    }

    @Test func helpAndUsageErrors() {
        let help = vitscope("report", "--help")
        #expect(help.code == .success)
        #expect(help.out.contains("usage: vitscope report [--out DIR] [--specs DIR] [--check] [--no-execution] [--force]\n"))
        #expect(help.out.contains("  --out DIR       folder to write the reports into (default reports)\n"))
        for (arguments, message) in [
            (["report", "--outt", "x"], "error: unknown option '--outt'; did you mean --out?"),
            (["report", "extra"], "error: report takes no arguments, got 'extra'"),
            (["report", "--out"], "error: --out needs a value (DIR)"),
        ] {
            let captured = Captured()
            #expect(VitScope.run(arguments, console: captured.console) == .usage)
            #expect(captured.err.split(separator: "\n").first.map(String.init) == message)
        }
    }
}

extension ReportCommandTests {
    @Test func checkNamesStaleFilesAndWritesNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let specs = ReportFilesTests.repository.appendingPathComponent("specs").path
        let out = root.appendingPathComponent("reports").path
        #expect(vitscope("report", "--out", out, "--specs", specs, "--no-execution").code == .success)
        let fresh = vitscope("report", "--out", out, "--specs", specs, "--no-execution", "--check")
        #expect(fresh.code == .success)
        #expect(fresh.out.hasSuffix(" are up to date\n"))
        try "edited".write(toFile: out + "/zoo.md", atomically: true, encoding: .utf8)
        let stale = vitscope("report", "--out", out, "--specs", specs, "--no-execution", "--check")
        #expect(stale.code == .failure)
        #expect(stale.err == "error: \(out) is stale (zoo.md); run: swift run -c release vitscope report\n")
        #expect(try String(contentsOfFile: out + "/zoo.md", encoding: .utf8) == "edited")
    }

    @Test func executionSectionsAreMarkedForComparison() {
        let page = "a\n" + ReportBook.executionStart + "ran: 12 nodes\n" + ReportBook.executionEnd + "b\n"
        #expect(
            ReportBook.withoutExecutionResults(page)
                == "a\n" + ReportBook.executionStart + ReportBook.executionEnd + "b\n")
    }
}
