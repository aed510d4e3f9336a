using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace TailGuard.Analyzers.Tests;

/// <summary>
/// Reference assemblies for test compilations, all from packages restored at build time: nothing is downloaded while tests run.
/// .NET 10 reference assemblies come from Basic.Reference.Assemblies; ASP.NET Core from the shared framework the test runs on.
/// </summary>
internal static class TestReferences
{
    /// <summary>No reference package: the Testing library must not reach for NuGet.</summary>
    public static ReferenceAssemblies None { get; } = new("net10.0");

    public static ImmutableArray<MetadataReference> Net100 { get; } =
        ImmutableArray.CreateRange<MetadataReference>(Basic.Reference.Assemblies.Net100.References.All);

    public static ImmutableArray<MetadataReference> AspNetCore { get; } = LoadAspNetCore();

    private static ImmutableArray<MetadataReference> LoadAspNetCore()
    {
        var directory = Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!;
        return Directory.EnumerateFiles(directory, "Microsoft.*.dll")
            .Where(path => Path.GetFileName(path).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                || Path.GetFileName(path).StartsWith("Microsoft.Extensions", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
