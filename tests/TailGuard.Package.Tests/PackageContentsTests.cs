using System.Security.Cryptography;
using System.Text;

namespace TailGuard.Package.Tests;

[Collection(PackageCollection.Name)]
public sealed class PackageContentsTests(PackageFixture package)
{
    private const string AnalyzerFolder = "analyzers/dotnet/cs/";

    [Fact]
    public void The_package_is_TailGuard_Analyzers_named_for_its_version()
    {
        Assert.Equal("TailGuard.Analyzers", package.PackageId);
        Assert.Equal($"TailGuard.Analyzers.{package.PackageVersion}.nupkg", Path.GetFileName(package.PackagePath));
    }

    [Fact]
    public void Both_assemblies_are_under_analyzers_dotnet_cs()
    {
        Assert.Contains(AnalyzerFolder + "TailGuard.Analyzers.dll", package.Entries);
        Assert.Contains(AnalyzerFolder + "TailGuard.CodeFixes.dll", package.Entries);
    }

    [Fact]
    public void Nothing_is_under_lib_and_no_dependency_flows_to_the_consumer()
    {
        Assert.DoesNotContain(package.Entries, e => e.StartsWith("lib/", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(package.Entries, e => e.StartsWith("ref/", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(package.Nuspec.Descendants(), e => e.Name.LocalName == "dependency");
    }

    [Fact]
    public void Only_the_two_analyzer_assemblies_are_shipped_as_code()
    {
        var assemblies = package.Entries.Where(e => e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Order().ToList();
        Assert.Equal([AnalyzerFolder + "TailGuard.Analyzers.dll", AnalyzerFolder + "TailGuard.CodeFixes.dll"], assemblies);
    }

    [Fact]
    public void The_package_ships_its_build_targets()
    {
        Assert.Contains("build/TailGuard.Analyzers.targets", package.Entries);
    }

    [Fact]
    public void Packing_the_analyzer_project_says_which_project_packs_the_package()
    {
        var pack = DotnetCli.Run(
            RepositoryRoot.Path,
            "pack", Path.Combine("src", "Analyzers", "TailGuard.Analyzers.csproj"), "-c", package.Configuration, "--no-build", "--no-restore",
            "-o", Path.Combine(package.Root, "wrong-project"));
        Assert.NotEqual(0, pack.ExitCode);
        Assert.Contains("packed from src/Package", pack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nuspec_marks_a_development_dependency()
    {
        Assert.Equal("true", package.Metadata("developmentDependency"));
    }

    [Fact]
    public void The_nuspec_has_a_readme_a_project_url_a_license_and_a_description()
    {
        Assert.Equal("README.md", package.Metadata("readme"));
        Assert.Contains("README.md", package.Entries);
        Assert.StartsWith("https://", package.Metadata("projectUrl"), StringComparison.Ordinal);
        Assert.NotEmpty(package.Metadata("license"));
        Assert.NotEmpty(package.Metadata("description"));
    }

    [Fact]
    public void The_packaged_readme_links_to_the_rule_docs()
    {
        var readme = Encoding.UTF8.GetString(package.ReadEntry("README.md"));
        Assert.Contains("# TailGuard.Analyzers", readme, StringComparison.Ordinal);
        Assert.Contains(package.Metadata("projectUrl").TrimEnd('/') + "/", readme, StringComparison.Ordinal);
        Assert.Contains("docs/rules", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_packaged_analyzer_assembly_is_the_one_this_test_reflects_on()
    {
        var packaged = SHA256.HashData(package.ReadEntry(AnalyzerFolder + "TailGuard.Analyzers.dll"));
        var built = SHA256.HashData(File.ReadAllBytes(typeof(TailGuard.Analyzers.RuleIds).Assembly.Location));
        Assert.Equal(Convert.ToHexString(built), Convert.ToHexString(packaged));
    }
}
