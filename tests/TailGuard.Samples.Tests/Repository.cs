using System.Reflection;

namespace TailGuard.Samples.Tests;

/// <summary>Where the repository and the built sample are, as recorded when the tests were built.</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    public static string ServiceDirectory { get; } = Path.Combine(Root, "samples", "AdversarialService");

    public static string ServiceAssembly { get; } = Path.Combine(ServiceDirectory, "bin", Configuration, "net10.0", "AdversarialService.dll");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing.");
}
