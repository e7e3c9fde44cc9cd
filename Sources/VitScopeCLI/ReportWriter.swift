import Foundation
import Reports

/// Writes a set of generated files (the reports, or the spec files) into a folder as one unit,
/// and removes only files an earlier run of the same command wrote there.
///
/// The whole set is first written into a temporary sibling folder (`.NAME.vitscope-tmp` next to
/// the folder), so running out of space, a path component that is a file or a read-only folder
/// fails before anything in the folder changes, and the temporary folder is removed. Only then
/// are the changed files renamed into place (renames need no space), the stale ones removed and
/// the manifest, `.vitscope-files`, replaced. The manifest lists what the run wrote; files it does
/// not list are never removed. A folder that holds other files and no manifest of this command is
/// refused unless `force` is given; then files of the set's names are replaced and nothing else
/// is touched.
enum ReportWriter {
    /// What a write did.
    struct Outcome: Equatable {
        var written = 0
        var unchanged = 0
        /// Paths (relative to the folder) of stale files of an earlier run that were removed, sorted.
        var removed: [String] = []
    }

    /// Why a set could not be written: the path at fault and what the system said.
    struct Failure: Error, Equatable, CustomStringConvertible {
        let path: String
        let reason: String

        var description: String { "\(path): \(reason)" }
    }

    /// The manifest's name within the folder.
    static let manifestName = ".vitscope-files"

    /// The manifest's first line for files written by `command` (`report`, `specs`).
    static func manifestHeader(_ command: String) -> String {
        "vitscope \(command): the files below were written here by this command; it removes only these"
    }

    /// The manifest's text for `files`.
    static func manifest(_ files: [ReportFile], command: String) -> String {
        ([manifestHeader(command)] + files.map(\.path).sorted()).joined(separator: "\n") + "\n"
    }

    /// The paths an earlier run of `command` wrote into `root`, from its manifest; `nil` when the
    /// folder has no manifest of that command.
    static func ownedPaths(_ root: URL, command: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(manifestName).path),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.first == manifestHeader(command) else { return nil }
        // Only plain relative paths: never a way out of the folder.
        return lines.dropFirst().filter { path in
            !path.hasPrefix("/") && !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
        }
    }

    /// Why `command` must not write into `root` without `--force`: it holds entries and no
    /// manifest of that command. `nil` when it may (absent, empty, or written by `command`).
    static func refusal(_ root: URL, command: String) -> String? {
        guard ownedPaths(root, command: command) == nil,
            let names = try? FileManager.default.contentsOfDirectory(atPath: root.path), !names.isEmpty
        else { return nil }
        let sorted = names.sorted()
        let shown = sorted.prefix(5).joined(separator: ", ") + (sorted.count > 5 ? " and \(sorted.count - 5) more" : "")
        return "the folder holds files vitscope \(command) did not write (\(shown)); give a new or empty folder, "
            + "or --force to write into it (files of other names are left alone)"
    }

    /// Why nothing can be written at `root`, found before any work is done: the nearest existing
    /// path on the way to it is a file. `nil` when that is a folder.
    static func blockedPath(_ root: URL) -> Failure? {
        var url = root.standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
        return isDirectory.boolValue ? nil : Failure(path: url.path, reason: "is a file, not a folder")
    }

    /// Writes `files` (paths relative to `root`) as one set; see the type's description.
    /// - Parameters:
    ///   - command: the command writing (`report`, `specs`); its manifest says what it owns.
    ///   - force: write even into a folder that holds files and no manifest of `command`.
    /// - Throws: ``Failure`` naming the path and the system's reason; the folder is then as it was.
    static func write(_ files: [ReportFile], command: String, to root: URL, force: Bool = false) throws(Failure) -> Outcome {
        let manager = FileManager.default
        let root = root.standardizedFileURL
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: root.path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue { throw Failure(path: root.path, reason: "is a file, not a folder") }
        if exists, !force, let reason = refusal(root, command: command) { throw Failure(path: root.path, reason: reason) }
        let owned = exists ? ownedPaths(root, command: command) ?? [] : []
        let parent = root.deletingLastPathComponent()
        try makeFolder(parent)
        let temporary = parent.appendingPathComponent(".\(root.lastPathComponent).vitscope-tmp")
        try clearTemporary(temporary, command: command)
        let manifestText = manifest(files, command: command)
        do {
            try makeFolder(temporary)
            // The manifest first: a folder left by a killed run says whose it is.
            try writeFile(temporary.appendingPathComponent(manifestName), manifestText)
            for file in files { try writeFile(temporary.appendingPathComponent(file.path), file.contents, makeFolders: true) }
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
        var outcome = Outcome()
        guard exists else {
            try rename(temporary, root)
            outcome.written = files.count
            return outcome
        }
        defer { try? manager.removeItem(at: temporary) }
        let changed = files.filter { manager.contents(atPath: root.appendingPathComponent($0.path).path) != Data($0.contents.utf8) }
        outcome.unchanged = files.count - changed.count
        // Every folder a rename goes into must exist and be writable before the first rename.
        let folders = Set(changed.map { root.appendingPathComponent($0.path).deletingLastPathComponent().path }).sorted()
        for folder in folders {
            try makeFolder(URL(fileURLWithPath: folder))
            guard access(folder, W_OK) == 0 else { throw Failure(path: folder, reason: String(cString: strerror(errno))) }
        }
        for file in changed {
            try rename(temporary.appendingPathComponent(file.path), root.appendingPathComponent(file.path))
            outcome.written += 1
        }
        let kept = Set(files.map(\.path))
        for path in owned.sorted() where !kept.contains(path) {
            let url = root.appendingPathComponent(path)
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            guard unlink(url.path) == 0 else { throw Failure(path: url.path, reason: String(cString: strerror(errno))) }
            outcome.removed.append(path)
        }
        try rename(temporary.appendingPathComponent(manifestName), root.appendingPathComponent(manifestName))
        return outcome
    }

    /// Removes a temporary folder a killed run left behind; refuses one that is not vitscope's.
    private static func clearTemporary(_ temporary: URL, command: String) throws(Failure) {
        guard FileManager.default.fileExists(atPath: temporary.path) else { return }
        guard ownedPaths(temporary, command: command) != nil || (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) == []
        else {
            throw Failure(path: temporary.path, reason: "exists and was not made by vitscope \(command); remove or rename it")
        }
        do { try FileManager.default.removeItem(at: temporary) } catch {
            throw Failure(path: temporary.path, reason: "cannot remove a temporary folder left by an earlier run")
        }
    }

    /// Creates `url` and its missing parents as folders.
    private static func makeFolder(_ url: URL) throws(Failure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw Failure(path: url.path, reason: "is a file, not a folder")
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != url.path { try makeFolder(parent) }
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else {
            throw Failure(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Writes `text` to a new file at `url` (the temporary folder's), reporting the system's error.
    private static func writeFile(_ url: URL, _ text: String, makeFolders: Bool = false) throws(Failure) {
        if makeFolders { try makeFolder(url.deletingLastPathComponent()) }
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(path: url.path, reason: String(cString: strerror(errno))) }
        let output = FileOutput(descriptor: descriptor, name: url.path)
        output.write(text)
        let closed = close(descriptor) == 0 ? nil : String(cString: strerror(errno))
        if let reason = output.failure ?? closed { throw Failure(path: url.path, reason: reason) }
    }

    private static func rename(_ from: URL, _ to: URL) throws(Failure) {
        guard Foundation.rename(from.path, to.path) == 0 else { throw Failure(path: to.path, reason: String(cString: strerror(errno))) }
    }
}
