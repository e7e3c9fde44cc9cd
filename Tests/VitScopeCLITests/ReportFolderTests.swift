import Foundation
import Reports
import Testing

@testable import VitScopeCLI

/// `report --out` and `specs --out` touch only what they wrote, and write a whole set or nothing.
@Suite struct ReportFolderTests {
    static func folder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    static func listing(_ root: URL) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted()
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// A folder of someone else's files is refused, and nothing in it changes.
    @Test(arguments: ["report", "specs"])
    func foreignFolderIsRefused(_ command: String) throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent().appendingPathComponent(root.lastPathComponent)) }
        for name in ["README.md", "CHANGELOG.md", "logo.svg"] {
            try name.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = vitscope(command, "--out", root.path)
        #expect(result.code == .failure)
        #expect(
            result.err
                == "error: will not write \(command == "report" ? "reports" : "specs") to \(root.path): the folder holds files vitscope "
                + "\(command) did not write (CHANGELOG.md, README.md, logo.svg); give a new or empty folder, or --force to write into it "
                + "(files of other names are left alone)\n")
        #expect(try Self.listing(root) == ["CHANGELOG.md", "README.md", "logo.svg"])
        #expect(try Self.text(root.appendingPathComponent("README.md")) == "README.md")
    }

    /// The manifest says what a run owns: the next run removes only those files, never others.
    @Test func removesOnlyWhatItWrote() throws {
        let root = try Self.folder().appendingPathComponent("reports")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let files = [ReportFile(path: "a.md", contents: "A\n"), ReportFile(path: "models/b.md", contents: "B\n")]
        #expect(try ReportWriter.write(files, command: "report", to: root) == ReportWriter.Outcome(written: 2, unchanged: 0, removed: []))
        #expect(try Self.listing(root) == [".vitscope-files", "a.md", "models", "models/b.md"])
        #expect(
            try Self.text(root.appendingPathComponent(".vitscope-files"))
                == ReportWriter.manifestHeader("report") + "\na.md\nmodels/b.md\n")
        #expect(try ReportWriter.write(files, command: "report", to: root) == ReportWriter.Outcome(written: 0, unchanged: 2, removed: []))
        for path in ["notes.md", "models/mine.md", "logo.svg"] {
            try "user".write(to: root.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        let changed = [ReportFile(path: "a.md", contents: "A2\n")]
        #expect(
            try ReportWriter.write(changed, command: "report", to: root)
                == ReportWriter.Outcome(written: 1, unchanged: 0, removed: ["models/b.md"]))
        #expect(try Self.listing(root) == [".vitscope-files", "a.md", "logo.svg", "models", "models/mine.md", "notes.md"])
        #expect(try Self.text(root.appendingPathComponent("a.md")) == "A2\n")
        #expect(try Self.listing(root.deletingLastPathComponent()).filter { $0.contains("vitscope-tmp") } == [])
    }

    /// With --force a foreign folder gets the set; files of other names stay.
    @Test func forceReplacesOnlyTheSetsNames() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["a.md", "CHANGELOG.md"] { try "user".write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let files = [ReportFile(path: "a.md", contents: "A\n")]
        #expect(throws: ReportWriter.Failure.self) { try ReportWriter.write(files, command: "report", to: root) }
        #expect(
            try ReportWriter.write(files, command: "report", to: root, force: true)
                == ReportWriter.Outcome(written: 1, unchanged: 0, removed: []))
        #expect(try Self.listing(root) == [".vitscope-files", "CHANGELOG.md", "a.md"])
        #expect(try Self.text(root.appendingPathComponent("CHANGELOG.md")) == "user")
    }

    /// A file where a folder must go: the error names it, the old set stays, no temporary folder is left.
    @Test func failureLeavesTheOldSetAndNoTemporaries() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let root = parent.appendingPathComponent("reports")
        let old = [ReportFile(path: "a.md", contents: "A\n"), ReportFile(path: "b.md", contents: "B\n")]
        _ = try ReportWriter.write(old, command: "report", to: root)
        try "in the way".write(to: root.appendingPathComponent("models"), atomically: true, encoding: .utf8)
        let new = [ReportFile(path: "a.md", contents: "A2\n"), ReportFile(path: "models/c.md", contents: "C\n")]
        #expect(throws: ReportWriter.Failure(path: root.appendingPathComponent("models").path, reason: "is a file, not a folder")) {
            try ReportWriter.write(new, command: "report", to: root)
        }
        #expect(try Self.listing(parent) == ["reports", "reports/.vitscope-files", "reports/a.md", "reports/b.md", "reports/models"])
        #expect(try Self.text(root.appendingPathComponent("a.md")) == "A\n")
        // A folder that is a file in the temporary set's path fails before anything is written.
        let blocked = parent.appendingPathComponent("file")
        try "x".write(to: blocked, atomically: true, encoding: .utf8)
        #expect(throws: ReportWriter.Failure(path: blocked.path, reason: "is a file, not a folder")) {
            try ReportWriter.write(new, command: "report", to: blocked.appendingPathComponent("reports"))
        }
    }
}
