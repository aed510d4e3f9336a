using System.Text;
using TailGuard.Output;

namespace TailGuard.Tool.Commands;

/// <summary>
/// What <c>sizes</c> inspects when it is given a folder: the one build output in it (a .dll beside its own .deps.json or
/// .runtimeconfig.json, which the copied dependencies of a build output lack), or else the one project in it, as
/// <c>dotnet build</c> takes a folder. None or several is an error that says what was found.
/// </summary>
internal static class SizesInput
{
    public static FileInfo Resolve(FileInfo input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var folder = input.FullName;
        if (!Directory.Exists(folder))
        {
            return input;
        }

        try
        {
            var outputs = Directory.EnumerateFiles(folder, "*.dll")
                .Where(dll => File.Exists(Path.ChangeExtension(dll, ".deps.json")) || File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (outputs.Count > 0)
            {
                return One(folder, outputs, "build outputs");
            }

            var projects = Directory.EnumerateFiles(folder, "*proj").Order(StringComparer.Ordinal).ToList();
            if (projects.Count > 0)
            {
                return One(folder, projects, "projects");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"'{folder}' is a folder that cannot be read ({ex.Message}): give the .dll or the project.", ex);
        }

        throw new UserError($"'{folder}' is a folder with no build output (a .dll with its .deps.json) and no project in it: give the .dll or the project.");
    }

    private static FileInfo One(string folder, IReadOnlyList<string> candidates, string what)
    {
        if (candidates.Count == 1)
        {
            return new FileInfo(candidates[0]);
        }

        var message = new StringBuilder($"'{folder}' is a folder with {candidates.Count} {what}; give one:");
        foreach (var candidate in candidates)
        {
            message.AppendLine().Append("  ").Append(candidate);
        }

        throw new UserError(message.ToString());
    }
}
