import Foundation
import Reports

/// Writes report files into a folder atomically and removes the stale ones it owns.
enum ReportWriter {
    /// What a write did.
    struct Outcome: Equatable {
        var written = 0
        var unchanged = 0
        /// Paths (relative to the folder) of stale generated files that were removed, sorted.
        var removed: [String] = []
    }

    /// Subfolders the report owns besides the top level.
    static let ownedFolders = ["", "models"]

    /// Whether `path` (relative to the reports folder) is a kind of file the report writes
    /// there: `*.md` or `*.svg` at the top level or in `models/`.
    static func isOwned(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.last, name.hasSuffix(".md") || name.hasSuffix(".svg"), !name.hasPrefix(".") else { return false }
        return parts.count == 1 || (parts.count == 2 && parts[0] == "models")
    }

    /// Why `root` cannot be written into, checked before any work is done: the nearest existing
    /// folder on its path must be a writable folder. `nil` when it looks writable.
    static func unwritableReason(_ root: URL) -> String? {
        var url = root.standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return "no existing folder on the path" }
            url = parent
        }
        if !isDirectory.boolValue { return "\(url.path) is a file, not a folder" }
        if !FileManager.default.isWritableFile(atPath: url.path) { return "\(url.path) is not writable" }
        return nil
    }

    /// Writes each file whose text differs (to a temporary file in the same folder, then a
    /// rename over the old one), then removes owned files that were not written.
    static func write(_ files: [ReportFile], to root: URL) throws -> Outcome {
        let manager = FileManager.default
        var outcome = Outcome()
        for file in files {
            let url = root.appendingPathComponent(file.path)
            let folder = url.deletingLastPathComponent()
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let data = Data(file.contents.utf8)
            if manager.contents(atPath: url.path) == data {
                outcome.unchanged += 1
                continue
            }
            let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            do {
                try data.write(to: temporary)
                guard rename(temporary.path, url.path) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
            } catch {
                try? manager.removeItem(at: temporary)
                throw error
            }
            outcome.written += 1
        }
        let kept = Set(files.map(\.path))
        for folder in ownedFolders {
            let directory = folder.isEmpty ? root : root.appendingPathComponent(folder)
            let names = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() {
                let path = folder.isEmpty ? name : folder + "/" + name
                let url = directory.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                guard isOwned(path), !kept.contains(path), manager.fileExists(atPath: url.path, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                else { continue }
                try manager.removeItem(at: url)
                outcome.removed.append(path)
            }
        }
        outcome.removed.sort()
        return outcome
    }
}
