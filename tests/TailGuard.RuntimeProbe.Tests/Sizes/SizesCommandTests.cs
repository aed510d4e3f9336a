using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using TailGuard.Sizes;
using TailGuard.Tool;
using TailGuard.TestSupport;

namespace TailGuard.RuntimeProbe.Tests.Sizes;

/// <summary><c>dotnet-tailguard sizes</c> end to end through the command line: formats, budget, and bad input.</summary>
public sealed class SizesCommandTests
{
    private static async Task<(ReturnCode Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var console = new CapturedConsole();
        var code = await ProbeCli.RunAsync(args, console, CancellationToken.None);
        return (code, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    private static void AssertOneErrorLine(string error, string expected)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_the_versioned_document()
    {
        var (code, output, error) = await RunAsync("sizes", SizesSamples.Release.Path, "--format", "json");

        Assert.Equal(ReturnCode.Success, code);
        Assert.Equal("", error);
        var report = SizesJson.Deserialize(output);
        Assert.Equal("tailguard-sizes/1", report.Schema);
        Assert.Equal("Shop.Quotes.Release", report.Assembly.Name);
        Assert.Equal(Environment.Version.ToString(), report.Runtime.Version);
        Assert.False(report.IsDebugBuild);
        Assert.True(report.BoxOverheadBytes > 0);
        var live = report.StateMachines.Single(m => m.MethodName == "StructLocalLive");
        Assert.Equal("Shop.Quotes.QuoteService+<StructLocalLive>d__2", live.StateMachineType);
        Assert.Equal("Shop.Quotes.QuoteService.StructLocalLive", live.Method);
        Assert.Equal(live.Bytes + report.BoxOverheadBytes, live.HeapBytesPerOperation);
        Assert.Contains(live.Fields, f => f is { Name: "quote", Type: "Quote", Bytes: 64 });
        Assert.Contains("\"stateMachineType\":", output, StringComparison.Ordinal);
        Assert.Contains("\"heapBytesPerOperation\":", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_keeps_the_largest_state_machines()
    {
        var (code, output, _) = await RunAsync("sizes", SizesSamples.Release.Path, "--format", "json", "--top", "3");

        var report = SizesJson.Deserialize(output);
        var all = StateMachineInspector.Inspect(SizesSamples.Release.Path).StateMachines;
        Assert.Equal(ReturnCode.Success, code);
        Assert.Equal(14, report.TotalStateMachines);
        Assert.Equal(all.Take(3).Select(m => m.StateMachineType), report.StateMachines.Select(m => m.StateMachineType));
        Assert.Equal(all.Max(m => m.Bytes), report.StateMachines[0].Bytes);
    }

    [Fact]
    public async Task Max_bytes_exceeded_exits_with_3_and_still_writes_the_report()
    {
        var (code, output, error) = await RunAsync("sizes", SizesSamples.Release.Path, "--max-bytes", "128");

        Assert.Equal(ReturnCode.SizeBudgetExceeded, code);
        Assert.Equal(3, (int)code);
        Assert.Contains("OVER BUDGET", output, StringComparison.Ordinal);
        Assert.Contains("exceed --max-bytes 128", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_bytes_respected_exits_with_0()
    {
        var (code, output, _) = await RunAsync("sizes", SizesSamples.Release.Path, "--max-bytes", "4096", "--format", "json");

        Assert.Equal(ReturnCode.Success, code);
        Assert.Equal(new SizesBudget(4096, 0), SizesJson.Deserialize(output).Budget);
    }

    [Fact]
    public async Task Text_output_names_methods_fields_and_the_build()
    {
        var (code, output, _) = await RunAsync("sizes", SizesSamples.Debug.Path);

        Assert.Equal(ReturnCode.Success, code);
        Assert.Contains("Debug build", output, StringComparison.Ordinal);
        Assert.Contains("Shop.Quotes.QuoteService.StructLocalDead", output, StringComparison.Ordinal);
        Assert.Contains("quote: Quote", output, StringComparison.Ordinal);
        Assert.Contains("[async iterator]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console")]
    [InlineData("text")]
    public async Task Console_and_text_name_the_same_format_and_are_the_default(string format)
    {
        var (defaultCode, byDefault, _) = await RunAsync("sizes", SizesSamples.Release.Path);

        var (code, output, _) = await RunAsync("sizes", SizesSamples.Release.Path, "--format", format);

        Assert.Equal(ReturnCode.Success, defaultCode);
        Assert.Equal(ReturnCode.Success, code);
        Assert.Equal(byDefault, output);
    }

    [Fact]
    public async Task Markdown_output_is_a_table_written_to_the_output_file()
    {
        var path = Path.Combine(SizesSamples.NewDirectory(), "sizes.md");

        var (code, output, error) = await RunAsync("sizes", SizesSamples.Release.Path, "-f", "markdown", "-o", path);

        Assert.Equal(ReturnCode.Success, code);
        Assert.Equal("", output);
        Assert.Contains("Report written to", error, StringComparison.Ordinal);
        var markdown = await File.ReadAllTextAsync(path);
        Assert.Contains("| Bytes | Heap per suspended operation | Method | Largest fields |", markdown, StringComparison.Ordinal);
        Assert.Contains("`quote` Quote (64)", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dependencies_from_the_ASP_NET_Core_shared_framework_are_resolved()
    {
        var aspNetCore = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "Microsoft.AspNetCore.App", Environment.Version.ToString()));
        var references = new[] { "Microsoft.AspNetCore.Http.Abstractions.dll", "Microsoft.AspNetCore.Http.Features.dll", "Microsoft.Extensions.Primitives.dll" }
            .Select(f => MetadataReference.CreateFromFile(Path.Combine(aspNetCore, f)));
        var (_, image) = CompiledStateMachines.Emit(
            """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            public sealed class Endpoint
            {
                public static string Sink;
                public static async Task Handle(HttpContext context, Task upstream)
                {
                    var path = context.Request.Path;
                    var query = context.Request.QueryString;
                    await upstream;
                    Sink = path.Value + query.Value;
                }
            }
            """,
            OptimizationLevel.Release, references, "WebSample");
        var directory = SizesSamples.NewDirectory();
        var dll = Path.Combine(directory, "WebSample.dll");
        await File.WriteAllBytesAsync(dll, image);
        await File.WriteAllTextAsync(Path.Combine(directory, "WebSample.runtimeconfig.json"),
            """{ "runtimeOptions": { "tfm": "net10.0", "framework": { "name": "Microsoft.AspNetCore.App", "version": "10.0.0" } } }""");

        var report = StateMachineInspector.Inspect(dll);

        var machine = Assert.Single(report.StateMachines);
        Assert.Equal("Endpoint.Handle", machine.Method);
        Assert.Contains(machine.Fields, f => f is { Name: "path", Type: "PathString", Bytes: 8 });
        Assert.Contains(machine.Fields, f => f is { Name: "context", Type: "HttpContext" });
    }

    [Fact]
    public async Task A_file_that_is_not_a_dotnet_assembly_is_an_error()
    {
        var path = Path.Combine(SizesSamples.NewDirectory(), "random.dll");
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        var (code, _, error) = await RunAsync("sizes", path);

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "is not a .NET assembly");
    }

    [Fact]
    public async Task A_native_executable_is_not_a_dotnet_assembly()
    {
        var (code, _, error) = await RunAsync("sizes", "/bin/sh");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "is not a .NET assembly");
    }

    [Fact]
    public async Task A_reference_assembly_is_an_error()
    {
        var (compilation, _) = CompiledStateMachines.Emit(SizesSamples.Source, OptimizationLevel.Release, assemblyName: "Shop.Quotes.Ref");
        var path = Path.Combine(SizesSamples.NewDirectory(), "Shop.Quotes.Ref.dll");
        using (var stream = File.Create(path))
        {
            Assert.True(compilation.Emit(stream, options: new EmitOptions(metadataOnly: true, includePrivateMembers: false)).Success);
        }

        var (code, _, error) = await RunAsync("sizes", path);

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "is a reference assembly");
    }

    [Fact]
    public async Task A_missing_dependency_is_an_error()
    {
        var (_, library) = CompiledStateMachines.Emit("public struct Money { public decimal Amount; public string Currency; }", OptimizationLevel.Release, assemblyName: "Shop.Money");
        var (_, app) = CompiledStateMachines.Emit(
            """
            using System.Threading.Tasks;
            public static class Billing
            {
                public static decimal Sink;
                public static async Task Charge(Task t) { var m = new Money { Amount = 1 }; await t; Sink = m.Amount; }
            }
            """,
            OptimizationLevel.Release, [MetadataReference.CreateFromImage(library)], "Shop.Billing");
        var path = Path.Combine(SizesSamples.NewDirectory(), "Shop.Billing.dll");
        await File.WriteAllBytesAsync(path, app);

        var (code, _, error) = await RunAsync("sizes", path);

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "Missing dependency of Shop.Billing.dll: Shop.Money");
    }

    [Fact]
    public async Task A_missing_file_is_an_error()
    {
        var (code, _, error) = await RunAsync("sizes", "/nonexistent/app.dll");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "does not exist");
    }

    [Fact]
    public async Task An_unwritable_output_is_an_error()
    {
        var (code, _, error) = await RunAsync("sizes", SizesSamples.Release.Path, "-o", "/nonexistent/dir/sizes.json");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "Cannot write the report");
    }

    [Theory]
    [InlineData("--top", "0")]
    [InlineData("--max-bytes", "-1")]
    [InlineData("--format", "xml")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        var (code, _, _) = await RunAsync("sizes", SizesSamples.Release.Path, option, value);

        Assert.Equal(ReturnCode.UsageError, code);
    }

    [Fact]
    public async Task A_project_is_built_in_Release_first()
    {
        var directory = SizesSamples.NewDirectory();
        var project = WriteProject(directory, """
            using System.Threading.Tasks;
            namespace Built;
            public static class Service
            {
                public static async Task<long> Run(Task t) { var a = 1L; var b = System.Guid.NewGuid(); await t; return a + b.GetHashCode(); }
            }
            """);

        var (code, output, error) = await RunAsync("sizes", project, "--format", "json");

        Assert.True(code == ReturnCode.Success, error);
        var report = SizesJson.Deserialize(output);
        Assert.False(report.IsDebugBuild);
        Assert.Contains("/bin/Release/", report.Assembly.Path, StringComparison.Ordinal);
        var machine = Assert.Single(report.StateMachines);
        Assert.Equal("Built.Service.Run", machine.Method);
        Assert.Contains(machine.Fields, f => f is { Name: "b", Type: "Guid", Bytes: 16 });
    }

    [Fact]
    public async Task A_project_that_does_not_build_is_an_error()
    {
        var project = WriteProject(SizesSamples.NewDirectory(), "public static class Broken { public static int F() => }");

        var (code, _, error) = await RunAsync("sizes", project);

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "Build of Sample.csproj (Release) failed");
    }

    private static string WriteProject(string directory, string source)
    {
        var project = Path.Combine(directory, "Sample.csproj");
        File.WriteAllText(project, """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>disable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Service.cs"), source);
        return project;
    }
}
