import Foundation

@testable import VitScopeCLI

/// Collects what a command writes.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""

    var out: String { lock.withLock { outText } }
    var err: String { lock.withLock { errText } }

    var console: Console {
        Console(
            out: { text in self.lock.withLock { self.outText += text } },
            err: { text in self.lock.withLock { self.errText += text } })
    }
}

/// Runs `vitscope` with `arguments`; returns the exit code and what it wrote.
func vitscope(_ arguments: String...) -> (code: ExitCode, out: String, err: String) {
    let captured = Captured()
    let code = VitScope.run(arguments, console: captured.console)
    return (code, captured.out, captured.err)
}

/// Writes `text` to a fresh temporary file and returns its path.
func temporarySpec(_ text: String, name: String = "spec.json") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}
