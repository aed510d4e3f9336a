namespace TailGuard.Output;

/// <summary>A file the command also uses, which an output must not replace: the trace being analyzed, the other output.</summary>
/// <param name="Path">The file, as the user named it.</param>
/// <param name="Role">What it is, to finish "it is …": "the trace being analyzed", "the --nettrace file".</param>
public sealed record FileInUse(string Path, string Role);

/// <summary>
/// A file a command writes, replaced only once it is complete. Reserving it checks everything that can be checked up front
/// (not a folder, its folder exists and takes new files, an existing file is writable, it is none of the files the command
/// reads) and creates an empty temporary file beside it; the command writes the temporary file, and <see cref="Commit"/>
/// renames it over the target. A run that fails before that leaves an existing file byte for byte as it was and no empty
/// file behind: <see cref="Dispose"/> deletes the temporary file.
/// </summary>
/// <remarks>
/// Beside the target, not in the temp folder: a rename within one file system is atomic, so a reader (a CI job picking up
/// the report) sees the old file or the new one, never half of one.
/// </remarks>
public sealed class OutputFile : IDisposable
{
    private bool _committed;

    private OutputFile(string path, string target, string? temporaryPath, string what)
    {
        Path = path;
        Target = target;
        TemporaryPath = temporaryPath;
        What = what;
    }

    /// <summary>The file's full path as the user named it (what messages show).</summary>
    public string Path { get; }

    /// <summary>The file that is replaced: <see cref="Path"/> with its links resolved.</summary>
    public string Target { get; }

    /// <summary>
    /// Where the content goes until <see cref="Commit"/>: a hidden file in the target's folder; null for a device
    /// (<c>/dev/stdout</c>, <c>/dev/null</c>), which is written in place as a shell redirection writes it.
    /// </summary>
    public string? TemporaryPath { get; }

    /// <summary>What the file holds, for messages: "report", "trace".</summary>
    public string What { get; }

    /// <summary>Checks that <paramref name="file"/> can be written and reserves its temporary file.</summary>
    /// <param name="file">The file to write.</param>
    /// <param name="what">What it holds, for messages ("report", "trace").</param>
    /// <param name="inUse">Files the command reads or also writes, which this one must not be.</param>
    /// <exception cref="UserError">The file cannot be written; the message says why, in one line.</exception>
    public static OutputFile Reserve(FileInfo file, string what, IEnumerable<FileInUse>? inUse = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(what);
        var path = file.FullName;
        string Fail(string why) => throw new UserError($"Cannot write the {what} to '{path}': {why}");

        // Judged by the path as given: /dev/stdout resolves through /proc/self/fd to whatever standard output is (a file the
        // shell opened, too), which must be written through, never replaced.
        if (SpecialFiles.IsDevice(path))
        {
            return new OutputFile(path, path, null, what);
        }

        var target = FileIdentity.Resolve(path);
        if (SpecialFiles.IsDevice(target))
        {
            return new OutputFile(path, target, null, what);
        }

        if (SpecialFiles.IsKernelFile(target))
        {
            Fail("it is a file of the kernel's /proc or /sys file system, not a place for a report.");
        }

        if (Directory.Exists(target))
        {
            Fail("it is a folder; give a file name.");
        }

        var folder = System.IO.Path.GetDirectoryName(target) ?? ".";
        if (!Directory.Exists(folder))
        {
            Fail($"the folder '{folder}' does not exist.");
        }

        foreach (var other in inUse ?? [])
        {
            if (FileIdentity.SameFile(target, other.Path))
            {
                Fail($"it is {other.Role}, which the {what} would replace.");
            }
        }

        if (File.Exists(target))
        {
            try
            {
                // Opened for writing without truncation and closed again: the file is not changed, and a file we may not
                // write fails here rather than after a long session.
                using var probe = new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception ex) when (IsFileSystemError(ex))
            {
                Fail($"the file is not writable ({ex.Message}).");
            }
        }

        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var created = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            Fail($"cannot create a file in the folder '{folder}' ({ex.Message}).");
        }

        return new OutputFile(path, target, temporary, what);
    }

    /// <summary>Opens the temporary file for writing, empty.</summary>
    public FileStream OpenWrite()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        return Guard(() => new FileStream(TemporaryPath ?? Target, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16));
    }

    /// <summary>Moves the complete temporary file over the target (keeping an existing target's permissions).</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        Guard(() =>
        {
            if (TemporaryPath is null)
            {
                return false;
            }

            if (!OperatingSystem.IsWindows() && File.Exists(Target))
            {
                File.SetUnixFileMode(TemporaryPath, File.GetUnixFileMode(Target));
            }

            File.Move(TemporaryPath, Target, overwrite: true);
            return true;
        });
        _committed = true;
    }

    /// <summary>Deletes the temporary file unless it was committed: the target stays as it was.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        if (TemporaryPath is null)
        {
            return;
        }

        try
        {
            File.Delete(TemporaryPath);
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            // Best effort: a leftover hidden temporary file is harmless, and the command's own error matters more.
        }
    }

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            throw new UserError($"Cannot write the {What} to '{Path}': {ex.Message}", ex);
        }
    }

    private static bool IsFileSystemError(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException;
}
