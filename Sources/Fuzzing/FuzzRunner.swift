import Dispatch
import Foundation
import VitScopeCLI

/// What one input did wrong, if anything.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    public let input: FuzzCase
    public let reason: String

    /// The reason and the input (cut to 2,000 characters; ``FuzzCase/jsonLine`` has it whole).
    public var description: String {
        let line = input.jsonLine
        return "\(reason)\n  input: " + (line.count <= 2000 ? line : line.prefix(2000) + "… (\(line.count) characters)")
    }
}

/// Runs inputs in-process through `VitScope.run` and checks the outcome: an exit code of 0, 1 or
/// 2; on failure an error message that says something. A trap kills the process; the input
/// being run is then written to standard error by a signal handler (see ``CrashNote``).
public final class FuzzRunner: @unchecked Sendable {
    /// Where `{spec}` and `{weights}` are written.
    let scratch: URL
    /// Longest time one input may take.
    public let timeLimit: Double

    public init(scratch: URL, timeLimit: Double) throws {
        self.scratch = scratch
        self.timeLimit = timeLimit
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// Runs `input` with the watchdog; the failure, or nil when the outcome is good.
    /// A run over the time limit is reported (its thread is left running: the caller stops).
    public func check(_ input: FuzzCase) -> FuzzFailure? {
        CrashNote.set(input.jsonLine)
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Thread.detachNewThread { [self] in
            box.value = outcome(input)
            done.signal()
        }
        if done.wait(timeout: .now() + timeLimit) == .timedOut {
            return FuzzFailure(input: input, reason: "did not finish within \(timeLimit) s")
        }
        return box.value
    }

    final class ResultBox: @unchecked Sendable {
        var value: FuzzFailure?
    }

    /// Runs `input` without a watchdog and judges what it did.
    func outcome(_ input: FuzzCase) -> FuzzFailure? {
        let specPath = scratch.appendingPathComponent("spec.json").path
        let weightsPath = scratch.appendingPathComponent("weights.safetensors").path
        if let spec = input.spec { FileManager.default.createFile(atPath: specPath, contents: Data(spec.utf8)) }
        if let weights = input.weights { FileManager.default.createFile(atPath: weightsPath, contents: Data(weights)) }
        let arguments = input.arguments.map {
            $0.replacingOccurrences(of: "{spec}", with: specPath).replacingOccurrences(of: "{weights}", with: weightsPath)
        }
        let out = Collected(), err = Collected()
        let code = VitScope.run(arguments, console: Console(out: out.add, err: err.add))
        guard [0, 1, 2].contains(code.rawValue) else { return FuzzFailure(input: input, reason: "exit code \(code.rawValue)") }
        let errors = err.text
        if code != .success {
            // A failed check (verify's mismatches) is explained on standard output.
            if errors.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && (code == .usage || out.text.isEmpty) {
                return FuzzFailure(input: input, reason: "exit \(code.rawValue) with no error message")
            }
            for line in errors.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("error:") {
                let message = line.dropFirst("error:".count).trimmingCharacters(in: .whitespaces)
                if message.isEmpty || message.hasSuffix(":") {
                    return FuzzFailure(input: input, reason: "exit \(code.rawValue) with an empty error message: \(line)")
                }
            }
        }
        return nil
    }

    /// Text a console wrote.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [String] = []
        var text: String { lock.withLock { parts.joined() } }
        func add(_ part: String) { lock.withLock { parts.append(part) } }
    }
}

/// The input being run, kept where a signal handler can write it without allocating.
public enum CrashNote {
    static let capacity = 1 << 16
    nonisolated(unsafe) static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) static var length = 0

    /// Records `text` (cut to the buffer) as the input being run.
    static func set(_ text: String) {
        let bytes = Array(("\nfuzz input that crashed: " + text + "\n").utf8.prefix(capacity))
        length = 0
        bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: bytes.count) }
        length = bytes.count
    }

    /// Installs handlers for the signals a trap raises: write the note, then die of the signal.
    public static func install() {
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            _ = Foundation.signal(signal) { number in
                _ = write(STDERR_FILENO, CrashNote.buffer, CrashNote.length)
                _ = Foundation.signal(number, SIG_DFL)
                _ = raise(number)
            }
        }
    }
}
