using System.Text.RegularExpressions;

namespace TailGuard.Output;

/// <summary>
/// Paths that are not ordinary files. An output is never written beside such a path and renamed over it: renaming over
/// <c>/dev/null</c> as root would replace the device with a regular file.
/// </summary>
internal static partial class SpecialFiles
{
    /// <summary>
    /// A device or an open descriptor (<c>/dev/null</c>, <c>/dev/stdout</c>, <c>/proc/self/fd/1</c>, Windows' <c>NUL</c>):
    /// written in place, as a shell redirection writes it.
    /// </summary>
    public static bool IsDevice(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        return OperatingSystem.IsWindows()
            ? fullPath.StartsWith(@"\\.\", StringComparison.Ordinal)
            : fullPath.StartsWith("/dev/", StringComparison.Ordinal) || DescriptorPath().IsMatch(fullPath);
    }

    /// <summary>A file of the kernel's pseudo file systems (<c>/proc/version</c>, <c>/sys/...</c>), which takes no report.</summary>
    public static bool IsKernelFile(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        return OperatingSystem.IsLinux()
            && (fullPath.StartsWith("/proc/", StringComparison.Ordinal) || fullPath.StartsWith("/sys/", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^/proc/(self|thread-self|\d+)/fd/\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex DescriptorPath();
}
