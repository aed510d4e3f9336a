using System.Reflection;

namespace TailGuard.Samples.Demo;

/// <summary>
/// Where the demo finds what its own build produced: the service and <c>dotnet-tailguard</c> are project references of the demo
/// (built with it, in the same configuration), so <c>dotnet run --project samples/Demo</c> builds everything in one go.
/// </summary>
internal sealed record DemoLayout(string RepositoryRoot, string Configuration)
{
    public const string ServiceProject = "samples/AdversarialService/AdversarialService.csproj";
    public const string ToolProject = "src/Tool/TailGuard.Tool.csproj";

    public static DemoLayout FromThisBuild()
    {
        var metadata = typeof(DemoLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        return new DemoLayout(metadata["RepositoryRoot"]!, metadata["Configuration"]!);
    }

    public string ServiceAssembly => Output("samples/AdversarialService", "AdversarialService.dll");

    public string ToolAssembly => Output("src/Tool", "dotnet-tailguard.dll");

    public string DefaultOutputDirectory => Path.Combine(RepositoryRoot, "artifacts", "demo");

    public string Relative(string path) => Path.GetRelativePath(RepositoryRoot, path);

    /// <summary>Relative to the repository when inside it (the README's command runs there), else absolute.</summary>
    public string Display(string path)
    {
        var relative = Relative(path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    /// <summary>Fails with the command that builds it when a project output is missing (e.g. after <c>dotnet run --no-build</c>).</summary>
    public string Require(string assembly) => File.Exists(assembly)
        ? assembly
        : throw new DemoException($"{Relative(assembly)} is not built. Run the demo without --no-build: dotnet run --project samples/Demo -c {Configuration}");

    private string Output(string projectDirectory, string assembly) =>
        Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, "net10.0", assembly);
}
