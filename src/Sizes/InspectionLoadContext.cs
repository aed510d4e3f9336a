using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;

namespace TailGuard.Sizes;

/// <summary>
/// A collectible load context for the assembly under inspection and its dependencies, resolved the way the host would
/// resolve them for the app: assemblies of the runtime this tool runs on come from the default context (so <c>Task</c>
/// and <c>IAsyncStateMachine</c> are the same types on both sides); then the app's <c>.deps.json</c> through
/// <see cref="AssemblyDependencyResolver"/>; then the assembly's own folder; then the shared frameworks it names in its
/// <c>.runtimeconfig.json</c> (ASP.NET Core, for a web app), or, for a library without one, every shared framework installed
/// for the running runtime's version.
/// </summary>
internal sealed class InspectionLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> PlatformAssemblies = ReadPlatformAssemblies();

    private readonly AssemblyDependencyResolver? _resolver;
    private readonly string _directory;
    private readonly IReadOnlyList<string> _frameworkDirectories;

    public InspectionLoadContext(string assemblyPath)
        : base("tailguard-sizes", isCollectible: true)
    {
        _directory = Path.GetDirectoryName(assemblyPath)!;
        try
        {
            _resolver = new AssemblyDependencyResolver(assemblyPath);
        }
        catch (InvalidOperationException)
        {
            _resolver = null; // no usable .deps.json: the folder and the shared frameworks remain
        }

        _frameworkDirectories = FrameworkDirectories(assemblyPath);
    }

    /// <summary>The shared-framework folders probed, for messages.</summary>
    public IReadOnlyList<string> FrameworkDirectoriesProbed => _frameworkDirectories;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || PlatformAssemblies.Contains(assemblyName.Name))
        {
            return null;
        }

        var path = _resolver?.ResolveAssemblyToPath(assemblyName);
        if (path is null || !File.Exists(path))
        {
            path = new[] { _directory }.Concat(_frameworkDirectories)
                .Select(directory => Path.Combine(directory, assemblyName.Name + ".dll"))
                .FirstOrDefault(File.Exists);
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    private static HashSet<string> ReadPlatformAssemblies()
    {
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        var runtimeDirectory = Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory());
        return list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => Path.GetFullPath(path).StartsWith(runtimeDirectory, StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private static List<string> FrameworkDirectories(string assemblyPath)
    {
        var shared = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", ".."));
        if (!Directory.Exists(shared))
        {
            return [];
        }

        var named = FrameworksNamedIn(Path.ChangeExtension(assemblyPath, ".runtimeconfig.json"));
        var running = Environment.Version;
        var directories = new List<string>();
        foreach (var frameworkRoot in Directory.EnumerateDirectories(shared))
        {
            var name = Path.GetFileName(frameworkRoot);
            Version? wanted = null;
            if (named.Count > 0)
            {
                if (!named.TryGetValue(name, out wanted))
                {
                    continue;
                }
            }

            var best = Directory.EnumerateDirectories(frameworkRoot)
                .Select(d => (Dir: d, Version: ParseVersion(Path.GetFileName(d))))
                .Where(v => v.Version is not null)
                .Where(v => wanted is null
                    ? v.Version!.Major == running.Major && v.Version.Minor == running.Minor
                    : v.Version!.Major == wanted.Major && v.Version >= wanted)
                .OrderByDescending(v => v.Version)
                .Select(v => v.Dir)
                .FirstOrDefault();
            if (best is not null)
            {
                directories.Add(best);
            }
        }

        return directories;
    }

    private static Dictionary<string, Version?> FrameworksNamedIn(string runtimeConfigPath)
    {
        var frameworks = new Dictionary<string, Version?>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(runtimeConfigPath))
        {
            return frameworks;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(runtimeConfigPath));
            if (!document.RootElement.TryGetProperty("runtimeOptions", out var options))
            {
                return frameworks;
            }

            var list = new List<JsonElement>();
            if (options.TryGetProperty("framework", out var single))
            {
                list.Add(single);
            }

            if (options.TryGetProperty("frameworks", out var many) && many.ValueKind == JsonValueKind.Array)
            {
                list.AddRange(many.EnumerateArray());
            }

            foreach (var framework in list)
            {
                if (framework.TryGetProperty("name", out var name) && name.GetString() is { } n)
                {
                    frameworks[n] = framework.TryGetProperty("version", out var version) ? ParseVersion(version.GetString() ?? "") : null;
                }
            }
        }
        catch (JsonException)
        {
            // An unreadable runtimeconfig: probe every shared framework instead.
        }

        return frameworks;
    }

    private static Version? ParseVersion(string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return Version.TryParse(dash >= 0 ? text[..dash] : text, out var version) ? version : null;
    }
}
