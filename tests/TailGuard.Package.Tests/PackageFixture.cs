using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace TailGuard.Package.Tests;

/// <summary>
/// Packs <c>src/Package</c> (the TailGuard.Analyzers package) once into a temporary folder feed, and on first use builds a fresh consumer project against it
/// (a plain build with a SARIF 2.1 log, then a rebuild with <c>-warnaserror</c>). Everything lives under one temp folder,
/// restore included, so the user's NuGet cache is neither used nor polluted and a stale package of the same version can
/// never be picked up.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    private readonly Lazy<ConsumerBuilds> _consumer;

    public PackageFixture()
    {
        Root = Directory.CreateTempSubdirectory("tailguard-package-").FullName;
        Feed = Path.Combine(Root, "feed");
        Configuration = typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;

        // --no-build: the test project's build already built src/Package in this configuration (project reference), and
        // building here could race with other test projects of the same solution run.
        Pack = DotnetCli.Run(
            RepositoryRoot.Path,
            "pack", Path.Combine("src", "Package", "TailGuard.Analyzers.Package.csproj"), "-c", Configuration, "--no-build", "-o", Feed);
        if (Pack.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet pack failed:\n" + Pack);
        }

        PackagePath = Directory.GetFiles(Feed, "*.nupkg").Single();
        using (var archive = ZipFile.OpenRead(PackagePath))
        {
            Entries = archive.Entries.Select(e => e.FullName).ToList();
            var nuspecEntry = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
            using var stream = nuspecEntry.Open();
            Nuspec = XDocument.Load(stream);
        }

        PackageId = Metadata("id");
        PackageVersion = Metadata("version");
        _consumer = new Lazy<ConsumerBuilds>(BuildConsumer, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Root { get; }

    public string Feed { get; }

    public string Configuration { get; }

    public CommandResult Pack { get; }

    public string PackagePath { get; }

    public IReadOnlyList<string> Entries { get; }

    public XDocument Nuspec { get; }

    public string PackageId { get; }

    public string PackageVersion { get; }

    public ConsumerBuilds Consumer => _consumer.Value;

    public string Metadata(string name)
    {
        var metadata = Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;
    }

    public byte[] ReadEntry(string fullName)
    {
        using var archive = ZipFile.OpenRead(PackagePath);
        using var stream = archive.GetEntry(fullName)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("TAILGUARD_KEEP_TEMP") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind does no harm.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    private ConsumerBuilds BuildConsumer()
    {
        var project = Path.Combine(Root, "consumer");
        ConsumerProject.Write(project, Feed, Path.Combine(Root, "packages"), PackageVersion);
        var sarif = Path.Combine(Root, "consumer.sarif");

        // %2C: MSBuild splits -p values at commas; the compiler wants "path,version=2.1" as one value.
        var build = DotnetCli.Run(project, "build", "-c", "Release", "--disable-build-servers", "-p:ErrorLog=" + sarif + "%2Cversion=2.1");
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("the consumer build failed:\n" + build);
        }

        // The README's CI gate, run twice: with --no-incremental the compile runs again each time, so a gate that failed once
        // cannot pass on the next run just because the first one wrote the assembly (plain -warnaserror does: MSBuild
        // promotes the warnings, the compiler still writes its output, and the next build skips the compile).
        var gateSarif = Path.Combine(Root, "gate.sarif");
        string[] gate = ["build", "-c", "Release", "--disable-build-servers", "--no-restore", "--no-incremental", "-warnaserror", "-p:ErrorLog=" + gateSarif + "%2Cversion=2.1"];
        var strict = DotnetCli.Run(project, gate);
        var strictAgain = DotnetCli.Run(project, gate);

        // An up-to-date build asked for a SARIF log it has not written yet: the package's build targets make the missing log
        // a reason to compile, so the log is there.
        var upToDateSarif = Path.Combine(Root, "up-to-date.sarif");
        var upToDate = DotnetCli.Run(project, "build", "-c", "Release", "--disable-build-servers", "--no-restore", "-p:ErrorLog=" + upToDateSarif + "%2Cversion=2.1");
        return new ConsumerBuilds(
            build, File.ReadAllText(sarif), strict, strictAgain, File.Exists(gateSarif), upToDate,
            File.Exists(upToDateSarif) ? File.ReadAllText(upToDateSarif) : null);
    }
}

public sealed record ConsumerBuilds(
    CommandResult Build,
    string Sarif,
    CommandResult WarnAsErrorBuild,
    CommandResult WarnAsErrorBuildAgain,
    bool GateWroteSarif,
    CommandResult UpToDateBuild,
    string? UpToDateSarif);

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "package";
}

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "TailGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TailGuard.sln not found above " + AppContext.BaseDirectory);
    }
}
