namespace TailGuard.Output;

/// <summary>
/// Where a path really leads: its full path with every symbolic link along it resolved, so that <c>x.nettrace</c>,
/// <c>./dir/../x.nettrace</c> and a link to it compare as the same file, and a report written "to a link" replaces the file
/// the link names rather than the link itself.
/// </summary>
public static class FileIdentity
{
    // Deeper than any sane chain of links; a loop of links ends here instead of recursing for ever.
    private const int MaxLinks = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// The full path with the links of every existing component resolved (as <c>realpath</c> does); components that do not
    /// exist yet are kept as written.
    /// </summary>
    public static string Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    /// <summary>True when both paths lead to the same file (after <see cref="Resolve"/>).</summary>
    public static bool SameFile(string a, string b) => string.Equals(Resolve(a), Resolve(b), PathComparison);

    private static string Resolve(string full, ref int links)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var next = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: compare it as written.
            }

            if (target is not null && ++links <= MaxLinks)
            {
                // A link's target is relative to the link's folder and may itself run through links.
                next = Resolve(Path.GetFullPath(target, current), ref links);
            }

            current = next;
        }

        return current;
    }
}
