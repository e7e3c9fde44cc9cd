import Foundation

/// Where a command writes: results to `out`, errors and progress to `err`.
public struct Console: Sendable {
    public let out: @Sendable (String) -> Void
    public let err: @Sendable (String) -> Void
    /// Whether `err` is a terminal, where long commands show progress.
    public let errIsTerminal: Bool

    public init(
        out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
        errIsTerminal: Bool = false
    ) {
        self.out = out
        self.err = err
        self.errIsTerminal = errIsTerminal
    }

    /// Shows `message` on the terminal's current line (nothing when `err` is not a terminal).
    public func progress(_ message: String) {
        if errIsTerminal { err("\r\u{1B}[K" + message) }
    }
}

/// The process exit status: 0 success, 1 invalid input or failed check, 2 usage error.
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
}

/// A command line that does not fit a command's usage: exit 2 with the message and usage.
struct UsageError: Error, Equatable {
    let message: String
}

/// Text written to a file descriptor with `write(2)`, every byte or an error: the one writer of
/// the command line's standard output and error and of the files it writes. The first failure
/// (a full disk, a closed pipe, a file-size limit) is kept and later writes are dropped, so the
/// caller reports it once and exits 1 instead of trapping.
public final class FileOutput: @unchecked Sendable {
    /// What the destination is called in an error message: `standard output`, a path.
    public let name: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var firstFailure: String?

    public init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// The system's reason for the first failed write, or `nil` when every write succeeded.
    public var failure: String? { lock.withLock { firstFailure } }

    /// Writes all of `text`, retrying interrupted and partial writes.
    public func write(_ text: String) {
        lock.withLock {
            guard firstFailure == nil else { return }
            var bytes = Array(text.utf8)
            let count = bytes.count
            var done = 0
            bytes.withUnsafeMutableBytes { raw in
                while done < count {
                    let written = Foundation.write(descriptor, raw.baseAddress! + done, count - done)
                    if written > 0 {
                        done += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        firstFailure = written < 0 ? String(cString: strerror(errno)) : "the write made no progress"
                        return
                    }
                }
            }
        }
    }
}
