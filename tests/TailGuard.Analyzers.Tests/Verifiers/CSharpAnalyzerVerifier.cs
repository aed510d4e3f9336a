using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace TailGuard.Analyzers.Tests;

/// <summary>
/// Runs one analyzer over inline-marked source (<c>{|TG1001:expr|}</c> or <c>[|expr|]</c>) and checks that exactly the marked
/// diagnostics are reported. Compiler errors in the snippet fail the test, so snippets stay honest.
/// </summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        => VerifyAnalyzerAsync(source, editorConfig: null, optimize: true, expected);

    public static async Task VerifyAnalyzerAsync(string source, string? editorConfig, bool optimize = true, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, Optimize = optimize };
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.None;
            TestState.AdditionalReferences.AddRange(TestReferences.Net100);
            TestState.AdditionalReferences.AddRange(TestReferences.AspNetCore);
        }

        public bool Optimize { get; set; } = true;

        public LanguageVersion LanguageVersion { get; set; } = LanguageVersion.Preview;

        protected override CompilationOptions CreateCompilationOptions()
        {
            var options = (CSharpCompilationOptions)base.CreateCompilationOptions();
            return options
                .WithOptimizationLevel(Optimize ? OptimizationLevel.Release : OptimizationLevel.Debug)
                .WithNullableContextOptions(NullableContextOptions.Enable);
        }

        protected override ParseOptions CreateParseOptions()
            => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion);
    }
}
