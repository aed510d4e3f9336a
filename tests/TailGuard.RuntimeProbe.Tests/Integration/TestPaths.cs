namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>Where the target app and the tool were built, next to this test assembly's own configuration.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string TargetApp => Path.Combine(RepoRoot, "tests", "TailGuard.TargetApp", "bin", Configuration, "net10.0", "TailGuard.TargetApp.dll");

    public static string Tool => Path.Combine(RepoRoot, "src", "Tool", "bin", Configuration, "net10.0", "dotnet-tailguard.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TailGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TailGuard.sln not found above " + AppContext.BaseDirectory);
    }
}
